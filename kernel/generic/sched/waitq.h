/*
 * Wait queues: the one way a kernel thread sleeps. A waiter checks its
 * condition with the queue's lock held, and waitq_wait() releases that lock
 * only once the thread is on the queue, so a wake-up between the check and
 * the sleep is never lost.
 */
#pragma once

#include <common/list.h>
#include <stdbool.h>
#include <stdint.h>
#include <sync/spinlock.h>

struct waitq {
	spinlock_t lock;
	struct list_head waiters;
};

#define WAITQ_INIT(name)                                      \
	{                                                     \
		SPINLOCK_INIT, LIST_HEAD_INIT((name).waiters) \
	}

void waitq_init(struct waitq *wq);

/*
 * Sleeps on `wq`, whose lock the caller holds (taken with spin_lock_irqsave,
 * returning `irq`); the lock is released while asleep and held again on
 * return. `deadline` is a time_ns() value, 0 for none. Returns 0 when woken,
 * -ETIMEDOUT when the deadline passed, -EINTR when the thread is being killed.
 */
int waitq_wait(struct waitq *wq, uint64_t deadline);

/* Wakes every thread on `wq` (lock not held by the caller). */
void waitq_wake_all(struct waitq *wq);
/* The same with the lock already held. */
void waitq_wake_all_locked(struct waitq *wq);
