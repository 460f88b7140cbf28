/* System calls on PCI devices (iris/abi/device.h, docs/devices.md). */
#include <iris/abi/device.h>
#include <iris/abi/errno.h>
#include <mm/heap.h>
#include <mm/usercopy.h>
#include <obj/device.h>
#include <obj/pin.h>
#include <obj/process.h>
#include <syscall/args.h>

/* The device handle is copied out (in *info) before it is published. */
long sys_device_open(const struct syscall_args *a)
{
	uint64_t index = a->a[1], flags = a->a[3];
	uintptr_t info_u = a->a[2];
	struct iris_device_info info;
	struct out_handle out;
	struct kobject *bus;
	struct device *d;

	if (flags & ~(uint64_t)IRIS_DEVICE_INFO_ONLY)
		return -EINVAL;
	if (info_u && !user_range_ok(info_u, sizeof(info)))
		return -EFAULT;
	long r = arg_handle_get(a->a[0], KOBJ_BUS, IRIS_RIGHT_READ, &bus, NULL);
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
	if ((r = out_reserve(&out)) < 0)
		return r;
	if ((r = device_open((unsigned)index, &d)) < 0)
		goto cancel;
	device_info(d, &info);
	if (info_u && copy_to_user(info_u, &info, sizeof(info)) < 0) {
		out_discard(&d->obj);
		r = -EFAULT;
		goto cancel;
	}
	r = out_publish(&out, &d->obj, IRIS_DEFAULT_RIGHTS_DEVICE);
	kobject_put(&d->obj);
	return r;

cancel:
	out_cancel(&out);
	return r;
}

long sys_device_info(const struct syscall_args *a)
{
	struct iris_device_info info;
	struct kobject *obj;
	if (!user_range_ok(a->a[1], sizeof(info)))
		return -EFAULT;
	long r = arg_handle_get(a->a[0], KOBJ_DEVICE, IRIS_RIGHT_READ, &obj, NULL);
	if (r < 0)
		return r;
	device_info(device_from(obj), &info);
	kobject_put(obj);
	return copy_to_user(a->a[1], &info, sizeof(info)) < 0 ? -EFAULT : 0;
}

long sys_device_bar(const struct syscall_args *a)
{
	uint64_t bar = a->a[1];
	struct out_handle out;
	struct kobject *obj;
	struct vmo *vmo;
	uint32_t rights;

	if (bar >= IRIS_PCI_BARS)
		return -EINVAL;
	long r = arg_handle_get(a->a[0], KOBJ_DEVICE, 0, &obj, &rights);
	if (r < 0)
		return r;
	struct device *d = device_from(obj);
	bool mmio = d->pci->info.bar[bar].kind == IRIS_BAR_MMIO;
	uint32_t need = d->pci->info.bar[bar].kind == IRIS_BAR_PORT ? IRIS_RIGHT_DEV_PORTS
	                                                            : IRIS_RIGHT_DEV_MMIO;
	r = -EPERM;
	if ((rights & need) != need)
		goto out;
	if (mmio && (r = out_reserve(&out)) < 0) /* a memory BAR returns a handle */
		goto out;
	if ((r = device_bar(d, (unsigned)bar, self(), &vmo)) < 0) {
		if (mmio)
			out_cancel(&out);
		goto out;
	}
	if (vmo) {
		r = out_publish(&out, &vmo->obj, IRIS_DEFAULT_RIGHTS_BAR);
		kobject_put(&vmo->obj);
	}
out:
	kobject_put(obj);
	return r;
}

long sys_device_config_read(const struct syscall_args *a)
{
	struct kobject *obj;
	uint32_t v;
	if (a->a[1] > UINT16_MAX || a->a[2] > 4)
		return -EINVAL;
	long r = arg_handle_get(a->a[0], KOBJ_DEVICE, IRIS_RIGHT_READ, &obj, NULL);
	if (r < 0)
		return r;
	r = device_config_read(device_from(obj), (unsigned)a->a[1], (unsigned)a->a[2], &v);
	kobject_put(obj);
	return r < 0 ? r : (long)v;
}

long sys_device_config_write(const struct syscall_args *a)
{
	struct kobject *obj;
	if (a->a[1] > UINT16_MAX || a->a[2] > 4 || a->a[3] > UINT32_MAX)
		return -EINVAL;
	long r = arg_handle_get(a->a[0], KOBJ_DEVICE, IRIS_RIGHT_DEV_CONFIG, &obj, NULL);
	if (r < 0)
		return r;
	r = device_config_write(device_from(obj), (unsigned)a->a[1], (unsigned)a->a[2],
	                        (uint32_t)a->a[3]);
	kobject_put(obj);
	return r;
}

long sys_device_busmaster(const struct syscall_args *a)
{
	struct kobject *obj;
	if (a->a[1] > 1)
		return -EINVAL;
	long r = arg_handle_get(a->a[0], KOBJ_DEVICE, IRIS_RIGHT_DEV_DMA, &obj, NULL);
	if (r < 0)
		return r;
	r = device_busmaster(device_from(obj), a->a[1] != 0);
	kobject_put(obj);
	return r;
}

/* The memory object's handle is published after its address is copied out. */
long sys_dma_create(const struct syscall_args *a)
{
	uint64_t size = a->a[1], flags = a->a[2];
	uintptr_t phys_u = a->a[3];
	struct out_handle out;
	struct kobject *obj;
	struct vmo *vmo;

	if (size == 0 || size > IRIS_DMA_MAX || (flags & ~(uint64_t)IRIS_DMA_32BIT))
		return -EINVAL;
	if (!user_range_ok(phys_u, sizeof(uint64_t)))
		return -EFAULT;
	long r = arg_handle_get(a->a[0], KOBJ_DEVICE, IRIS_RIGHT_DEV_DMA, &obj, NULL);
	if (r < 0)
		return r;
	if ((r = out_reserve(&out)) < 0)
		goto out;
	if ((r = device_dma_create(device_from(obj), size, (unsigned)flags, &vmo)) < 0)
		goto cancel;
	uint64_t phys = vmo->phys;
	if (copy_to_user(phys_u, &phys, sizeof(phys)) < 0) {
		out_discard(&vmo->obj);
		r = -EFAULT;
		goto cancel;
	}
	r = out_publish(&out, &vmo->obj, IRIS_DEFAULT_RIGHTS_DMA);
	kobject_put(&vmo->obj);
	goto out;

cancel:
	out_cancel(&out);
out:
	kobject_put(obj);
	return r;
}

/*
 * Pins part of a memory object for the device's DMA and writes the bus
 * address of each page it spans to `addrs`; the pin handle is published
 * only after the addresses are copied out.
 */
long sys_dma_pin(const struct syscall_args *a)
{
	uint64_t offset = a->a[2], len = a->a[3], flags = a->a[4];
	uintptr_t addrs_u = a->a[5];
	const uint64_t dirs = IRIS_PIN_DEVICE_WRITES | IRIS_PIN_DEVICE_READS;
	struct kobject *dev = NULL, *vmo = NULL;
	uint64_t *addrs = NULL;
	struct out_handle out;
	struct pin *pin;

	if (flags == 0 || (flags & ~dirs))
		return -EINVAL;
	uint64_t npages = pin_span(offset, len);
	if (npages == 0)
		return -EINVAL;
	if (npages > IRIS_PIN_PAGES_MAX)
		return -E2BIG;
	if (!user_range_ok(addrs_u, npages * sizeof(uint64_t)))
		return -EFAULT;
	uint32_t need = ((flags & IRIS_PIN_DEVICE_WRITES) ? IRIS_RIGHT_WRITE : 0) |
	                ((flags & IRIS_PIN_DEVICE_READS) ? IRIS_RIGHT_READ : 0);
	long r = arg_handle_get(a->a[0], KOBJ_DEVICE, IRIS_RIGHT_DEV_DMA, &dev, NULL);
	if (r < 0)
		return r;
	if ((r = arg_handle_get(a->a[1], KOBJ_VMO, need, &vmo, NULL)) < 0)
		goto out;
	addrs = kmalloc(npages * sizeof(uint64_t));
	if (!addrs) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = out_reserve(&out)) < 0)
		goto out;
	r = pin_create(device_from(dev), vmo_from(vmo), offset, len, self(), addrs, &pin);
	if (r < 0)
		goto cancel;
	if (copy_to_user(addrs_u, addrs, npages * sizeof(uint64_t)) < 0) {
		out_discard(&pin->obj);
		r = -EFAULT;
		goto cancel;
	}
	r = out_publish(&out, &pin->obj, IRIS_DEFAULT_RIGHTS_PIN);
	kobject_put(&pin->obj);
	goto out;

cancel:
	out_cancel(&out);
out:
	kfree(addrs);
	if (vmo)
		kobject_put(vmo);
	kobject_put(dev);
	return r;
}
