#include <arch/cpu.h>
#include <arch/percpu.h>
#include <common/list.h>
#include <sched/ktimer.h>
#include <sync/spinlock.h>
#include <time.h>

static spinlock_t timer_lock = SPINLOCK_INIT;
static struct rb_tree timers = RB_TREE_INIT; /* armed timers by deadline, then arming order */
static struct ktimer *volatile running;      /* whose callback runs now */
static volatile int running_cpu;             /* and where */

static bool deadline_before(const struct rb_node *a, const struct rb_node *b)
{
	return container_of(a, struct ktimer, node)->deadline <
	       container_of(b, struct ktimer, node)->deadline;
}

void ktimer_init(struct ktimer *t, void (*fn)(struct ktimer *t))
{
	rb_clear(&t->node);
	t->fn = fn;
	t->deadline = 0;
}

void ktimer_arm(struct ktimer *t, uint64_t deadline)
{
	bool irq = spin_lock_irqsave(&timer_lock);
	if (rb_linked(&t->node))
		rb_remove(&timers, &t->node);
	t->deadline = deadline;
	rb_insert(&timers, &t->node, deadline_before);
	spin_unlock_irqrestore(&timer_lock, irq);
}

bool ktimer_cancel(struct ktimer *t)
{
	bool irq = spin_lock_irqsave(&timer_lock);
	bool was = rb_linked(&t->node);
	if (was)
		rb_remove(&timers, &t->node);
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
		struct rb_node *first = rb_first(&timers);
		struct ktimer *t = first ? container_of(first, struct ktimer, node) : NULL;
		if (t && t->deadline <= now) {
			rb_remove(&timers, first);
			running_cpu = (int)cpu_current()->id;
			__atomic_store_n(&running, t, __ATOMIC_RELEASE);
		} else {
			t = NULL;
		}
		spin_unlock(&timer_lock);
		if (!t)
			return;
		t->fn(t);
		__atomic_store_n(&running, NULL, __ATOMIC_RELEASE);
	}
}
