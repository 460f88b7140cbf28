/*
 * The system-call table. Each call decodes and validates every argument
 * (copying user memory in once) before it changes anything, then acts:
 * a failing call leaves every object as it was (docs/syscalls.md).
 */
#include <async/aop.h>
#include <console/log.h>
#include <console/logread.h>
#include <iris/errno.h>
#include <iris/syscall.h>
#include <lib/string.h>
#include <mm/frame.h>
#include <mm/heap.h>
#include <mm/layout.h>
#include <mm/usercopy.h>
#include <obj/channel.h>
#include <obj/device.h>
#include <obj/irq.h>
#include <obj/process.h>
#include <obj/ring.h>
#include <proc/spawnargs.h>
#include <sched/sched.h>
#include <sched/thread.h>
#include <syscall/syscall.h>
#include <time.h>
#include <x86_64/idt.h>
#include <x86_64/percpu.h>
#include <x86_64/power.h>
#include <x86_64/smp.h>

struct args {
	uint64_t a[6];
};

typedef long (*syscall_fn)(const struct args *a);

#define PAGE_MASK       (PAGE_SIZE - 1)
#define DEBUG_WRITE_MAX 4096

static struct process *self(void)
{
	return process_current();
}

/* A handle argument: an int32 sign-extended to 64 bits, or -EBADF as a value no handle has. */
static iris_handle_t handle_arg(uint64_t v)
{
	int64_t h = (int64_t)v;
	return h >= INT32_MIN && h <= INT32_MAX ? (iris_handle_t)h : -EBADF;
}

static long sys_echo(const struct args *a)
{
	return (long)a->a[0];
}

static long sys_yield(const struct args *a)
{
	(void)a;
	sched_yield();
	return 0;
}

#define PROT_ALL (IRIS_PROT_READ | IRIS_PROT_WRITE | IRIS_PROT_EXEC)

/* Adds a new thread of the calling process with a fresh stack; see SYS_SPAWN_THREAD. */
static long sys_spawn_thread(const struct args *a)
{
	uintptr_t bootstrap = a->a[0];
	uint64_t fn = a->a[1], arg = a->a[2], stack = a->a[3];
	struct process *p = self();

	if (bootstrap >= USER_SPACE_END || bootstrap == 0)
		return -EFAULT;
	if (stack == 0)
		stack = IRIS_THREAD_STACK_DEFAULT;
	if (stack > IRIS_THREAD_STACK_MAX)
		return -EINVAL;
	stack = (stack + PAGE_MASK) & ~PAGE_MASK;

	int slot = handle_reserve(&p->handles);
	if (slot < 0)
		return slot;
	uintptr_t base;
	int r = vm_map(&p->vm, 0, stack + PAGE_SIZE, IRIS_PROT_READ | IRIS_PROT_WRITE, PROT_ALL, 0,
	               NULL, 0, &base);
	if (r == 0 && (r = vm_protect(&p->vm, base, PAGE_SIZE, IRIS_PROT_NONE)) < 0)
		vm_unmap(&p->vm, base, stack + PAGE_SIZE); /* the guard page */
	if (r < 0) {
		handle_unreserve(&p->handles, slot);
		return r;
	}
	uintptr_t top = base + PAGE_SIZE + stack;
	struct thread *t = thread_create_user(p, bootstrap, top - 8, fn, arg);
	if (!t) {
		vm_unmap(&p->vm, base, stack + PAGE_SIZE);
		handle_unreserve(&p->handles, slot);
		return -ENOMEM;
	}
	t->ustack_base = base;
	t->ustack_len = stack + PAGE_SIZE;
	bool irq = spin_lock_irqsave(&p->lock);
	bool alive = !p->exiting && p->threads_alive < IRIS_THREADS_MAX;
	int refusal = p->exiting ? -ESRCH : -EAGAIN;
	if (alive) {
		list_add_tail(&t->proc_link, &p->threads);
		p->threads_alive++;
	}
	spin_unlock_irqrestore(&p->lock, irq);
	if (!alive) {
		vm_unmap(&p->vm, base, stack + PAGE_SIZE);
		handle_unreserve(&p->handles, slot);
		thread_discard(t);
		return refusal;
	}
	iris_handle_t h = handle_commit(&p->handles, slot, &t->obj,
	                                IRIS_RIGHT_READ | IRIS_RIGHT_MANAGE | IRIS_RIGHT_DUPLICATE |
	                                        IRIS_RIGHT_TRANSFER);
	sched_start(t);
	kobject_put(&t->obj);
	return h;
}

static long sys_thread_exit(const struct args *a)
{
	struct iris_exit_info info = { .reason = IRIS_EXIT_CODE, .code = (int32_t)a->a[0] };
	thread_exit(&info);
}

static long sys_process_exit(const struct args *a)
{
	struct iris_exit_info info = { .reason = IRIS_EXIT_CODE, .code = (int32_t)a->a[0] };
	process_exit(self(), &info);
	thread_exit(&self()->exit);
}

/* The name of a new process: the last path component of argv[0]. */
static void spawn_name(const void *args, char *name, size_t len)
{
	const struct iris_spawn_args *hdr = args;
	const char *argv0 = (const char *)(hdr + 1);
	const char *base = argv0;
	if (hdr->argc == 0) {
		strlcpy(name, "?", len);
		return;
	}
	for (const char *p = argv0; *p; p++)
		if (*p == '/')
			base = p + 1;
	strlcpy(name, base, len);
}

static long sys_process_spawn(const struct args *a)
{
	uintptr_t image_u = a->a[0], args_u = a->a[2], handles_u = a->a[4];
	size_t image_len = a->a[1], args_len = a->a[3], nhandles = a->a[5];
	struct process *p = self();
	struct kobject *objs[IRIS_SPAWN_HANDLES_MAX];
	uint32_t rights[IRIS_SPAWN_HANDLES_MAX];
	iris_handle_t hv[IRIS_SPAWN_HANDLES_MAX];
	size_t got = 0;
	void *image = NULL, *args = NULL;
	char err[128], name[32];
	long r;
	/* When the child starts: copying and loading it below is kernel time, not the caller's. */
	uint64_t asked = time_ns();

	if (image_len == 0)
		return -EINVAL;
	if (image_len > IRIS_IMAGE_MAX || args_len > IRIS_SPAWN_ARGS_MAX ||
	    nhandles > IRIS_SPAWN_HANDLES_MAX)
		return -E2BIG;
	if (!user_range_ok(image_u, image_len) || !user_range_ok(args_u, args_len) ||
	    !user_range_ok(handles_u, nhandles * sizeof(iris_handle_t)))
		return -EFAULT;
	image = kmalloc(image_len);
	args = kmalloc(args_len ? args_len : 1);
	r = -ENOMEM;
	if (!image || !args)
		goto out;
	r = -EFAULT;
	if (copy_from_user(image, image_u, image_len) < 0 ||
	    copy_from_user(args, args_u, args_len) < 0 ||
	    copy_from_user(hv, handles_u, nhandles * sizeof(iris_handle_t)) < 0)
		goto out;
	if ((r = spawnargs_check(args, args_len)) < 0)
		goto out;
	for (got = 0; got < nhandles; got++) {
		r = handle_get(&p->handles, hv[got], 0, IRIS_RIGHT_TRANSFER, &objs[got],
		               &rights[got]);
		if (r < 0)
			goto out;
	}
	spawn_name(args, name, sizeof(name));
	int slot = handle_reserve(&p->handles);
	if ((r = slot) < 0)
		goto out;
	struct process *child;
	r = process_spawn(name, image, image_len, args, args_len, objs, rights, nhandles, &child,
	                  err, sizeof(err));
	if (r == -ENOEXEC)
		pr_info("spawn %s: %s\n", name, err);
	if (r < 0) {
		handle_unreserve(&p->handles, slot);
		goto out;
	}
	r = handle_commit(&p->handles, slot, &child->obj,
	                  IRIS_RIGHT_READ | IRIS_RIGHT_MANAGE | IRIS_RIGHT_DUPLICATE |
	                          IRIS_RIGHT_TRANSFER);
	child->start_ns = asked;
	process_start(child);
	kobject_put(&child->obj);
out:
	while (got > 0)
		kobject_put(objs[--got]);
	kfree(image);
	kfree(args);
	return r;
}

/* The calls that may block are operations on the caller's private ring (async/aop.c). */
static long sys_blocking(uint32_t nr, const struct args *a)
{
	return aop_run_sync(nr, a->a);
}

static long sys_wait(const struct args *a)
{
	return sys_blocking(SYS_WAIT, a);
}

static long sys_poll(const struct args *a)
{
	return sys_blocking(SYS_POLL, a);
}

static long sys_timeout(const struct args *a)
{
	return sys_blocking(SYS_TIMEOUT, a);
}

static long sys_nop(const struct args *a)
{
	(void)a;
	return 0;
}

/* SYS_CANCEL and SYS_LINK_TIMEOUT only mean something inside a ring. */
static long sys_ring_only(const struct args *a)
{
	(void)a;
	return -EINVAL;
}

#define ENDPOINT_RIGHTS                                                               \
	(IRIS_RIGHT_READ | IRIS_RIGHT_WRITE | IRIS_RIGHT_MAP | IRIS_RIGHT_DUPLICATE | \
	 IRIS_RIGHT_TRANSFER)

static long sys_channel_create(const struct args *a)
{
	uint64_t slots = a->a[0];
	uintptr_t info_u = a->a[1];
	struct process *p = self();
	struct iris_channel_info info;

	if (slots > IRIS_CHANNEL_SLOTS_MAX)
		return -EINVAL;
	if (!user_range_ok(info_u, sizeof(info)))
		return -EFAULT;
	int s0 = handle_reserve(&p->handles);
	if (s0 < 0)
		return s0;
	int s1 = handle_reserve(&p->handles);
	struct channel *ch =
	        s1 < 0 ? NULL
	               : channel_create(slots ? (uint32_t)slots : IRIS_CHANNEL_SLOTS_DEFAULT);
	if (!ch) {
		handle_unreserve(&p->handles, s0);
		if (s1 >= 0)
			handle_unreserve(&p->handles, s1);
		return s1 < 0 ? s1 : -ENOMEM;
	}
	iris_handle_t h0 = handle_commit(&p->handles, s0, &ch->ep[0].obj, ENDPOINT_RIGHTS);
	iris_handle_t h1 = handle_commit(&p->handles, s1, &ch->ep[1].obj, ENDPOINT_RIGHTS);
	kobject_put(&ch->ep[0].obj); /* the handles hold the endpoints now */
	kobject_put(&ch->ep[1].obj);
	channel_info(&ch->ep[0], &info);
	info.peer = h1;
	if (copy_to_user(info_u, &info, sizeof(info)) < 0) {
		handle_close(&p->handles, h0);
		handle_close(&p->handles, h1);
		return -EFAULT;
	}
	return h0;
}

/* The endpoint named by a handle argument, with `need` rights (a reference), or an error. */
static long get_endpoint(uint64_t arg, uint32_t need, struct endpoint **ep)
{
	struct kobject *obj;
	int r = handle_get(&self()->handles, handle_arg(arg), KOBJ_CHANNEL, need, &obj, NULL);
	if (r < 0)
		return r;
	*ep = endpoint_from(obj);
	return 0;
}

static long sys_channel_info(const struct args *a)
{
	struct endpoint *ep;
	struct iris_channel_info info;
	if (!user_range_ok(a->a[1], sizeof(info)))
		return -EFAULT;
	long r = get_endpoint(a->a[0], IRIS_RIGHT_READ, &ep);
	if (r < 0)
		return r;
	channel_info(ep, &info);
	kobject_put(&ep->obj);
	return copy_to_user(a->a[1], &info, sizeof(info)) < 0 ? -EFAULT : 0;
}

static long sys_channel_notify(const struct args *a)
{
	struct endpoint *ep;
	uint64_t events = a->a[1];
	if (!events || (events & ~(uint64_t)(IRIS_POLL_IN | IRIS_POLL_OUT)))
		return -EINVAL;
	long r = get_endpoint(a->a[0], IRIS_RIGHT_WRITE, &ep);
	if (r < 0)
		return r;
	channel_notify(ep, (uint32_t)events);
	kobject_put(&ep->obj);
	return 0;
}

static long sys_channel_send_handle(const struct args *a)
{
	struct process *p = self();
	struct endpoint *ep;
	struct kobject *obj = NULL;
	uint32_t have;
	uint64_t rights = a->a[2];
	iris_handle_t h = handle_arg(a->a[1]);

	if (rights != IRIS_RIGHTS_SAME && (rights & ~(uint64_t)IRIS_RIGHTS_ALL))
		return -EINVAL;
	long r = get_endpoint(a->a[0], IRIS_RIGHT_WRITE, &ep);
	if (r < 0)
		return r;
	r = handle_get(&p->handles, h, 0, IRIS_RIGHT_TRANSFER, &obj, &have);
	if (r == 0 && rights != IRIS_RIGHTS_SAME && (rights & ~(uint64_t)have))
		r = -EPERM;
	if (r == 0 && (obj == &ep->obj || obj == &ep->ch->ep[1 - ep->side].obj))
		r = -EINVAL; /* a channel cannot carry its own endpoints */
	if (r == 0) {
		kobject_handle_opened(obj); /* in flight, it still counts as a handle */
		r = channel_push_handle(ep, obj,
		                        rights == IRIS_RIGHTS_SAME ? have : (uint32_t)rights);
		if (r < 0)
			kobject_handle_closed(obj); /* ours is still open: never the last one */
	}
	if (r == 0)
		handle_close(&p->handles, h); /* moved: the FIFO holds our reference now */
	else if (obj)
		kobject_put(obj);
	kobject_put(&ep->obj);
	return r;
}

static long sys_channel_recv_handle(const struct args *a)
{
	struct process *p = self();
	struct endpoint *ep;
	struct kobject *obj;
	uint32_t rights;
	long r = get_endpoint(a->a[0], IRIS_RIGHT_READ, &ep);
	if (r < 0)
		return r;
	int slot = handle_reserve(&p->handles);
	if (slot < 0) {
		kobject_put(&ep->obj);
		return slot;
	}
	r = channel_pop_handle(ep, &obj, &rights);
	if (r == 0) {
		r = handle_commit(&p->handles, slot, obj, rights);
		kobject_handle_closed(obj); /* the new handle replaces the one in flight */
		kobject_put(obj);
	} else {
		handle_unreserve(&p->handles, slot);
	}
	kobject_put(&ep->obj);
	return r;
}

static long sys_ring_setup(const struct args *a)
{
	uint64_t sq = a->a[0], cq = a->a[1], flags = a->a[2];
	uintptr_t params_u = a->a[3];
	struct iris_ring_params params;
	struct process *p = self();

	if (sq == 0 || sq > IRIS_RING_MAX_ENTRIES || cq > 2 * IRIS_RING_MAX_ENTRIES ||
	    (flags & ~(uint64_t)IRIS_RING_SQPOLL))
		return -EINVAL;
	if (!user_range_ok(params_u, sizeof(params)))
		return -EFAULT;
	int ring_slot = handle_reserve(&p->handles);
	if (ring_slot < 0)
		return ring_slot;
	int vmo_slot = handle_reserve(&p->handles);
	if (vmo_slot < 0) {
		handle_unreserve(&p->handles, ring_slot);
		return vmo_slot;
	}
	struct ring *r;
	int err = ring_create(p, (uint32_t)sq, (uint32_t)cq, (uint32_t)flags, &r, &params);
	if (err < 0) {
		handle_unreserve(&p->handles, ring_slot);
		handle_unreserve(&p->handles, vmo_slot);
		return err;
	}
	params.vmo = handle_commit(&p->handles, vmo_slot, &r->vmo->obj,
	                           IRIS_RIGHT_READ | IRIS_RIGHT_WRITE | IRIS_RIGHT_MAP);
	iris_handle_t h = handle_commit(&p->handles, ring_slot, &r->obj,
	                                IRIS_RIGHT_READ | IRIS_RIGHT_WRITE | IRIS_RIGHT_MANAGE |
	                                        IRIS_RIGHT_DUPLICATE | IRIS_RIGHT_TRANSFER);
	kobject_put(&r->obj);
	if (copy_to_user(params_u, &params, sizeof(params)) < 0) {
		handle_close(&p->handles, h);
		handle_close(&p->handles, params.vmo);
		return -EFAULT;
	}
	return h;
}

static long sys_ring_enter(const struct args *a)
{
	uint64_t to_submit = a->a[1], min_complete = a->a[2], flags = a->a[3], ns = a->a[4];
	struct kobject *obj;

	if (flags & ~(uint64_t)(IRIS_ENTER_GETEVENTS | IRIS_ENTER_SQ_WAKEUP) ||
	    to_submit > UINT32_MAX || min_complete > UINT32_MAX || ns > INT64_MAX)
		return -EINVAL;
	int err = handle_get(&self()->handles, handle_arg(a->a[0]), KOBJ_RING, IRIS_RIGHT_WRITE,
	                     &obj, NULL);
	if (err < 0)
		return err;
	struct ring *r = ring_from(obj);
	long res = r->owner != self() ? -EPERM
	                              : ring_enter(r, (uint32_t)to_submit, (uint32_t)min_complete,
	                                           (uint32_t)flags, ns ? time_ns() + ns : 0);
	kobject_put(obj);
	return res;
}

static long sys_kill(const struct args *a)
{
	struct kobject *obj;
	int r = handle_get(&self()->handles, handle_arg(a->a[0]), 0, IRIS_RIGHT_MANAGE, &obj, NULL);
	if (r < 0)
		return r;
	struct iris_exit_info killed = { .reason = IRIS_EXIT_KILLED };
	if (obj->type == KOBJ_PROCESS)
		process_exit(process_from(obj), &killed);
	else if (obj->type == KOBJ_THREAD)
		thread_kill(thread_from(obj));
	else
		r = -EBADF;
	kobject_put(obj);
	return r;
}

static long sys_clock_get(const struct args *a)
{
	if (a->a[0] != IRIS_CLOCK_MONOTONIC)
		return -EINVAL;
	return (long)time_ns();
}

static long sys_sleep(const struct args *a)
{
	if (a->a[0] == 0)
		return 0;
	long r = sys_blocking(SYS_SLEEP, a);
	return r == -ECANCELED ? -EINTR : r;
}

static bool prot_ok(uint64_t prot)
{
	return !(prot & ~(uint64_t)(IRIS_PROT_READ | IRIS_PROT_WRITE | IRIS_PROT_EXEC));
}

static long sys_map(const struct args *a)
{
	uintptr_t addr = a->a[0];
	uint64_t len = a->a[1], prot = a->a[2], flags = a->a[3], offset = a->a[5];
	int64_t h = (int64_t)a->a[4];
	struct vmo *vmo = NULL;
	unsigned max_prot = PROT_ALL;
	uintptr_t out;

	if (!prot_ok(prot) || (flags & ~(uint64_t)IRIS_MAP_FIXED) || len == 0 ||
	    (addr & PAGE_MASK) || (offset & PAGE_MASK) || h < INT32_MIN || h > INT32_MAX)
		return -EINVAL;
	if (h != IRIS_HANDLE_INVALID) {
		uint32_t need = IRIS_RIGHT_MAP | IRIS_RIGHT_READ, rights;
		need |= (prot & IRIS_PROT_WRITE) ? IRIS_RIGHT_WRITE : 0;
		need |= (prot & IRIS_PROT_EXEC) ? IRIS_RIGHT_EXEC : 0;
		struct kobject *obj;
		int r = handle_get(&self()->handles, (iris_handle_t)h, 0, need, &obj, &rights);
		if (r < 0)
			return r;
		/* A memory object, or a channel endpoint (which maps its channel's memory). */
		if (obj->type == KOBJ_VMO) {
			vmo = vmo_from(obj);
		} else if (obj->type == KOBJ_CHANNEL || obj->type == KOBJ_IRQ) {
			/* A channel maps its queues, an interrupt its event queue. */
			vmo = obj->type == KOBJ_CHANNEL ? endpoint_from(obj)->ch->vmo
			                                : irq_from(obj)->queue;
			kobject_get(&vmo->obj);
			kobject_put(obj);
		} else {
			kobject_put(obj);
			return -EBADF;
		}
		/* The mapping can never exceed what the handle allowed (vm_protect included). */
		max_prot = IRIS_PROT_READ | ((rights & IRIS_RIGHT_WRITE) ? IRIS_PROT_WRITE : 0) |
		           ((rights & IRIS_RIGHT_EXEC) ? IRIS_PROT_EXEC : 0);
	} else if (offset) {
		return -EINVAL;
	}
	int r = vm_map(&self()->vm, addr, len, (unsigned)prot, max_prot, (unsigned)flags, vmo,
	               offset, &out);
	if (vmo)
		kobject_put(&vmo->obj);
	return r < 0 ? r : (long)out;
}

static long sys_unmap(const struct args *a)
{
	return vm_unmap(&self()->vm, a->a[0], a->a[1]);
}

static long sys_protect(const struct args *a)
{
	if (!prot_ok(a->a[2]))
		return -EINVAL;
	return vm_protect(&self()->vm, a->a[0], a->a[1], (unsigned)a->a[2]);
}

static long sys_debug_write(const struct args *a)
{
	uintptr_t buf = a->a[0];
	size_t len = a->a[1];
	char chunk[256];

	if (len > DEBUG_WRITE_MAX)
		len = DEBUG_WRITE_MAX;
	if (!user_range_ok(buf, len))
		return -EFAULT;
	for (size_t done = 0; done < len;) {
		size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		if (copy_from_user(chunk, buf + done, n) < 0)
			return done ? (long)done : -EFAULT;
		log_write(chunk, n);
		done += n;
	}
	return (long)len;
}

static long sys_log_read(const struct args *a)
{
	return log_read_user(a->a[0], a->a[1], a->a[2], a->a[3]);
}

static long sys_handle_close(const struct args *a)
{
	return handle_close(&self()->handles, handle_arg(a->a[0]));
}

static long sys_handle_duplicate(const struct args *a)
{
	if (a->a[1] > UINT32_MAX)
		return -EINVAL;
	return handle_duplicate(&self()->handles, handle_arg(a->a[0]), (uint32_t)a->a[1]);
}

static long sys_vmo_create(const struct args *a)
{
	uint64_t size = a->a[0];
	if (size == 0 || size > (1ull << 32))
		return -EINVAL;
	struct vmo *vmo = vmo_create(size);
	if (!vmo)
		return -ENOMEM;
	iris_handle_t h = handle_install(&self()->handles, &vmo->obj, IRIS_RIGHTS_ALL);
	kobject_put(&vmo->obj);
	return h;
}

static long sys_vmo_size(const struct args *a)
{
	struct kobject *obj;
	int r = handle_get(&self()->handles, handle_arg(a->a[0]), KOBJ_VMO, IRIS_RIGHT_READ, &obj,
	                   NULL);
	if (r < 0)
		return r;
	long size = (long)(vmo_from(obj)->npages * PAGE_SIZE);
	kobject_put(obj);
	return size;
}

static long sys_stat(const struct args *a)
{
	switch (a->a[0]) {
	case IRIS_STAT_FRAMES_FREE:
		return (long)frame_count_free();
	case IRIS_STAT_FRAMES_TOTAL:
		return (long)frame_count_total();
	case IRIS_STAT_HANDLES:
		return (long)self()->handles.count;
	case IRIS_STAT_PROCESSES:
		return (long)process_count_alive();
	case IRIS_STAT_THREADS:
		return (long)thread_count_alive();
	case IRIS_STAT_CPUS:
		return (long)smp_online_count();
	case IRIS_STAT_HEAP_BYTES:
		return (long)heap_bytes_in_use();
	case IRIS_STAT_OBJECTS:
		return (long)__atomic_load_n(&kobject_live, __ATOMIC_RELAXED);
	default:
		return -EINVAL;
	}
}

static long sys_thread_self(const struct args *a)
{
	(void)a;
	return (long)thread_current()->tid;
}

static long sys_process_self(const struct args *a)
{
	(void)a;
	return (long)self()->pid;
}

/* Devices (iris/device.h, docs/devices.md). */
#define DEVICE_HANDLE_RIGHTS                                                               \
	(IRIS_RIGHT_READ | IRIS_RIGHT_WRITE | IRIS_RIGHT_DUPLICATE | IRIS_RIGHT_TRANSFER | \
	 IRIS_RIGHT_MANAGE | IRIS_RIGHTS_DEVICE)

/* The device named by a handle argument with `need` rights (a reference), or an error. */
static long get_device(uint64_t arg, uint32_t need, struct device **d)
{
	struct kobject *obj;
	int r = handle_get(&self()->handles, handle_arg(arg), KOBJ_DEVICE, need, &obj, NULL);
	if (r < 0)
		return r;
	*d = device_from(obj);
	return 0;
}

static long sys_device_open(const struct args *a)
{
	uint64_t index = a->a[1], flags = a->a[3];
	uintptr_t info_u = a->a[2];
	struct process *p = self();
	struct iris_device_info info;
	struct kobject *bus;
	struct device *d;

	if (flags & ~(uint64_t)IRIS_DEVICE_INFO_ONLY)
		return -EINVAL;
	if (info_u && !user_range_ok(info_u, sizeof(info)))
		return -EFAULT;
	int r = handle_get(&p->handles, handle_arg(a->a[0]), KOBJ_BUS, IRIS_RIGHT_READ, &bus, NULL);
	if (r < 0)
		return r;
	kobject_put(bus);
	if (index >= pci_count() || !device_get((unsigned)index))
		return -ENOENT;
	if (flags & IRIS_DEVICE_INFO_ONLY) {
		if (!info_u)
			return -EINVAL;
		device_info(device_get(index), &info);
		return copy_to_user(info_u, &info, sizeof(info)) < 0 ? -EFAULT : 0;
	}
	int slot = handle_reserve(&p->handles);
	if (slot < 0)
		return slot;
	if ((r = device_open((unsigned)index, &d)) < 0) {
		handle_unreserve(&p->handles, slot);
		return r;
	}
	iris_handle_t h = handle_commit(&p->handles, slot, &d->obj, DEVICE_HANDLE_RIGHTS);
	kobject_put(&d->obj);
	device_info(d, &info);
	if (info_u && copy_to_user(info_u, &info, sizeof(info)) < 0) {
		handle_close(&p->handles, h);
		return -EFAULT;
	}
	return h;
}

static long sys_device_info(const struct args *a)
{
	struct iris_device_info info;
	struct device *d;
	if (!user_range_ok(a->a[1], sizeof(info)))
		return -EFAULT;
	long r = get_device(a->a[0], IRIS_RIGHT_READ, &d);
	if (r < 0)
		return r;
	device_info(d, &info);
	kobject_put(&d->obj);
	return copy_to_user(a->a[1], &info, sizeof(info)) < 0 ? -EFAULT : 0;
}

static long sys_device_bar(const struct args *a)
{
	uint64_t bar = a->a[1];
	struct process *p = self();
	struct device *d;
	struct vmo *vmo;

	if (bar >= IRIS_PCI_BARS)
		return -EINVAL;
	struct kobject *obj;
	uint32_t rights;
	long r = handle_get(&p->handles, handle_arg(a->a[0]), KOBJ_DEVICE, 0, &obj, &rights);
	if (r < 0)
		return r;
	d = device_from(obj);
	uint32_t kind = d->pci->info.bar[bar].kind;
	uint32_t need = kind == IRIS_BAR_PORT ? IRIS_RIGHT_DEV_PORTS : IRIS_RIGHT_DEV_MMIO;
	r = -EPERM;
	if ((rights & need) != need)
		goto out;
	int slot = kind == IRIS_BAR_MMIO ? handle_reserve(&p->handles) : -1;
	if (kind == IRIS_BAR_MMIO && (r = slot) < 0)
		goto out;
	if ((r = device_bar(d, (unsigned)bar, p, &vmo)) < 0) {
		if (slot >= 0)
			handle_unreserve(&p->handles, slot);
		goto out;
	}
	if (vmo) {
		r = handle_commit(&p->handles, slot, &vmo->obj,
		                  IRIS_RIGHT_READ | IRIS_RIGHT_WRITE | IRIS_RIGHT_MAP |
		                          IRIS_RIGHT_DUPLICATE);
		kobject_put(&vmo->obj);
	}
out:
	kobject_put(&d->obj);
	return r;
}

static long sys_device_config_read(const struct args *a)
{
	struct device *d;
	uint32_t v;
	if (a->a[1] > UINT16_MAX || a->a[2] > 4)
		return -EINVAL;
	long r = get_device(a->a[0], IRIS_RIGHT_READ, &d);
	if (r < 0)
		return r;
	r = device_config_read(d, (unsigned)a->a[1], (unsigned)a->a[2], &v);
	kobject_put(&d->obj);
	return r < 0 ? r : (long)v;
}

static long sys_device_config_write(const struct args *a)
{
	struct device *d;
	if (a->a[1] > UINT16_MAX || a->a[2] > 4 || a->a[3] > UINT32_MAX)
		return -EINVAL;
	long r = get_device(a->a[0], IRIS_RIGHT_DEV_CONFIG, &d);
	if (r < 0)
		return r;
	r = device_config_write(d, (unsigned)a->a[1], (unsigned)a->a[2], (uint32_t)a->a[3]);
	kobject_put(&d->obj);
	return r;
}

static long sys_device_busmaster(const struct args *a)
{
	struct device *d;
	if (a->a[1] > 1)
		return -EINVAL;
	long r = get_device(a->a[0], IRIS_RIGHT_DEV_DMA, &d);
	if (r < 0)
		return r;
	r = device_busmaster(d, a->a[1] != 0);
	kobject_put(&d->obj);
	return r;
}

static long sys_dma_create(const struct args *a)
{
	uint64_t size = a->a[1], flags = a->a[2];
	uintptr_t phys_u = a->a[3];
	struct process *p = self();
	struct device *d;
	struct vmo *vmo;

	if (size == 0 || size > IRIS_DMA_MAX || (flags & ~(uint64_t)IRIS_DMA_32BIT))
		return -EINVAL;
	if (!user_range_ok(phys_u, sizeof(uint64_t)))
		return -EFAULT;
	long r = get_device(a->a[0], IRIS_RIGHT_DEV_DMA, &d);
	if (r < 0)
		return r;
	int slot = handle_reserve(&p->handles);
	if ((r = slot) < 0)
		goto out;
	if ((r = device_dma_create(d, size, (unsigned)flags, &vmo)) < 0) {
		handle_unreserve(&p->handles, slot);
		goto out;
	}
	uint64_t phys = vmo->phys;
	r = handle_commit(&p->handles, slot, &vmo->obj,
	                  IRIS_RIGHT_READ | IRIS_RIGHT_WRITE | IRIS_RIGHT_MAP |
	                          IRIS_RIGHT_DUPLICATE | IRIS_RIGHT_TRANSFER);
	kobject_put(&vmo->obj);
	if (copy_to_user(phys_u, &phys, sizeof(phys)) < 0) {
		handle_close(&p->handles, (iris_handle_t)r);
		r = -EFAULT;
	}
out:
	kobject_put(&d->obj);
	return r;
}

static long sys_irq_bind(const struct args *a)
{
	uintptr_t bind_u = a->a[1];
	struct process *p = self();
	struct iris_irq_bind bind;
	struct iris_irq_insn *prog = NULL;
	struct irq_obj *irq;
	struct device *d;

	if (!user_range_ok(bind_u, sizeof(bind)) || copy_from_user(&bind, bind_u, sizeof(bind)) < 0)
		return -EFAULT;
	if (bind.len == 0 || bind.len > IRIS_IRQ_PROG_MAX) {
		bind.error = bind.len ? IRIS_IRQ_ERR_TOO_LONG : IRIS_IRQ_ERR_EMPTY;
		bind.error_at = bind.len ? IRIS_IRQ_PROG_MAX : 0;
		return copy_to_user(bind_u, &bind, sizeof(bind)) < 0 ? -EFAULT : -EINVAL;
	}
	size_t bytes = bind.len * sizeof(*prog);
	if (!user_range_ok(bind.prog, bytes))
		return -EFAULT;
	long r = get_device(a->a[0], IRIS_RIGHT_DEV_IRQ, &d);
	if (r < 0)
		return r;
	prog = kmalloc(bytes);
	int slot = prog ? handle_reserve(&p->handles) : -ENOMEM;
	if ((r = slot) < 0)
		goto out;
	if (copy_from_user(prog, bind.prog, bytes) < 0) {
		handle_unreserve(&p->handles, slot);
		r = -EFAULT;
		goto out;
	}
	r = irq_bind(d, &bind, prog, &irq);
	if (r < 0) {
		handle_unreserve(&p->handles, slot);
		if (r == -EINVAL && copy_to_user(bind_u, &bind, sizeof(bind)) < 0)
			r = -EFAULT;
		goto out;
	}
	r = handle_commit(&p->handles, slot, &irq->obj,
	                  IRIS_RIGHT_READ | IRIS_RIGHT_WRITE | IRIS_RIGHT_MAP | IRIS_RIGHT_MANAGE |
	                          IRIS_RIGHT_DUPLICATE);
	kobject_put(&irq->obj);
	bind.error = IRIS_IRQ_OK;
	bind.error_at = 0;
	if (copy_to_user(bind_u, &bind, sizeof(bind)) < 0) {
		handle_close(&p->handles, (iris_handle_t)r);
		r = -EFAULT;
	}
out:
	kfree(prog);
	kobject_put(&d->obj);
	return r;
}

static long sys_irq_control(const struct args *a)
{
	struct kobject *obj;
	if (a->a[1] != IRIS_IRQ_MASK && a->a[1] != IRIS_IRQ_UNMASK)
		return -EINVAL;
	int r = handle_get(&self()->handles, handle_arg(a->a[0]), KOBJ_IRQ, IRIS_RIGHT_MANAGE, &obj,
	                   NULL);
	if (r < 0)
		return r;
	r = irq_control(irq_from(obj), (unsigned)a->a[1]);
	kobject_put(obj);
	return r;
}

#define PROCESS_LIST_MAX 64 /* entries per call: list more with a higher first pid */

static long sys_process_list(const struct args *a)
{
	uintptr_t buf = a->a[0];
	uint64_t max = a->a[1], first = a->a[2];
	if (max > PROCESS_LIST_MAX)
		max = PROCESS_LIST_MAX;
	if (!user_range_ok(buf, max * sizeof(struct iris_process_info)))
		return -EFAULT;
	struct iris_process_info *info = kmalloc(PROCESS_LIST_MAX * sizeof(*info));
	if (!info)
		return -ENOMEM;
	size_t n = process_list(info, (size_t)max, first);
	long r = copy_to_user(buf, info, n * sizeof(*info)) < 0 ? -EFAULT : (long)n;
	kfree(info);
	return r;
}

/* Only processes that descend from the caller or from the caller's parent (a shell's jobs). */
static long sys_process_open(const struct args *a)
{
	struct process *p = self();
	int slot = handle_reserve(&p->handles);
	if (slot < 0)
		return slot;
	struct process *target = process_find_descendant(a->a[0], p->pid, p->parent);
	if (!target) {
		handle_unreserve(&p->handles, slot);
		return -ESRCH;
	}
	iris_handle_t h = handle_commit(&p->handles, slot, &target->obj,
	                                IRIS_RIGHT_READ | IRIS_RIGHT_MANAGE | IRIS_RIGHT_DUPLICATE |
	                                        IRIS_RIGHT_TRANSFER);
	kobject_put(&target->obj);
	return h;
}

static long sys_power(const struct args *a)
{
	if (a->a[0] == IRIS_POWER_OFF)
		power_off(self()->pid);
	if (a->a[0] == IRIS_POWER_REBOOT)
		power_reboot(self()->pid);
	return -EINVAL;
}

static const syscall_fn table[SYS_COUNT] = {
	[SYS_ECHO] = sys_echo,
	[SYS_YIELD] = sys_yield,
	[SYS_SPAWN_THREAD] = sys_spawn_thread,
	[SYS_THREAD_EXIT] = sys_thread_exit,
	[SYS_PROCESS_SPAWN] = sys_process_spawn,
	[SYS_PROCESS_EXIT] = sys_process_exit,
	[SYS_WAIT] = sys_wait,
	[SYS_KILL] = sys_kill,
	[SYS_CLOCK_GET] = sys_clock_get,
	[SYS_SLEEP] = sys_sleep,
	[SYS_MAP] = sys_map,
	[SYS_UNMAP] = sys_unmap,
	[SYS_PROTECT] = sys_protect,
	[SYS_DEBUG_WRITE] = sys_debug_write,
	[SYS_HANDLE_CLOSE] = sys_handle_close,
	[SYS_HANDLE_DUPLICATE] = sys_handle_duplicate,
	[SYS_VMO_CREATE] = sys_vmo_create,
	[SYS_STAT] = sys_stat,
	[SYS_THREAD_SELF] = sys_thread_self,
	[SYS_PROCESS_SELF] = sys_process_self,
	[SYS_VMO_SIZE] = sys_vmo_size,
	[SYS_RING_SETUP] = sys_ring_setup,
	[SYS_RING_ENTER] = sys_ring_enter,
	[SYS_NOP] = sys_nop,
	[SYS_TIMEOUT] = sys_timeout,
	[SYS_CANCEL] = sys_ring_only,
	[SYS_POLL] = sys_poll,
	[SYS_LINK_TIMEOUT] = sys_ring_only,
	[SYS_CHANNEL_CREATE] = sys_channel_create,
	[SYS_CHANNEL_INFO] = sys_channel_info,
	[SYS_CHANNEL_NOTIFY] = sys_channel_notify,
	[SYS_CHANNEL_SEND_HANDLE] = sys_channel_send_handle,
	[SYS_CHANNEL_RECV_HANDLE] = sys_channel_recv_handle,
	[SYS_DEVICE_OPEN] = sys_device_open,
	[SYS_DEVICE_INFO] = sys_device_info,
	[SYS_DEVICE_BAR] = sys_device_bar,
	[SYS_DEVICE_CONFIG_READ] = sys_device_config_read,
	[SYS_DEVICE_CONFIG_WRITE] = sys_device_config_write,
	[SYS_DEVICE_BUSMASTER] = sys_device_busmaster,
	[SYS_DMA_CREATE] = sys_dma_create,
	[SYS_IRQ_BIND] = sys_irq_bind,
	[SYS_IRQ_CONTROL] = sys_irq_control,
	[SYS_PROCESS_LIST] = sys_process_list,
	[SYS_PROCESS_OPEN] = sys_process_open,
	[SYS_POWER] = sys_power,
	[SYS_LOG_READ] = sys_log_read,
};

long syscall_invoke(uint64_t nr, const uint64_t args[6])
{
	const struct args *a = (const struct args *)args;
	return nr < SYS_COUNT && table[nr] ? table[nr](a) : -ENOSYS;
}

void syscall_dispatch(struct trap_frame *tf)
{
	uint64_t nr = tf->rax;
	struct args a = { { tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9 } };

	if (nr == SYS_ECHO) /* the null call: no table walk */
		tf->rax = a.a[0];
	else
		tf->rax = (uint64_t)syscall_invoke(nr, a.a);
	thread_user_return(tf);
}
