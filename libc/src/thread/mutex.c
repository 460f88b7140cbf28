/*
 * pthread mutexes on libc_lock (spin, then SYS_YIELD: no kernel wait queue
 * yet). Recursive mutexes remember their holder's kernel thread id.
 */
#include "../internal.h"
#include <errno.h>
#include <iris/sys.h>
#include <limits.h>
#include <pthread.h>

#define NO_OWNER (-1L)

int pthread_mutexattr_init(pthread_mutexattr_t *attr)
{
	attr->type = PTHREAD_MUTEX_DEFAULT;
	return 0;
}

int pthread_mutexattr_destroy(pthread_mutexattr_t *attr)
{
	(void)attr;
	return 0;
}

int pthread_mutexattr_settype(pthread_mutexattr_t *attr, int type)
{
	if (type != PTHREAD_MUTEX_NORMAL && type != PTHREAD_MUTEX_RECURSIVE)
		return EINVAL;
	attr->type = type;
	return 0;
}

int pthread_mutexattr_gettype(const pthread_mutexattr_t *restrict attr, int *restrict type)
{
	*type = attr->type;
	return 0;
}

int pthread_mutex_init(pthread_mutex_t *restrict m, const pthread_mutexattr_t *restrict attr)
{
	m->lock = 0;
	m->type = attr ? attr->type : PTHREAD_MUTEX_DEFAULT;
	m->owner = NO_OWNER;
	m->depth = 0;
	return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *m)
{
	return __atomic_load_n(&m->lock, __ATOMIC_RELAXED) ? EBUSY : 0;
}

/*
 * For a recursive mutex: takes it again if the caller holds it (returns 0
 * and sets *done), else reports the caller's id in *self for the owner field.
 */
static int relock_if_owner(pthread_mutex_t *m, long *self, bool *done)
{
	*self = sys_thread_self();
	*done = false;
	if (*self < 0)
		return EAGAIN;
	if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) != *self)
		return 0;
	if (m->depth == UINT_MAX)
		return EAGAIN;
	m->depth++;
	*done = true;
	return 0;
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
	if (m->type != PTHREAD_MUTEX_RECURSIVE) {
		libc_lock(&m->lock);
		return 0;
	}
	long self;
	bool done;
	int r = relock_if_owner(m, &self, &done);
	if (r || done)
		return r;
	libc_lock(&m->lock);
	__atomic_store_n(&m->owner, self, __ATOMIC_RELAXED);
	m->depth = 1;
	return 0;
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
	if (m->type != PTHREAD_MUTEX_RECURSIVE)
		return libc_trylock(&m->lock) ? 0 : EBUSY;
	long self;
	bool done;
	int r = relock_if_owner(m, &self, &done);
	if (r || done)
		return r;
	if (!libc_trylock(&m->lock))
		return EBUSY;
	__atomic_store_n(&m->owner, self, __ATOMIC_RELAXED);
	m->depth = 1;
	return 0;
}

/* A recursive mutex not held by the caller gives EPERM; a normal one is simply released. */
int pthread_mutex_unlock(pthread_mutex_t *m)
{
	if (m->type == PTHREAD_MUTEX_RECURSIVE) {
		long self = sys_thread_self();
		if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) != self || self < 0)
			return EPERM;
		if (--m->depth)
			return 0;
		__atomic_store_n(&m->owner, NO_OWNER, __ATOMIC_RELAXED);
	}
	libc_unlock(&m->lock);
	return 0;
}
