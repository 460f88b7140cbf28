/* System calls on channels (docs/channels.md); the channel itself is obj/channel.c. */
#include <iris/abi/channel.h>
#include <iris/abi/errno.h>
#include <iris/abi/ring.h>
#include <mm/usercopy.h>
#include <obj/channel.h>
#include <syscall/args.h>

/* Both endpoints' handles are reserved and copied out before either is published. */
long sys_channel_create(const struct syscall_args *a)
{
	uint64_t slots = a->a[0];
	uintptr_t info_u = a->a[1];
	struct iris_channel_info info;
	struct out_handle h0, h1;
	struct channel *ch;

	if (slots > IRIS_CHANNEL_SLOTS_MAX)
		return -EINVAL;
	if (!user_range_ok(info_u, sizeof(info)))
		return -EFAULT;
	long r = out_reserve(&h0);
	if (r < 0)
		return r;
	if ((r = out_reserve(&h1)) < 0)
		goto cancel0;
	ch = channel_create(slots ? (uint32_t)slots : IRIS_CHANNEL_SLOTS_DEFAULT);
	r = -ENOMEM;
	if (!ch)
		goto cancel1;
	channel_info(&ch->ep[0], &info);
	info.peer = h1.value;
	if (copy_to_user(info_u, &info, sizeof(info)) < 0) {
		out_discard(&ch->ep[0].obj);
		out_discard(&ch->ep[1].obj);
		r = -EFAULT;
		goto cancel1;
	}
	r = out_publish(&h0, &ch->ep[0].obj, IRIS_DEFAULT_RIGHTS_CHANNEL);
	out_publish(&h1, &ch->ep[1].obj, IRIS_DEFAULT_RIGHTS_CHANNEL);
	kobject_put(&ch->ep[0].obj); /* the handles hold the endpoints now */
	kobject_put(&ch->ep[1].obj);
	return r;

cancel1:
	out_cancel(&h1);
cancel0:
	out_cancel(&h0);
	return r;
}

long sys_channel_info(const struct syscall_args *a)
{
	struct iris_channel_info info;
	struct kobject *obj;
	if (!user_range_ok(a->a[1], sizeof(info)))
		return -EFAULT;
	long r = arg_handle_get(a->a[0], KOBJ_CHANNEL, IRIS_RIGHT_READ, &obj, NULL);
	if (r < 0)
		return r;
	channel_info(endpoint_from(obj), &info);
	kobject_put(obj);
	return copy_to_user(a->a[1], &info, sizeof(info)) < 0 ? -EFAULT : 0;
}

long sys_channel_notify(const struct syscall_args *a)
{
	struct kobject *obj;
	uint64_t events = a->a[1];
	if (!events || (events & ~(uint64_t)(IRIS_POLL_IN | IRIS_POLL_OUT)))
		return -EINVAL;
	long r = arg_handle_get(a->a[0], KOBJ_CHANNEL, IRIS_RIGHT_WRITE, &obj, NULL);
	if (r < 0)
		return r;
	channel_notify(endpoint_from(obj), (uint32_t)events);
	kobject_put(obj);
	return 0;
}

long sys_channel_send_handle(const struct syscall_args *a)
{
	struct kobject *ep, *obj;
	uint32_t have;
	uint64_t rights = a->a[2];

	if (rights != IRIS_RIGHTS_SAME && (rights & ~(uint64_t)IRIS_RIGHTS_ALL))
		return -EINVAL;
	long r = arg_handle_get(a->a[0], KOBJ_CHANNEL, IRIS_RIGHT_WRITE, &ep, NULL);
	if (r < 0)
		return r;
	if ((r = arg_handle_get(a->a[1], 0, IRIS_RIGHT_TRANSFER, &obj, &have)) < 0)
		goto out;
	r = -EPERM;
	if (rights != IRIS_RIGHTS_SAME && (rights & ~(uint64_t)have))
		goto put;
	r = channel_push_handle(endpoint_from(ep), obj,
	                        rights == IRIS_RIGHTS_SAME ? have : (uint32_t)rights);
	if (r == 0) {
		handle_close(&self()->handles, handle_arg(a->a[1])); /* moved: the FIFO has obj */
		goto out;
	}
put:
	kobject_put(obj);
out:
	kobject_put(ep);
	return r;
}

long sys_channel_recv_handle(const struct syscall_args *a)
{
	struct kobject *ep;
	struct out_handle out;
	long r = arg_handle_get(a->a[0], KOBJ_CHANNEL, IRIS_RIGHT_READ, &ep, NULL);
	if (r < 0)
		return r;
	if ((r = out_reserve(&out)) < 0)
		goto out;
	r = channel_pop_handle(endpoint_from(ep), &self()->handles, out.slot);
	if (r < 0)
		out_cancel(&out);
out:
	kobject_put(ep);
	return r;
}
