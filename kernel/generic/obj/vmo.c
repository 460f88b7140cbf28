#include <common/string.h>
#include <iris/abi/errno.h>
#include <mm/heap.h>
#include <mm/layout.h>
#include <obj/vmo.h>

static void vmo_destroy(struct kobject *o)
{
	struct vmo *vmo = vmo_from(o);
	if (vmo->release)
		vmo->release(vmo);
	for (size_t i = 0; vmo->pages && i < vmo->npages; i++)
		if (vmo->pages[i])
			frame_free(vmo->pages[i]);
	kfree(vmo->pages);
	kfree(vmo);
}

struct vmo *vmo_create(size_t size)
{
	size_t npages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	if (npages == 0 || npages > (SIZE_MAX / sizeof(paddr_t)))
		return NULL;
	struct vmo *vmo = kzalloc(sizeof(*vmo));
	if (!vmo)
		return NULL;
	vmo->pages = kzalloc(npages * sizeof(paddr_t));
	if (!vmo->pages) {
		kfree(vmo);
		return NULL;
	}
	kobject_init(&vmo->obj, KOBJ_VMO, vmo_destroy);
	vmo->lock = (spinlock_t)SPINLOCK_INIT;
	vmo->npages = npages;
	return vmo;
}

struct vmo *vmo_create_phys(enum vmo_kind kind, paddr_t phys, size_t size, unsigned map_flags)
{
	size_t npages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	if (npages == 0 || (phys & (PAGE_SIZE - 1)))
		return NULL;
	struct vmo *vmo = kzalloc(sizeof(*vmo));
	if (!vmo)
		return NULL;
	kobject_init(&vmo->obj, KOBJ_VMO, vmo_destroy);
	vmo->lock = (spinlock_t)SPINLOCK_INIT;
	vmo->kind = kind;
	vmo->map_flags = map_flags;
	vmo->npages = npages;
	vmo->phys = phys;
	return vmo;
}

paddr_t vmo_get_page(struct vmo *vmo, size_t index)
{
	if (index >= vmo->npages)
		return 0;
	if (vmo->kind != VMO_ANON) {
		if (index - vmo->hole_first < vmo->hole_count)
			return 0;
		return vmo->phys + index * PAGE_SIZE;
	}
	bool irq = spin_lock_irqsave(&vmo->lock);
	paddr_t pa = vmo->pages[index];
	if (!pa) {
		pa = frame_alloc(); /* zero-filled */
		vmo->pages[index] = pa;
	}
	spin_unlock_irqrestore(&vmo->lock, irq);
	return pa;
}

int vmo_write(struct vmo *vmo, uint64_t offset, const void *src, size_t len)
{
	if (vmo->kind == VMO_PHYS || offset > vmo->npages * PAGE_SIZE ||
	    len > vmo->npages * PAGE_SIZE - offset)
		return -EINVAL;
	const uint8_t *s = src;
	while (len > 0) {
		size_t in_page = offset % PAGE_SIZE;
		size_t n = PAGE_SIZE - in_page < len ? PAGE_SIZE - in_page : len;
		paddr_t pa = vmo_get_page(vmo, offset / PAGE_SIZE);
		if (!pa)
			return -ENOMEM;
		memcpy((uint8_t *)phys_to_virt(pa) + in_page, s, n);
		s += n;
		offset += n;
		len -= n;
	}
	return 0;
}
