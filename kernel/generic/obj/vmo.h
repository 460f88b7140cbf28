/*
 * Memory objects (VMOs): a run of pages, allocated zero-filled on first
 * touch, that can be mapped into address spaces. An anonymous mapping is a
 * private memory object nobody else holds.
 */
#pragma once

#include <mm/frame.h>
#include <obj/object.h>
#include <stddef.h>
#include <stdint.h>
#include <sync/spinlock.h>

struct vmo {
	struct kobject obj;
	spinlock_t lock;
	size_t npages;
	paddr_t *pages; /* 0 = not allocated yet (reads as zeros) */
};

/* Returns a new memory object of `size` bytes (rounded up to pages), or NULL. */
struct vmo *vmo_create(size_t size);

/*
 * Returns the frame backing page `index`, allocating a zeroed one on first
 * use; 0 if out of memory or index is out of range.
 */
paddr_t vmo_get_page(struct vmo *vmo, size_t index);

/* Copies `len` bytes of kernel memory into the object at `offset`; -EINVAL/-ENOMEM. */
int vmo_write(struct vmo *vmo, uint64_t offset, const void *src, size_t len);

static inline struct vmo *vmo_from(struct kobject *o)
{
	return (struct vmo *)o;
}
