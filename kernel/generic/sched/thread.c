/*
 * Threads: creation (kernel and user), the first run, exit and kill, and the
 * checks made on every return to user mode.
 */
#include <arch/context.h>
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <common/printf.h>
#include <common/string.h>
#include <console/log.h>
#include <debug/panic.h>
#include <iris/abi/errno.h>
#include <mm/heap.h>
#include <mm/kwindow.h>
#include <obj/process.h>
#include <sched/sched.h>
#include <sched/thread.h>

static uint64_t next_tid = 1;
static uint64_t alive;

void sched_finish_switch(struct thread *prev);

/*
 * Loads next's address space if it differs from prev's (kernel threads use
 * the kernel's). The same process's space is loaded again too: a process's
 * last thread leaves it before it dies, while an SQPOLL thread of that
 * process may still run calls in it.
 */
void vm_switch_to(struct thread *prev, struct thread *next);
void vm_switch_to(struct thread *prev, struct thread *next)
{
	struct vm_space *from = prev->proc ? &prev->proc->vm : NULL;
	struct vm_space *to = next->proc ? &next->proc->vm : NULL;
	if (from != to) {
		vm_space_activate(to, from);
		ioperm_load(next->proc ? next->proc->ioperm : NULL);
	} else if (to) {
		vm_space_activate(to, NULL); /* nothing to do unless it was left */
	}
}

struct thread *thread_current(void)
{
	return cpu_current()->current;
}

uint64_t thread_count_alive(void)
{
	return __atomic_load_n(&alive, __ATOMIC_RELAXED);
}

static void thread_destroy(struct kobject *o)
{
	struct thread *t = thread_from(o);
	if (t->kstack)
		kwindow_free_stack(t->kstack, KSTACK_PAGES);
	kfree(t->fpu_alloc);
	kobject_put(&t->sync_ring.obj); /* the thread's own reference on its embedded ring */
	if (t->proc)
		kobject_put(&t->proc->obj);
	kfree(t);
}

/* Both references of a thread that never ran: the creator's and the scheduler's. */
void thread_discard(struct thread *t)
{
	__atomic_fetch_sub(&alive, 1, __ATOMIC_RELAXED);
	kobject_put(&t->obj);
	kobject_put(&t->obj);
}

/* A thread with a kernel stack; its creator lays out the first switch (context_init_kernel). */
static struct thread *thread_alloc(const char *name)
{
	struct thread *t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	t->kstack = kwindow_alloc_stack(KSTACK_PAGES);
	if (!t->kstack) {
		kfree(t);
		return NULL;
	}
	kobject_init(&t->obj, KOBJ_THREAD, thread_destroy);
	t->tid = __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED);
	strlcpy(t->name, name, sizeof(t->name));
	t->state = THREAD_NEW;
	t->priority = SCHED_PRIO_DEFAULT;
	t->kstack_top = (uintptr_t)t->kstack + KSTACK_PAGES * PAGE_SIZE;
	list_init(&t->rq_link);
	list_init(&t->wait_link);
	list_init(&t->proc_link);
	list_init(&t->sleep_link);
	waitable_init(&t->exited);
	ring_init_private(&t->sync_ring);
	/* One reference is the scheduler's, dropped after the thread has died and left its CPU. */
	kobject_get(&t->obj);
	__atomic_fetch_add(&alive, 1, __ATOMIC_RELAXED);
	return t;
}

struct thread *thread_create_kernel(const char *name, void (*fn)(void *), void *arg)
{
	struct thread *t = thread_alloc(name);
	if (!t)
		return NULL;
	t->kfn = fn;
	t->karg = arg;
	t->ksp = context_init_kernel(t->kstack_top);
	return t;
}

struct thread *thread_create_user(struct process *proc, uintptr_t rip, uintptr_t rsp, uint64_t arg0,
                                  uint64_t arg1)
{
	struct thread *t = thread_alloc(proc->name);
	if (!t)
		return NULL;
	t->fpu_alloc = kmalloc(fpu_area_size() + 64);
	if (!t->fpu_alloc) {
		thread_discard(t);
		return NULL;
	}
	t->fpu = (void *)(((uintptr_t)t->fpu_alloc + 63) & ~(uintptr_t)63);
	fpu_area_init(t->fpu);
	t->proc = proc;
	t->sync_ring.owner = proc; /* the thread's reference on proc covers it */
	kobject_get(&proc->obj);

	/* The user registers sit at the top of the kernel stack, as a trap would leave them. */
	struct trap_frame *tf = context_init_user(t->kstack_top, rip, rsp, arg0, arg1);
	t->ksp = context_init_kernel((uintptr_t)tf);
	return t;
}

/* First code of every thread, on its own stack, after its first switch. */
__attribute__((noreturn)) void thread_start(struct thread *prev);
void thread_start(struct thread *prev)
{
	sched_finish_switch(prev);
	struct thread *self = thread_current();
	if (!self->kfn) {
		struct trap_frame *tf = (struct trap_frame *)(self->kstack_top - sizeof(*tf));
		thread_user_return(tf);
		context_enter_user(tf);
	}
	cpu_irq_enable();
	self->kfn(self->karg);
	struct iris_exit_info info = { .reason = IRIS_EXIT_CODE, .code = 0 };
	thread_exit(&info);
}

void thread_exit(const struct iris_exit_info *info)
{
	struct thread *t = thread_current();

	cpu_irq_enable();
	sched_sleep_disarm(t);
	t->exit = *info;
	if (t->proc && t->ustack_len)
		vm_unmap(&t->proc->vm, t->ustack_base, t->ustack_len);
	if (t->proc &&
	    !t->kfn) /* a kernel thread working for a process is not one of its threads */
		process_thread_died(t->proc, t); /* may drop the last handles, free the space */
	__atomic_fetch_sub(&alive, 1, __ATOMIC_RELAXED);
	waitable_signal(&t->exited, IRIS_POLL_IN | IRIS_POLL_HUP);
	/* Interrupts stay off from here to the switch: the CPU must not run us again. */
	cpu_irq_disable();
	t->state = THREAD_DEAD;
	sched_switch_away();
	panic("dead thread %lu was scheduled again", t->tid);
}

void thread_kill(struct thread *t)
{
	__atomic_store_n(&t->kill_pending, true, __ATOMIC_SEQ_CST);
	sched_wake(t, -EINTR);
	struct cpu *c = t->cpu;
	if (c && c != cpu_current() && c->current == t)
		c->need_resched = true; /* the timer tick or next trap brings it in */
}

void thread_user_return(struct trap_frame *tf)
{
	(void)tf;
	struct thread *t = thread_current();

	for (;;) {
		if (t->kill_pending) {
			struct iris_exit_info info = { .reason = IRIS_EXIT_KILLED };
			if (t->proc && t->proc->exiting)
				info = t->proc->exit;
			thread_exit(&info);
		}
		/*
		 * The CPU we run on now: after a yield it may be another one. Asking
		 * the old one (whose thread may spin in the kernel with its flag up
		 * for good) kept threads yielding to each other with interrupts off,
		 * never back in user mode, and a TLB shootdown waiting for them.
		 */
		if (!cpu_current()->need_resched)
			return;
		sched_yield();
	}
}
