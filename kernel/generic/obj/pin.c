#include <iris/abi/device.h>
#include <iris/abi/errno.h>
#include <mm/heap.h>
#include <mm/layout.h>
#include <obj/pin.h>
#include <obj/process.h>

uint64_t pin_span(uint64_t offset, uint64_t len)
{
	if (len == 0 || offset + len < offset)
		return 0;
	return (offset + len - 1) / PAGE_SIZE - offset / PAGE_SIZE + 1;
}

static void pin_uncharge(struct process *p, size_t npages)
{
	__atomic_fetch_sub(&p->pinned_pages, npages, __ATOMIC_RELAXED);
}

/*
 * The pin's handle closed. A driver that closes it says its device is done
 * with the pages; one that ends with it open says nothing of the sort (it
 * may have died with a transfer running), so the device's quarantine keeps
 * the pages until bus mastering is off.
 */
static void pin_destroy(struct kobject *o)
{
	struct pin *pin = (struct pin *)o;
	bool owner_ending = __atomic_load_n(&pin->owner->exiting, __ATOMIC_ACQUIRE);
	pin_uncharge(pin->owner, pin->npages);
	kobject_put(&pin->owner->obj);
	device_pin_end(pin->dev, pin->vmo, !owner_ending);
	kfree(pin);
}

int pin_create(struct device *d, struct vmo *vmo, uint64_t offset, uint64_t len, struct process *p,
               uint64_t *addrs, struct pin **out)
{
	uint64_t npages = pin_span(offset, len);
	if (npages == 0 || offset + len > (uint64_t)vmo->npages * PAGE_SIZE)
		return -EINVAL;
	if (vmo->kind != VMO_ANON)
		return -ENOTSUP;
	if (npages > IRIS_PIN_PAGES_MAX)
		return -E2BIG;
	struct pin *pin = kzalloc(sizeof(*pin));
	if (!pin)
		return -ENOMEM;
	uint64_t held = __atomic_add_fetch(&p->pinned_pages, npages, __ATOMIC_RELAXED);
	if (held > IRIS_PIN_PROCESS_PAGES_MAX) {
		pin_uncharge(p, npages);
		kfree(pin);
		return -ENOSPC;
	}
	/* An ANON object's frames stay put until the object dies: the reference pins them. */
	size_t first = offset / PAGE_SIZE;
	for (size_t i = 0; i < npages; i++) {
		addrs[i] = vmo_get_page(vmo, first + i);
		if (!addrs[i]) {
			pin_uncharge(p, npages);
			kfree(pin);
			return -ENOMEM;
		}
	}
	kobject_init(&pin->obj, KOBJ_PIN, pin_destroy);
	kobject_get(&vmo->obj);
	kobject_get(&p->obj);
	device_pin_begin(d);
	pin->dev = d;
	pin->vmo = vmo;
	pin->owner = p;
	pin->npages = npages;
	*out = pin;
	return 0;
}
