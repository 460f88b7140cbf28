/* System calls on interrupts (iris/abi/irq.h, docs/devices.md). */
#include <iris/abi/errno.h>
#include <iris/abi/irq.h>
#include <mm/heap.h>
#include <mm/usercopy.h>
#include <obj/device.h>
#include <obj/irq.h>
#include <syscall/args.h>

/* The IRQ handle is published after the verifier's verdict is copied back. */
long sys_irq_bind(const struct syscall_args *a)
{
	uintptr_t bind_u = a->a[1];
	struct iris_irq_bind bind;
	struct iris_irq_insn *prog = NULL;
	struct out_handle out;
	struct irq_obj *irq;
	struct kobject *dev;

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
	long r = arg_handle_get(a->a[0], KOBJ_DEVICE, IRIS_RIGHT_DEV_IRQ, &dev, NULL);
	if (r < 0)
		return r;
	prog = kmalloc(bytes);
	r = -ENOMEM;
	if (!prog || (r = out_reserve(&out)) < 0)
		goto out;
	r = -EFAULT;
	if (copy_from_user(prog, bind.prog, bytes) < 0)
		goto cancel;
	r = irq_bind(device_from(dev), &bind, prog, &irq);
	if (r < 0) {
		if (r == -EINVAL && copy_to_user(bind_u, &bind, sizeof(bind)) < 0)
			r = -EFAULT;
		goto cancel;
	}
	bind.error = IRIS_IRQ_OK;
	bind.error_at = 0;
	if (copy_to_user(bind_u, &bind, sizeof(bind)) < 0) {
		out_discard(&irq->obj);
		r = -EFAULT;
		goto cancel;
	}
	r = out_publish(&out, &irq->obj, IRIS_DEFAULT_RIGHTS_IRQ);
	kobject_put(&irq->obj);
	goto out;

cancel:
	out_cancel(&out);
out:
	kfree(prog);
	kobject_put(dev);
	return r;
}

long sys_irq_control(const struct syscall_args *a)
{
	struct kobject *obj;
	if (a->a[1] != IRIS_IRQ_MASK && a->a[1] != IRIS_IRQ_UNMASK)
		return -EINVAL;
	int r = arg_handle_get(a->a[0], KOBJ_IRQ, IRIS_RIGHT_MANAGE, &obj, NULL);
	if (r < 0)
		return r;
	r = irq_control(irq_from(obj), (unsigned)a->a[1]);
	kobject_put(obj);
	return r;
}
