/*
 * The scheduler. Each CPU has a run queue of SCHED_PRIORITIES FIFO lists;
 * it runs the first thread of the highest non-empty priority. User threads
 * are preempted when their time slice runs out (the kernel itself is not
 * preemptible: it switches only where a thread blocks, yields or returns to
 * user mode). A CPU with nothing to run pulls one thread from the busiest
 * other CPU, else halts until an interrupt.
 *
 * A thread is never on two CPUs: `on_cpu` stays set until the CPU that ran
 * it has finished switching away, and a CPU about to run a thread waits for
 * that (which takes at most the few instructions of a context switch).
 */
#include <arch/context.h>
#include <arch/cpu.h>
#include <arch/irq.h>
#include <arch/percpu.h>
#include <arch/smp.h>
#include <common/list.h>
#include <console/log.h>
#include <debug/panic.h>
#include <iris/abi/errno.h>
#include <mm/heap.h>
#include <mm/kwindow.h>
#include <sched/ktimer.h>
#include <sched/sched.h>
#include <sched/thread.h>
#include <time.h>

struct runqueue {
	spinlock_t lock;
	struct list_head queue[SCHED_PRIORITIES];
	unsigned nr; /* threads queued (not counting the running one) */
};

static struct runqueue runqueues[MAX_CPUS];

/* Threads with a deadline, sorted by it. */
static spinlock_t sleep_lock = SPINLOCK_INIT;
static struct list_head sleepers = LIST_HEAD_INIT(sleepers);

void vm_switch_to(struct thread *prev, struct thread *next);

static void rq_push(struct runqueue *rq, struct thread *t)
{
	list_add_tail(&t->rq_link, &rq->queue[t->priority]);
	rq->nr++;
}

/*
 * Takes the first runnable thread of `rq`. With `movable_only` (another
 * CPU stealing) it skips pinned threads and threads still on their CPU: a
 * thread is queued before its CPU has switched away from it (a yield, or a
 * wake-up right after it blocked), and a thief that waited for it there
 * could wait for a CPU that is itself waiting, with interrupts off, for a
 * thread the thief left behind — two CPUs each spinning on the other's.
 */
static struct thread *rq_pop(struct runqueue *rq, bool movable_only)
{
	for (int p = 0; p < SCHED_PRIORITIES; p++) {
		struct list_head *pos;
		list_for_each (pos, &rq->queue[p]) {
			struct thread *t = list_entry(pos, struct thread, rq_link);
			if (movable_only &&
			    (t->pinned || __atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE)))
				continue;
			list_del(&t->rq_link);
			rq->nr--;
			return t;
		}
	}
	return NULL;
}

static void resched_ipi(struct cpu *c)
{
	if (c != cpu_current() && c->online)
		smp_resched(c);
}

/* Queues a runnable thread on its CPU and pokes that CPU if it might be idle. */
static void enqueue(struct thread *t)
{
	struct cpu *c = t->cpu;
	bool irq = spin_lock_irqsave(&c->rq->lock);
	t->state = THREAD_RUNNABLE;
	rq_push(c->rq, t);
	spin_unlock_irqrestore(&c->rq->lock, irq);
	struct thread *cur = c->current;
	if (!cur || cur == c->idle || t->priority < cur->priority)
		c->need_resched = true;
	resched_ipi(c);
}

static struct cpu *least_loaded_cpu(void)
{
	struct cpu *best = cpu_current();
	unsigned best_load = best->rq->nr + (best->current != best->idle);
	for (unsigned i = 0; i < cpu_count; i++) {
		struct cpu *c = &cpus[i];
		if (!c->online || !c->rq)
			continue;
		unsigned load = c->rq->nr + (c->current != c->idle);
		if (load < best_load) {
			best = c;
			best_load = load;
		}
	}
	return best;
}

void sched_start(struct thread *t)
{
	if (!t->cpu)
		t->cpu = least_loaded_cpu();
	enqueue(t);
}

void sched_wake(struct thread *t, int reason)
{
	bool irq = cpu_irq_save();
	enum thread_state blocked = THREAD_BLOCKED;
	/* Only one waker gets past this; the thread cannot run again before enqueue(). */
	if (!__atomic_compare_exchange_n(&t->state, &blocked, THREAD_WAKING, false,
	                                 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		cpu_irq_restore(irq);
		return;
	}
	t->wake_reason = reason;
	sched_sleep_disarm(t);
	if (!t->cpu->online)
		t->cpu = least_loaded_cpu();
	enqueue(t);
	cpu_irq_restore(irq);
}

/* Takes one movable thread from the busiest other CPU, if any has work waiting. */
static struct thread *steal(struct cpu *self)
{
	struct cpu *victim = NULL;
	unsigned most = 0;
	for (unsigned i = 0; i < cpu_count; i++) {
		struct cpu *c = &cpus[i];
		if (c == self || !c->online || !c->rq)
			continue;
		unsigned nr = __atomic_load_n(&c->rq->nr, __ATOMIC_RELAXED);
		if (nr > most) {
			most = nr;
			victim = c;
		}
	}
	if (!victim || !spin_trylock(&victim->rq->lock))
		return NULL;
	struct thread *t = rq_pop(victim->rq, true);
	spin_unlock(&victim->rq->lock);
	if (t)
		t->cpu = self;
	return t;
}

static struct thread *pick_next(struct cpu *self)
{
	spin_lock(&self->rq->lock);
	struct thread *t = rq_pop(self->rq, false);
	spin_unlock(&self->rq->lock);
	if (!t)
		t = steal(self);
	return t ? t : self->idle;
}

/*
 * Called by every thread right after it was switched to: the previous thread
 * is off this CPU now, so another CPU may run it (or, if it died, it may go).
 */
void sched_finish_switch(struct thread *prev);
void sched_finish_switch(struct thread *prev)
{
	if (!prev)
		return;
	__atomic_store_n(&prev->on_cpu, false, __ATOMIC_RELEASE);
	if (prev->state == THREAD_DEAD)
		kobject_put(&prev->obj); /* the scheduler's reference */
}

/* Switches from the running thread (state already set by the caller) to the next. */
static void switch_to_next(void)
{
	struct cpu *self = cpu_current();
	struct thread *prev = self->current;
	uint64_t now = time_ns();

	prev->cpu_ns += now - prev->run_start;
	self->need_resched = false;
	struct thread *next = pick_next(self);
	if (next == prev) {
		prev->state = THREAD_RUNNING;
		prev->run_start = now;
		return;
	}
	if (prev->state == THREAD_RUNNING && prev != self->idle) {
		/* Preempted or yielding: back on the queue, behind its equals. */
		spin_lock(&self->rq->lock);
		prev->state = THREAD_RUNNABLE;
		rq_push(self->rq, prev);
		spin_unlock(&self->rq->lock);
	}
	while (__atomic_load_n(&next->on_cpu, __ATOMIC_ACQUIRE))
		cpu_relax();
	next->on_cpu = true;
	next->state = THREAD_RUNNING;
	next->cpu = self;
	next->slice = SCHED_SLICE_TICKS;
	next->run_start = now;
	self->current = next;
	context_set_kernel_stack(self, next->kstack_top);
	if (prev->fpu)
		fpu_save(prev->fpu);
	if (next->fpu)
		fpu_restore(next->fpu);
	vm_switch_to(prev, next);
	sched_finish_switch(context_switch(&prev->ksp, next->ksp, prev));
}

void sched_switch_away(void)
{
	switch_to_next();
}

void sched_yield(void)
{
	bool irq = cpu_irq_save();
	switch_to_next();
	cpu_irq_restore(irq);
}

void sched_sleep_arm(struct thread *t, uint64_t deadline)
{
	bool irq = spin_lock_irqsave(&sleep_lock);
	/* Woken already (a waker's disarm may have run before us): stay off the list. */
	if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != THREAD_BLOCKED) {
		spin_unlock_irqrestore(&sleep_lock, irq);
		return;
	}
	t->deadline = deadline;
	struct list_head *pos;
	list_for_each (pos, &sleepers) {
		if (list_entry(pos, struct thread, sleep_link)->deadline > deadline)
			break;
	}
	list_add_tail(&t->sleep_link, pos);
	spin_unlock_irqrestore(&sleep_lock, irq);
}

void sched_sleep_disarm(struct thread *t)
{
	bool irq = spin_lock_irqsave(&sleep_lock);
	if (!list_empty(&t->sleep_link))
		list_del(&t->sleep_link);
	t->deadline = 0;
	spin_unlock_irqrestore(&sleep_lock, irq);
}

/* Wakes every sleeper whose deadline has passed. */
static void wake_expired(void)
{
	uint64_t now = time_ns();
	for (;;) {
		struct thread *t = NULL;
		spin_lock(&sleep_lock);
		if (!list_empty(&sleepers)) {
			struct thread *first = list_first(&sleepers, struct thread, sleep_link);
			if (first->deadline <= now) {
				t = first;
				list_del(&t->sleep_link);
				kobject_get(&t->obj);
			}
		}
		spin_unlock(&sleep_lock);
		if (!t)
			return;
		sched_wake(t, -ETIMEDOUT);
		kobject_put(&t->obj);
	}
}

void sched_tick(void)
{
	struct cpu *self = cpu_current();
	struct thread *t = self->current;

	kwindow_tick();
	if (!t)
		return;
	if (self->id == 0 || !cpus[0].online) {
		wake_expired();
		ktimer_run_expired();
	}
	if (t == self->idle) {
		if (self->rq->nr)
			self->need_resched = true;
		return;
	}
	if (t->slice > 0)
		t->slice--;
	if (t->slice == 0)
		self->need_resched = true;
}

static void idle_loop(void *arg)
{
	(void)arg;
	for (;;) {
		cpu_irq_disable();
		struct cpu *self = cpu_current();
		if (self->need_resched || self->rq->nr) {
			switch_to_next();
			continue;
		}
		/* The interrupt that wakes us cannot slip in before the wait. */
		cpu_idle_wait();
	}
}

void sched_init_cpu(void)
{
	struct cpu *self = cpu_current();
	struct runqueue *rq = &runqueues[self->id];

	spin_lock(&rq->lock);
	for (int p = 0; p < SCHED_PRIORITIES; p++)
		list_init(&rq->queue[p]);
	rq->nr = 0;
	spin_unlock(&rq->lock);
	self->rq = rq;
	if (self->id == 0)
		irq_timer_set_hook(sched_tick);

	/* The code running now becomes this CPU's idle thread (its stack is the boot stack). */
	struct thread *idle = thread_create_kernel("idle", idle_loop, NULL);
	if (!idle)
		panic("no memory for the idle thread of CPU %u", self->id);
	idle->pinned = true;
	idle->priority = SCHED_PRIORITIES - 1;
	idle->cpu = self;
	self->idle = idle;
}

void sched_run_idle(void)
{
	struct cpu *self = cpu_current();
	struct thread *idle = self->idle;
	uint64_t boot_rsp;

	/* Leave the boot stack for the idle thread's own; the boot stack is never resumed. */
	idle->on_cpu = true;
	idle->state = THREAD_RUNNING;
	idle->run_start = time_ns();
	self->current = idle;
	context_set_kernel_stack(self, idle->kstack_top);
	context_switch(&boot_rsp, idle->ksp, NULL);
	panic("the boot stack of CPU %u was resumed", self->id);
}
