/* System calls on threads: spawn one, end one, name the caller. */
#include <iris/abi/errno.h>
#include <iris/abi/syscall.h>
#include <mm/layout.h>
#include <sched/sched.h>
#include <sched/thread.h>
#include <syscall/args.h>

/* Adds a new thread of the calling process with a fresh stack; see SYS_SPAWN_THREAD. */
long sys_spawn_thread(const struct syscall_args *a)
{
	uintptr_t bootstrap = a->a[0];
	uint64_t fn = a->a[1], arg = a->a[2], stack = a->a[3];
	struct process *p = self();
	struct out_handle out;
	struct thread *t;
	uintptr_t base;

	if (bootstrap >= USER_SPACE_END || bootstrap == 0)
		return -EFAULT;
	if (stack == 0)
		stack = IRIS_THREAD_STACK_DEFAULT;
	if (stack > IRIS_THREAD_STACK_MAX)
		return -EINVAL;
	stack = (stack + PAGE_MASK) & ~PAGE_MASK;

	long r = out_reserve(&out);
	if (r < 0)
		return r;
	r = vm_map(&p->vm, 0, stack + PAGE_SIZE, IRIS_PROT_READ | IRIS_PROT_WRITE, PROT_ALL, 0,
	           NULL, 0, &base);
	if (r < 0)
		goto unreserve;
	if ((r = vm_protect(&p->vm, base, PAGE_SIZE, IRIS_PROT_NONE)) < 0) /* the guard page */
		goto unmap;
	t = thread_create_user(p, bootstrap, base + PAGE_SIZE + stack - 8, fn, arg);
	r = -ENOMEM;
	if (!t)
		goto unmap;
	t->ustack_base = base;
	t->ustack_len = stack + PAGE_SIZE;
	if ((r = process_thread_add(p, t)) < 0)
		goto discard;
	r = out_publish(&out, &t->obj, IRIS_DEFAULT_RIGHTS_THREAD);
	sched_start(t);
	kobject_put(&t->obj);
	return r;

discard:
	thread_discard(t);
unmap:
	vm_unmap(&p->vm, base, stack + PAGE_SIZE);
unreserve:
	out_cancel(&out);
	return r;
}

long sys_thread_exit(const struct syscall_args *a)
{
	struct iris_exit_info info = { .reason = IRIS_EXIT_CODE, .code = (int32_t)a->a[0] };
	thread_exit(&info);
}

long sys_thread_self(const struct syscall_args *a)
{
	(void)a;
	return (long)thread_current()->tid;
}
