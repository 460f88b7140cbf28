/* General utilities: memory, conversions, sorting, the environment, process exit. */
#pragma once

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
#define RAND_MAX     0x7fffffff

typedef struct {
	int quot, rem;
} div_t;
typedef struct {
	long quot, rem;
} ldiv_t;
typedef struct {
	long long quot, rem;
} lldiv_t;

/*
 * The allocator: blocks are 16-byte aligned. malloc(0) and realloc(p, 0)
 * return a unique minimal block (free it as usual). Failures return NULL
 * with errno = ENOMEM. free() of a pointer libc did not hand out, or a second
 * free(), is detected when possible and aborts the program.
 */
void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);

long strtol(const char *restrict s, char **restrict end, int base);
long long strtoll(const char *restrict s, char **restrict end, int base);
unsigned long strtoul(const char *restrict s, char **restrict end, int base);
unsigned long long strtoull(const char *restrict s, char **restrict end, int base);
int atoi(const char *s);
long atol(const char *s);
long long atoll(const char *s);

int abs(int v);
long labs(long v);
long long llabs(long long v);
div_t div(int num, int den);
ldiv_t ldiv(long num, long den);
lldiv_t lldiv(long long num, long long den);

/* Sorts in O(n log n) comparisons in the worst case (introsort); not stable. */
void qsort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *));
void *bsearch(const void *key, const void *base, size_t count, size_t size,
              int (*compare)(const void *, const void *));

/* A 31-bit pseudo-random sequence, the same for the same seed (1 by default); not per thread. */
int rand(void);
void srand(unsigned seed);

char *getenv(const char *name);

/* Registers up to 32 functions that exit() calls in reverse order; nonzero when full. */
int atexit(void (*fn)(void));
/* Runs the atexit functions and destructors, flushes stdio, ends the process. */
_Noreturn void exit(int status);
/* Ends the process at once: no atexit functions, no flushing. */
_Noreturn void _Exit(int status);
/* Ends the process at once with exit status 134 (128 + SIGABRT's 6); nothing is flushed. */
_Noreturn void abort(void);
