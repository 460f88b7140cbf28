/* System calls on address spaces and memory objects. */
#include <iris/abi/errno.h>
#include <iris/abi/syscall.h>
#include <mm/layout.h>
#include <obj/channel.h>
#include <obj/irq.h>
#include <syscall/args.h>

static bool prot_ok(uint64_t prot)
{
	return !(prot & ~(uint64_t)(IRIS_PROT_READ | IRIS_PROT_WRITE | IRIS_PROT_EXEC));
}

long sys_map(const struct syscall_args *a)
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

long sys_unmap(const struct syscall_args *a)
{
	return vm_unmap(&self()->vm, a->a[0], a->a[1]);
}

long sys_protect(const struct syscall_args *a)
{
	if (!prot_ok(a->a[2]))
		return -EINVAL;
	return vm_protect(&self()->vm, a->a[0], a->a[1], (unsigned)a->a[2]);
}

long sys_vmo_create(const struct syscall_args *a)
{
	uint64_t size = a->a[0];
	if (size == 0 || size > (1ull << 32))
		return -EINVAL;
	struct vmo *vmo = vmo_create(size);
	if (!vmo)
		return -ENOMEM;
	iris_handle_t h = handle_install(&self()->handles, &vmo->obj, IRIS_DEFAULT_RIGHTS_VMO);
	kobject_put(&vmo->obj);
	return h;
}

long sys_vmo_size(const struct syscall_args *a)
{
	struct kobject *obj;
	int r = arg_handle_get(a->a[0], KOBJ_VMO, IRIS_RIGHT_READ, &obj, NULL);
	if (r < 0)
		return r;
	long size = (long)(vmo_from(obj)->npages * PAGE_SIZE);
	kobject_put(obj);
	return size;
}
