/* System calls on handles themselves: close, duplicate. */
#include <iris/abi/errno.h>
#include <syscall/args.h>

long sys_handle_close(const struct syscall_args *a)
{
	return handle_close(&self()->handles, handle_arg(a->a[0]));
}

long sys_handle_duplicate(const struct syscall_args *a)
{
	if (a->a[1] > UINT32_MAX)
		return -EINVAL;
	return handle_duplicate(&self()->handles, handle_arg(a->a[0]), (uint32_t)a->a[1]);
}
