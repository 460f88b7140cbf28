/*
 * Threads over SYS_SPAWN_THREAD, and the per-thread errno.
 *
 * Each pthread has a control block (struct libc_thread, from malloc) that
 * outlives the thread until it is joined or detached: the thread stores its
 * void * result there before SYS_THREAD_EXIT, and pthread_join reads it
 * after SYS_WAIT. There is no thread pointer register yet, so "which thread
 * am I" is SYS_THREAD_SELF plus a lookup in a registry keyed by the kernel's
 * thread id. Threads that libc did not start (raw sys_spawn_thread) share
 * one fallback block.
 */
#include "../internal.h"
#include <errno.h>
#include <iris/sys.h>
#include <pthread.h>
#include <stdlib.h>

enum { THREAD_JOINABLE, THREAD_DETACHED, THREAD_EXITED };

struct libc_thread {
	struct libc_thread *next; /* registry chain */
	long tid;                 /* kernel thread id: the registry key */
	iris_handle_t handle;     /* for pthread_join; IRIS_HANDLE_INVALID when none */
	int state;                /* THREAD_*, atomic: decides who frees the block */
	void *(*start)(void *);
	void *arg;
	void *result;
	int errno_value;
};

#define REGISTRY_BUCKETS 64

static int registry_lock;
static struct libc_thread *registry[REGISTRY_BUCKETS];
static struct libc_thread initial_thread = { .handle = IRIS_HANDLE_INVALID };
static struct libc_thread foreign_thread = { .handle = IRIS_HANDLE_INVALID };

static struct libc_thread **bucket(long tid)
{
	return &registry[(unsigned long)tid % REGISTRY_BUCKETS];
}

/* Newest first, so a reused thread id finds the live thread, not a stale entry. */
static void registry_add(struct libc_thread *t)
{
	libc_lock(&registry_lock);
	t->next = *bucket(t->tid);
	*bucket(t->tid) = t;
	libc_unlock(&registry_lock);
}

static void registry_remove(struct libc_thread *t)
{
	libc_lock(&registry_lock);
	for (struct libc_thread **p = bucket(t->tid); *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	libc_unlock(&registry_lock);
}

/* Returns the calling thread's block (the shared fallback for threads libc did not start). */
static struct libc_thread *thread_current(void)
{
	long tid = sys_thread_self();
	struct libc_thread *t = NULL;
	if (tid >= 0) {
		libc_lock(&registry_lock);
		for (t = *bucket(tid); t && t->tid != tid; t = t->next)
			;
		libc_unlock(&registry_lock);
	}
	return t ? t : &foreign_thread;
}

void libc_thread_init(void)
{
	initial_thread.tid = sys_thread_self();
	if (initial_thread.tid >= 0)
		registry_add(&initial_thread);
}

int *__errno_location(void)
{
	return &thread_current()->errno_value;
}

_Noreturn void iris_thread_bootstrap(iris_thread_fn fn, void *arg)
{
	sys_thread_exit(fn(arg));
}

/* The body of every pthread: register, run start(arg), exit with its result. */
static int thread_main(void *arg)
{
	struct libc_thread *t = arg;
	t->tid = sys_thread_self();
	if (t->tid >= 0)
		registry_add(t);
	pthread_exit(t->start(t->arg));
}

int pthread_attr_init(pthread_attr_t *attr)
{
	attr->stack_size = IRIS_THREAD_STACK_DEFAULT;
	attr->detach_state = PTHREAD_CREATE_JOINABLE;
	return 0;
}

int pthread_attr_destroy(pthread_attr_t *attr)
{
	(void)attr;
	return 0;
}

int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size)
{
	if (size < PTHREAD_STACK_MIN || size > IRIS_THREAD_STACK_MAX)
		return EINVAL;
	attr->stack_size = size;
	return 0;
}

int pthread_attr_getstacksize(const pthread_attr_t *attr, size_t *size)
{
	*size = attr->stack_size;
	return 0;
}

int pthread_attr_setdetachstate(pthread_attr_t *attr, int state)
{
	if (state != PTHREAD_CREATE_JOINABLE && state != PTHREAD_CREATE_DETACHED)
		return EINVAL;
	attr->detach_state = state;
	return 0;
}

int pthread_attr_getdetachstate(const pthread_attr_t *attr, int *state)
{
	*state = attr->detach_state;
	return 0;
}

int pthread_create(pthread_t *restrict thread, const pthread_attr_t *restrict attr,
                   void *(*start)(void *), void *restrict arg)
{
	size_t stack_size = attr ? attr->stack_size : IRIS_THREAD_STACK_DEFAULT;
	bool detached = attr && attr->detach_state == PTHREAD_CREATE_DETACHED;

	struct libc_thread *t = calloc(1, sizeof(*t));
	if (!t)
		return EAGAIN;
	t->handle = IRIS_HANDLE_INVALID;
	t->state = detached ? THREAD_DETACHED : THREAD_JOINABLE;
	t->start = start;
	t->arg = arg;

	long h = sys_spawn_thread(iris_thread_bootstrap, thread_main, t, stack_size);
	if (h < 0) {
		free(t);
		return h == -ENOMEM || h == -EMFILE ? EAGAIN : (int)-h;
	}
	/* A detached thread may already be gone (and t freed): touch only the handle. */
	if (detached)
		sys_handle_close((iris_handle_t)h);
	else
		t->handle = (iris_handle_t)h;
	*thread = t;
	return 0;
}

/*
 * Ends the calling thread with `result` for pthread_join. A detached
 * thread frees its own block; otherwise the joiner does. In the initial
 * thread (which nobody can join) or a thread libc did not start, this only
 * ends the thread.
 */
_Noreturn void pthread_exit(void *result)
{
	struct libc_thread *t = thread_current();
	if (t == &initial_thread || t == &foreign_thread)
		sys_thread_exit(0);
	__atomic_store_n(&t->result, result, __ATOMIC_RELEASE);
	registry_remove(t);
	if (__atomic_exchange_n(&t->state, THREAD_EXITED, __ATOMIC_ACQ_REL) == THREAD_DETACHED)
		free(t);
	sys_thread_exit(0);
}

/*
 * Waits for `thread` to end and frees it. A thread that was killed or died
 * of a fault reports PTHREAD_CANCELED. The initial thread cannot be joined
 * (EINVAL): libc holds no handle to it.
 */
int pthread_join(pthread_t thread, void **result)
{
	struct libc_thread *t = thread;
	if (t->handle == IRIS_HANDLE_INVALID)
		return EINVAL;

	struct iris_exit_info info;
	long r = sys_wait(t->handle, &info, 0);
	if (r < 0)
		return (int)-r;
	void *value = info.reason == IRIS_EXIT_CODE ? __atomic_load_n(&t->result, __ATOMIC_ACQUIRE)
	                                            : PTHREAD_CANCELED;
	sys_handle_close(t->handle);
	registry_remove(t); /* still there if the thread was killed */
	free(t);
	if (result)
		*result = value;
	return 0;
}

int pthread_detach(pthread_t thread)
{
	struct libc_thread *t = thread;
	if (t->handle == IRIS_HANDLE_INVALID)
		return EINVAL;
	sys_handle_close(t->handle);
	t->handle = IRIS_HANDLE_INVALID;
	if (__atomic_exchange_n(&t->state, THREAD_DETACHED, __ATOMIC_ACQ_REL) == THREAD_EXITED)
		free(t);
	return 0;
}

pthread_t pthread_self(void)
{
	return thread_current();
}

int pthread_equal(pthread_t a, pthread_t b)
{
	return a == b;
}

/* 0: not run; 1: running in some thread; 2: done. Latecomers yield until it is done. */
int pthread_once(pthread_once_t *once, void (*init)(void))
{
	int expected = 0;
	if (__atomic_load_n(once, __ATOMIC_ACQUIRE) == 2)
		return 0;
	if (__atomic_compare_exchange_n(once, &expected, 1, false, __ATOMIC_ACQUIRE,
	                                __ATOMIC_ACQUIRE)) {
		init();
		__atomic_store_n(once, 2, __ATOMIC_RELEASE);
		return 0;
	}
	while (__atomic_load_n(once, __ATOMIC_ACQUIRE) != 2)
		sys_yield();
	return 0;
}
