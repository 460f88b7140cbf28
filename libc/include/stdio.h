/*
 * Standard I/O. stdout (line-buffered) and stderr (unbuffered) write to the
 * terminal, and stdin reads it (a cooked line at a time, read ahead into a
 * buffer; reading it flushes stdout first), when the program has one
 * (iris/console.h); otherwise stdout and stderr go to the kernel log
 * and stdin is at its end. The end of input sticks until clearerr().
 * Each stream has a lock: calls from several threads do not interleave
 * within one call.
 *
 * Formatting is the formatter the kernel uses too (common/printf.h): the
 * conversions d i u x X o p s c %, flags "-0 +#", width, precision (also
 * '*'), length modifiers hh h l ll z t j. No floating point and no %n yet.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

typedef struct libc_file FILE;

extern FILE *stdin;
extern FILE *stdout;
extern FILE *stderr;

#define EOF    (-1)
#define BUFSIZ 1024
#define _IOFBF 0 /* fully buffered */
#define _IOLBF 1 /* flushed at each newline */
#define _IONBF 2 /* unbuffered */

int printf(const char *restrict fmt, ...) __attribute__((format(__printf__, 1, 2)));
int fprintf(FILE *restrict f, const char *restrict fmt, ...)
        __attribute__((format(__printf__, 2, 3)));
int sprintf(char *restrict buf, const char *restrict fmt, ...)
        __attribute__((format(__printf__, 2, 3)));
int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
        __attribute__((format(__printf__, 3, 4)));
int vprintf(const char *restrict fmt, va_list ap) __attribute__((format(__printf__, 1, 0)));
int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
        __attribute__((format(__printf__, 2, 0)));
int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
        __attribute__((format(__printf__, 2, 0)));
int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
        __attribute__((format(__printf__, 3, 0)));

int fputc(int c, FILE *f);
int putc(int c, FILE *f);
int putchar(int c);
int fputs(const char *restrict s, FILE *restrict f);
int puts(const char *s);
size_t fwrite(const void *restrict buf, size_t size, size_t count, FILE *restrict f);
/* Flushes `f`, or every stream when f is NULL. */
int fflush(FILE *f);
/* Changes buffering (_IOFBF, _IOLBF, _IONBF); buf NULL keeps the stream's own buffer. */
int setvbuf(FILE *restrict f, char *restrict buf, int mode, size_t size);

int fgetc(FILE *f);
int getc(FILE *f);
int getchar(void);
char *fgets(char *restrict s, int size, FILE *restrict f);
size_t fread(void *restrict buf, size_t size, size_t count, FILE *restrict f);

int feof(FILE *f);
int ferror(FILE *f);
void clearerr(FILE *f);
