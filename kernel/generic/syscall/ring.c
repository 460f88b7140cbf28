/* System calls on rings (docs/rings.md); the ring itself is obj/ring.c. */
#include <iris/abi/errno.h>
#include <iris/abi/ring.h>
#include <mm/usercopy.h>
#include <obj/ring.h>
#include <syscall/args.h>
#include <time.h>

/* The ring's and its memory's handles are copied out (in *params, the result) before either is
 * published. */
long sys_ring_setup(const struct syscall_args *a)
{
	uint64_t sq = a->a[0], cq = a->a[1], flags = a->a[2];
	uintptr_t params_u = a->a[3];
	struct iris_ring_params params;
	struct out_handle ring_h, vmo_h;
	struct ring *r;

	if (sq == 0 || sq > IRIS_RING_MAX_ENTRIES || cq > 2 * IRIS_RING_MAX_ENTRIES ||
	    (flags & ~(uint64_t)IRIS_RING_SQPOLL))
		return -EINVAL;
	if (!user_range_ok(params_u, sizeof(params)))
		return -EFAULT;
	long err = out_reserve(&ring_h);
	if (err < 0)
		return err;
	if ((err = out_reserve(&vmo_h)) < 0)
		goto cancel_ring;
	err = ring_create(self(), (uint32_t)sq, (uint32_t)cq, (uint32_t)flags, &r, &params);
	if (err < 0)
		goto cancel_vmo;
	params.vmo = vmo_h.value;
	if (copy_to_user(params_u, &params, sizeof(params)) < 0) {
		out_discard(&r->obj);
		err = -EFAULT;
		goto cancel_vmo;
	}
	out_publish(&vmo_h, &r->vmo->obj, IRIS_DEFAULT_RIGHTS_RING_VMO);
	iris_handle_t h = out_publish(&ring_h, &r->obj, IRIS_DEFAULT_RIGHTS_RING);
	kobject_put(&r->obj);
	return h;

cancel_vmo:
	out_cancel(&vmo_h);
cancel_ring:
	out_cancel(&ring_h);
	return err;
}

long sys_ring_enter(const struct syscall_args *a)
{
	uint64_t to_submit = a->a[1], min_complete = a->a[2], flags = a->a[3], ns = a->a[4];
	struct kobject *obj;

	if (flags & ~(uint64_t)(IRIS_ENTER_GETEVENTS | IRIS_ENTER_SQ_WAKEUP) ||
	    to_submit > UINT32_MAX || min_complete > UINT32_MAX || ns > INT64_MAX)
		return -EINVAL;
	int err = arg_handle_get(a->a[0], KOBJ_RING, IRIS_RIGHT_WRITE, &obj, NULL);
	if (err < 0)
		return err;
	struct ring *r = ring_from(obj);
	long res = r->owner != self() ? -EPERM
	                              : ring_enter(r, (uint32_t)to_submit, (uint32_t)min_complete,
	                                           (uint32_t)flags, ns ? time_ns() + ns : 0);
	kobject_put(obj);
	return res;
}
