/*
 * Processes: creation from an ELF image, exit (by call, kill or fault),
 * and waiting for the end of a process or thread.
 */
#include <arch/cpu.h>
#include <common/printf.h>
#include <common/spawnargs.h>
#include <common/string.h>
#include <console/log.h>
#include <debug/panic.h>
#include <iris/abi/errno.h>
#include <mm/heap.h>
#include <obj/process.h>
#include <obj/ring.h>
#include <proc/elf.h>
#include <sched/sched.h>
#include <sched/thread.h>
#include <time.h>

/* Each process's main stack: 1 MiB of demand-zero pages below USER_STACK_TOP, a guard below it. */
#define USER_STACK_TOP  0x00007fffff000000ull
#define USER_STACK_SIZE (1ull << 20)
#define PROT_ALL        (IRIS_PROT_READ | IRIS_PROT_WRITE | IRIS_PROT_EXEC)

static uint64_t next_pid = 1;
static uint64_t alive;
static spinlock_t all_lock = SPINLOCK_INIT;
static struct list_head all_processes = LIST_HEAD_INIT(all_processes);

struct process *process_current(void)
{
	struct thread *t = thread_current();
	return t ? t->proc : NULL;
}

uint64_t process_count_alive(void)
{
	return __atomic_load_n(&alive, __ATOMIC_RELAXED);
}

/* The last reference: every thread has left its CPU, so the page tables can go. */
static void process_destroy(struct kobject *o)
{
	struct process *p = process_from(o);
	if (p->ioperm)
		ioperm_destroy(p->ioperm);
	vm_space_free(&p->vm);
	kfree(p);
}

/* Maps each ELF segment as a private memory object holding its file bytes. */
static int load_segments(struct process *p, const uint8_t *image, const struct elf_image *elf)
{
	for (size_t i = 0; i < elf->nsegments; i++) {
		const struct elf_segment *s = &elf->segments[i];
		struct vmo *vmo = vmo_create(s->memsz);
		if (!vmo)
			return -ENOMEM;
		int r = vmo_write(vmo, s->copy_to - s->vaddr, image + s->file_offset, s->file_size);
		uintptr_t at;
		if (r == 0)
			r = vm_map(&p->vm, s->vaddr, s->memsz, s->prot, PROT_ALL, IRIS_MAP_FIXED,
			           vmo, 0, &at);
		kobject_put(&vmo->obj);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Maps the main stack (with a PROT_NONE guard region below it) and writes
 * the initial stack crt0 expects. Returns the initial rsp or a negative errno.
 */
static long setup_stack(struct process *p, const void *args, size_t args_len,
                        const iris_handle_t *handles, size_t nhandles)
{
	uintptr_t base = USER_STACK_TOP - USER_STACK_SIZE, at;
	struct vmo *vmo = vmo_create(USER_STACK_SIZE);
	if (!vmo)
		return -ENOMEM;
	int r = vm_map(&p->vm, base, USER_STACK_SIZE, IRIS_PROT_READ | IRIS_PROT_WRITE, PROT_ALL,
	               IRIS_MAP_FIXED, vmo, 0, &at);
	if (r == 0)
		r = vm_map(&p->vm, base - PAGE_SIZE, PAGE_SIZE, IRIS_PROT_NONE, PROT_ALL,
		           IRIS_MAP_FIXED, NULL, 0, &at);
	if (r < 0) {
		kobject_put(&vmo->obj);
		return r;
	}
	size_t size = spawnargs_stack_size(args, args_len, nhandles);
	if (size > USER_STACK_SIZE / 2) {
		kobject_put(&vmo->obj);
		return -E2BIG;
	}
	uint8_t *image = kmalloc(size);
	if (!image) {
		kobject_put(&vmo->obj);
		return -ENOMEM;
	}
	uintptr_t sp = USER_STACK_TOP - size;
	spawnargs_build_stack(args, args_len, handles, nhandles, image, size, sp);
	r = vmo_write(vmo, USER_STACK_SIZE - size, image, size);
	kfree(image);
	kobject_put(&vmo->obj);
	return r < 0 ? r : (long)sp;
}

size_t process_list(struct iris_process_info *out, size_t max, uint64_t first)
{
	size_t n = 0;
	bool irq = spin_lock_irqsave(&all_lock);
	struct list_head *pos;
	list_for_each (pos, &all_processes) {
		struct process *p = list_entry(pos, struct process, all_link);
		if (p->pid < first)
			continue;
		if (n == max)
			break;
		struct iris_process_info *i = &out[n++];
		memset(i, 0, sizeof(*i));
		i->pid = p->pid;
		i->parent = p->parent;
		i->start_ns = p->start_ns;
		strlcpy(i->name, p->name, sizeof(i->name));
		spin_lock(&p->lock);
		bool awake = false;
		i->threads = p->threads_alive;
		struct list_head *t;
		list_for_each (t, &p->threads) {
			const struct thread *th = list_entry(t, struct thread, proc_link);
			i->cpu_ns += th->cpu_ns;
			awake = awake || (th->state != THREAD_BLOCKED && th->state != THREAD_DEAD);
		}
		i->state = p->exiting ? IRIS_PROCESS_EXITING
		           : awake    ? IRIS_PROCESS_RUNNING
		                      : IRIS_PROCESS_SLEEPING;
		spin_unlock(&p->lock);
		i->pages = __atomic_load_n(&p->vm.resident, __ATOMIC_RELAXED);
		i->handles = p->handles.count;
	}
	spin_unlock_irqrestore(&all_lock, irq);
	return n;
}

/* The live process `pid`, or NULL. all_lock held. */
static struct process *find_locked(uint64_t pid)
{
	struct list_head *pos;
	list_for_each (pos, &all_processes) {
		struct process *p = list_entry(pos, struct process, all_link);
		if (p->pid == pid)
			return p;
	}
	return NULL;
}

struct process *process_find_descendant(uint64_t pid, uint64_t ancestor, uint64_t ancestor2)
{
	bool irq = spin_lock_irqsave(&all_lock);
	struct process *target = find_locked(pid), *p = target;
	bool ok = false;
	/* Up the chain of live parents (pids only grow: a parent is older than its child). */
	for (int depth = 0; p && p->parent && depth < 64; depth++) {
		if (p->parent == ancestor || (ancestor2 && p->parent == ancestor2)) {
			ok = true;
			break;
		}
		p = find_locked(p->parent);
	}
	if (ok)
		kobject_get(&target->obj);
	spin_unlock_irqrestore(&all_lock, irq);
	return ok ? target : NULL;
}

int process_spawn(const char *name, const void *image, size_t len, const void *args,
                  size_t args_len, struct kobject *const *handles, const uint32_t *rights,
                  size_t nhandles, struct process **out, char *err, size_t errlen)
{
	struct elf_image elf;
	iris_handle_t values[IRIS_SPAWN_HANDLES_MAX];
	/* Segments must stay clear of the main stack and its guard page. */
	int r = elf_validate(image, len, USER_STACK_TOP - USER_STACK_SIZE - PAGE_SIZE, &elf, err,
	                     errlen);
	if (r < 0)
		return r;
	if (nhandles > IRIS_SPAWN_HANDLES_MAX)
		return -E2BIG;

	struct process *p = kzalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	kobject_init(&p->obj, KOBJ_PROCESS, process_destroy);
	p->pid = __atomic_fetch_add(&next_pid, 1, __ATOMIC_RELAXED);
	p->parent = process_current() ? process_current()->pid : 0;
	p->start_ns = time_ns();
	strlcpy(p->name, name, sizeof(p->name));
	p->lock = (spinlock_t)SPINLOCK_INIT;
	list_init(&p->threads);
	list_init(&p->all_link);
	waitable_init(&p->exited);
	list_init(&p->rings);
	if ((r = vm_space_init(&p->vm)) < 0)
		goto free_process;
	if ((r = handle_table_init(&p->handles)) < 0)
		goto free_vm;
	if ((r = load_segments(p, image, &elf)) < 0)
		goto free_handles;
	for (size_t i = 0; i < nhandles; i++) {
		values[i] = handle_install(&p->handles, handles[i], rights[i]);
		if (values[i] < 0) {
			r = values[i];
			goto free_handles;
		}
	}
	long sp = setup_stack(p, args, args_len, values, nhandles);
	if (sp < 0) {
		r = (int)sp;
		goto free_handles;
	}
	struct thread *t = thread_create_user(p, elf.entry, (uintptr_t)sp, 0, 0);
	if (!t) {
		r = -ENOMEM;
		goto free_handles;
	}
	list_add_tail(&t->proc_link, &p->threads);
	p->threads_alive = 1;
	kobject_get(&p->obj); /* the reference of the living process, dropped at its end */
	__atomic_fetch_add(&alive, 1, __ATOMIC_RELAXED);
	bool irq = spin_lock_irqsave(&all_lock);
	list_add_tail(&p->all_link, &all_processes);
	spin_unlock_irqrestore(&all_lock, irq);
	*out = p;
	return 0;

free_handles:
	handle_table_destroy(&p->handles);
free_vm:
	vm_space_release(&p->vm);
	vm_space_free(&p->vm);
free_process:
	kobject_abandon(&p->obj);
	kfree(p);
	return r;
}

/*
 * Logs, at debug level, that p started or ended (`what`) at `ns` on the
 * monotonic clock: the lines the harness measures a supervisor's back-off
 * with (test/harness/measure.py), so the format is an interface.
 */
static void process_log_event(const struct process *p, const char *what, uint64_t ns)
{
	uint64_t us = ns / 1000;
	pr_debug("proc: pid %lu (%s) %s at %lu.%03lu ms\n", p->pid, p->name, what, us / 1000,
	         us % 1000);
}

void process_start(struct process *p)
{
	process_log_event(p, "started", p->start_ns);
	struct thread *t = list_first(&p->threads, struct thread, proc_link);
	sched_start(t);
	/* The thread list keeps no reference: the scheduler's does from now on. */
	kobject_put(&t->obj);
}

void process_exit(struct process *p, const struct iris_exit_info *info)
{
	bool irq = spin_lock_irqsave(&p->lock);
	if (!p->exiting) {
		p->exiting = true;
		p->exit = *info;
	}
	struct list_head *pos;
	list_for_each (pos, &p->threads) {
		struct thread *t = list_entry(pos, struct thread, proc_link);
		if (t != thread_current())
			thread_kill(t);
	}
	spin_unlock_irqrestore(&p->lock, irq);
}

/* Cancels every operation of the process's rings and stops their polling threads. */
static void shutdown_rings(struct process *p)
{
	for (;;) {
		struct ring *r = NULL;
		bool irq = spin_lock_irqsave(&p->lock);
		struct list_head *pos;
		list_for_each (pos, &p->rings) {
			struct ring *candidate = list_entry(pos, struct ring, owner_link);
			if (!candidate->dead) {
				r = candidate;
				kobject_get(&r->obj);
				break;
			}
		}
		spin_unlock_irqrestore(&p->lock, irq);
		if (!r)
			return;
		ring_shutdown(r);
		kobject_put(&r->obj);
	}
}

/*
 * Gives back p's handles and address space and tells its waiters, once its
 * last thread and its last worker are gone (called by whichever goes last).
 */
static void process_end(struct process *p)
{
	if (process_current() == p)
		vm_space_activate(NULL, &p->vm);
	handle_table_destroy(&p->handles);
	vm_space_release(&p->vm);
	bool irq = spin_lock_irqsave(&all_lock);
	list_del(&p->all_link);
	spin_unlock_irqrestore(&all_lock, irq);
	__atomic_fetch_sub(&alive, 1, __ATOMIC_RELAXED);
	log_release(p); /* a console that held the log: the serial port takes it back */
	process_log_event(p, "ended", time_ns());

	waitable_signal(&p->exited, IRIS_POLL_IN | IRIS_POLL_HUP);
	kobject_put(&p->obj);
}

/* Whether p can end now (lock held); marks it ended if so. */
static bool process_may_end(struct process *p)
{
	if (p->threads_alive || p->workers || p->ended)
		return false;
	p->ended = true;
	return true;
}

int process_worker_add(struct process *p)
{
	bool irq = spin_lock_irqsave(&p->lock);
	int r = p->threads_alive ? 0 : -ESRCH;
	if (r == 0)
		p->workers++;
	spin_unlock_irqrestore(&p->lock, irq);
	return r;
}

void process_worker_done(struct process *p)
{
	bool irq = spin_lock_irqsave(&p->lock);
	p->workers--;
	bool end = process_may_end(p);
	spin_unlock_irqrestore(&p->lock, irq);
	if (end)
		process_end(p);
}

int process_thread_add(struct process *p, struct thread *t)
{
	bool irq = spin_lock_irqsave(&p->lock);
	int r = p->exiting ? -ESRCH : p->threads_alive >= IRIS_THREADS_MAX ? -EAGAIN : 0;
	if (r == 0) {
		list_add_tail(&t->proc_link, &p->threads);
		p->threads_alive++;
	}
	spin_unlock_irqrestore(&p->lock, irq);
	return r;
}

void process_thread_died(struct process *p, struct thread *t)
{
	bool irq = spin_lock_irqsave(&p->lock);
	list_del(&t->proc_link);
	bool last = --p->threads_alive == 0;
	if (last && !p->exiting) {
		p->exiting = true;
		p->exit = t->exit;
	}
	spin_unlock_irqrestore(&p->lock, irq);
	if (!last)
		return;

	/* The last thread: stop the polling threads, then end when the last of them has. */
	vm_space_activate(NULL, &p->vm);
	shutdown_rings(p);
	irq = spin_lock_irqsave(&p->lock);
	bool end = process_may_end(p);
	spin_unlock_irqrestore(&p->lock, irq);
	if (end)
		process_end(p);
}

void process_fault(uint64_t vector, uint64_t addr, uint64_t rip)
{
	struct process *p = process_current();
	struct iris_exit_info info = {
		.reason = IRIS_EXIT_FAULT,
		.code = -1,
		.vector = (uint32_t)vector,
		.fault_addr = addr,
		.rip = rip,
	};
	pr_warn("process %lu (%s) killed: %s at rip %#lx, address %#lx\n", p->pid, p->name,
	        trap_vector_name(vector), rip, addr);
	process_exit(p, &info);
	thread_exit(&p->exit);
}
