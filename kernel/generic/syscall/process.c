/* System calls on processes: spawn, exit, wait, kill, list, open. */
#include <async/aop.h>
#include <common/spawnargs.h>
#include <common/string.h>
#include <console/log.h>
#include <iris/abi/errno.h>
#include <iris/abi/syscall.h>
#include <mm/heap.h>
#include <mm/usercopy.h>
#include <sched/thread.h>
#include <syscall/args.h>
#include <time.h>

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

long sys_process_spawn(const struct syscall_args *a)
{
	uintptr_t image_u = a->a[0], args_u = a->a[2], handles_u = a->a[4];
	size_t image_len = a->a[1], args_len = a->a[3], nhandles = a->a[5];
	struct process *p = self();
	struct process *child;
	struct out_handle out;
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
	if ((r = out_reserve(&out)) < 0)
		goto out;
	r = process_spawn(name, image, image_len, args, args_len, objs, rights, nhandles, &child,
	                  err, sizeof(err));
	if (r == -ENOEXEC)
		pr_info("spawn %s: %s\n", name, err);
	if (r < 0) {
		out_cancel(&out);
		goto out;
	}
	r = out_publish(&out, &child->obj, IRIS_DEFAULT_RIGHTS_PROCESS);
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

long sys_process_exit(const struct syscall_args *a)
{
	struct iris_exit_info info = { .reason = IRIS_EXIT_CODE, .code = (int32_t)a->a[0] };
	process_exit(self(), &info);
	thread_exit(&self()->exit);
}

long sys_wait(const struct syscall_args *a)
{
	return aop_run_sync(SYS_WAIT, a->a); /* an operation of the private ring */
}

long sys_kill(const struct syscall_args *a)
{
	struct kobject *obj;
	int r = arg_handle_get(a->a[0], 0, IRIS_RIGHT_MANAGE, &obj, NULL);
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

#define PROCESS_LIST_MAX 64 /* entries per call: list more with a higher first pid */

long sys_process_list(const struct syscall_args *a)
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
long sys_process_open(const struct syscall_args *a)
{
	struct process *p = self();
	struct out_handle out;
	long r = out_reserve(&out);
	if (r < 0)
		return r;
	struct process *target = process_find_descendant(a->a[0], p->pid, p->parent);
	if (!target) {
		out_cancel(&out);
		return -ESRCH;
	}
	r = out_publish(&out, &target->obj, IRIS_DEFAULT_RIGHTS_PROCESS);
	kobject_put(&target->obj);
	return r;
}

long sys_process_self(const struct syscall_args *a)
{
	(void)a;
	return (long)self()->pid;
}
