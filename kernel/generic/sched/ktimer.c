#include <sched/ktimer.h>
#include <sync/spinlock.h>
#include <time.h>
#include <x86_64/cpu.h>
#include <x86_64/percpu.h>

static spinlock_t timer_lock = SPINLOCK_INIT;
static struct list_head timers = LIST_HEAD_INIT(timers); /* sorted by deadline */
static struct ktimer *volatile running;                  /* whose callback runs now */
static volatile int running_cpu;                         /* and where */

void ktimer_init(struct ktimer *t, void (*fn)(struct ktimer *t))
{
	list_init(&t->link);
	t->fn = fn;
	t->armed = false;
	t->deadline = 0;
}

void ktimer_arm(struct ktimer *t, uint64_t deadline)
{
	bool irq = spin_lock_irqsave(&timer_lock);
	if (t->armed)
		list_del(&t->link);
	t->deadline = deadline;
	t->armed = true;
	struct list_head *pos;
	list_for_each(pos, &timers)
	{
		if (list_entry(pos, struct ktimer, link)->deadline > deadline)
			break;
	}
	list_add_tail(&t->link, pos);
	spin_unlock_irqrestore(&timer_lock, irq);
}

bool ktimer_cancel(struct ktimer *t)
{
	bool irq = spin_lock_irqsave(&timer_lock);
	bool was = t->armed;
	if (was) {
		list_del(&t->link);
		t->armed = false;
	}
	spin_unlock_irqrestore(&timer_lock, irq);
	/* Fired: wait for its callback to be over, unless that callback is who asks. */
	while (!was && __atomic_load_n(&running, __ATOMIC_ACQUIRE) == t &&
	       running_cpu != (int)cpu_current()->id)
		cpu_relax();
	return was;
}

void ktimer_run_expired(void)
{
	uint64_t now = time_ns();
	for (;;) {
		spin_lock(&timer_lock);
		struct ktimer *t = NULL;
		if (!list_empty(&timers)) {
			struct ktimer *first = list_first(&timers, struct ktimer, link);
			if (first->deadline <= now) {
				t = first;
				list_del(&t->link);
				t->armed = false;
				running_cpu = (int)cpu_current()->id;
				__atomic_store_n(&running, t, __ATOMIC_RELEASE);
			}
		}
		spin_unlock(&timer_lock);
		if (!t)
			return;
		t->fn(t);
		__atomic_store_n(&running, NULL, __ATOMIC_RELEASE);
	}
}
