#include <iris/abi/errno.h>
#include <sched/sched.h>
#include <sched/thread.h>
#include <sched/waitq.h>

void waitq_init(struct waitq *wq)
{
	wq->lock = (spinlock_t)SPINLOCK_INIT;
	list_init(&wq->waiters);
}

int waitq_wait(struct waitq *wq, uint64_t deadline)
{
	struct thread *t = thread_current();

	if (t->kill_pending)
		return -EINTR;
	t->wake_reason = 0;
	list_add_tail(&t->wait_link, &wq->waiters);
	__atomic_store_n(&t->state, THREAD_BLOCKED, __ATOMIC_SEQ_CST);
	/* A kill that raced with the check above: its wake-up may have missed us. */
	if (__atomic_load_n(&t->kill_pending, __ATOMIC_SEQ_CST))
		sched_wake(t, -EINTR);
	else if (deadline)
		sched_sleep_arm(t, deadline);
	spin_unlock(&wq->lock);
	sched_switch_away();
	spin_lock(&wq->lock);
	/* Woken by a timeout or a kill: still on the queue. */
	if (!list_empty(&t->wait_link))
		list_del(&t->wait_link);
	return t->wake_reason;
}

void waitq_wake_all_locked(struct waitq *wq)
{
	while (!list_empty(&wq->waiters)) {
		struct thread *t = list_first(&wq->waiters, struct thread, wait_link);
		list_del(&t->wait_link);
		sched_wake(t, 0);
	}
}

void waitq_wake_all(struct waitq *wq)
{
	bool irq = spin_lock_irqsave(&wq->lock);
	waitq_wake_all_locked(wq);
	spin_unlock_irqrestore(&wq->lock, irq);
}
