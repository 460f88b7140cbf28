/*
 * POSIX threads over SYS_SPAWN_THREAD. Mutexes spin briefly, then give the
 * CPU away with SYS_YIELD until the holder releases them (no kernel wait
 * queue yet): correct, but a waiter burns some CPU.
 */
#pragma once

#include <stddef.h>

typedef struct libc_thread *pthread_t;

typedef struct {
	size_t stack_size;
	int detach_state;
} pthread_attr_t;

#define PTHREAD_CREATE_JOINABLE 0
#define PTHREAD_CREATE_DETACHED 1
#define PTHREAD_STACK_MIN       16384
/* What pthread_join reports for a thread that was killed or died of a fault. */
#define PTHREAD_CANCELED ((void *)-1)

typedef struct {
	int lock;       /* 0 free, 1 held */
	int type;       /* PTHREAD_MUTEX_* */
	long owner;     /* thread id of the holder (recursive mutexes only) */
	unsigned depth; /* times the holder locked it (recursive mutexes only) */
} pthread_mutex_t;

typedef struct {
	int type;
} pthread_mutexattr_t;

#define PTHREAD_MUTEX_NORMAL    0
#define PTHREAD_MUTEX_RECURSIVE 1
#define PTHREAD_MUTEX_DEFAULT   PTHREAD_MUTEX_NORMAL
#define PTHREAD_MUTEX_INITIALIZER             \
	{                                     \
		0, PTHREAD_MUTEX_NORMAL, 0, 0 \
	}

typedef int pthread_once_t;
#define PTHREAD_ONCE_INIT 0

/* Each returns 0 or an error code (not errno). */
int pthread_attr_init(pthread_attr_t *attr);
int pthread_attr_destroy(pthread_attr_t *attr);
/* Stack size in [PTHREAD_STACK_MIN, IRIS_THREAD_STACK_MAX]; default IRIS_THREAD_STACK_DEFAULT. */
int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size);
int pthread_attr_getstacksize(const pthread_attr_t *attr, size_t *size);
int pthread_attr_setdetachstate(pthread_attr_t *attr, int state);
int pthread_attr_getdetachstate(const pthread_attr_t *attr, int *state);

int pthread_create(pthread_t *restrict thread, const pthread_attr_t *restrict attr,
                   void *(*start)(void *), void *restrict arg);
int pthread_join(pthread_t thread, void **result);
int pthread_detach(pthread_t thread);
_Noreturn void pthread_exit(void *result);
pthread_t pthread_self(void);
int pthread_equal(pthread_t a, pthread_t b);

int pthread_mutexattr_init(pthread_mutexattr_t *attr);
int pthread_mutexattr_destroy(pthread_mutexattr_t *attr);
/* PTHREAD_MUTEX_NORMAL or PTHREAD_MUTEX_RECURSIVE. */
int pthread_mutexattr_settype(pthread_mutexattr_t *attr, int type);
int pthread_mutexattr_gettype(const pthread_mutexattr_t *restrict attr, int *restrict type);

int pthread_mutex_init(pthread_mutex_t *restrict m, const pthread_mutexattr_t *restrict attr);
int pthread_mutex_destroy(pthread_mutex_t *m);
int pthread_mutex_lock(pthread_mutex_t *m);
int pthread_mutex_trylock(pthread_mutex_t *m);
int pthread_mutex_unlock(pthread_mutex_t *m);

int pthread_once(pthread_once_t *once, void (*init)(void));
