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

enum vmo_kind {
	VMO_ANON,   /* frames allocated zero-filled on first touch */
	VMO_PHYS,   /* a window onto physical addresses it does not own (device registers) */
	VMO_CONTIG, /* physically contiguous frames allocated up front (DMA memory) */
};

struct vmo {
	struct kobject obj;
	spinlock_t lock;
	enum vmo_kind kind;
	unsigned map_flags; /* MAP_UC / MAP_WC added to every mapping of it */
	size_t npages;
	paddr_t *pages; /* ANON: 0 = not allocated yet (reads as zeros); NULL otherwise */
	paddr_t phys;   /* PHYS, CONTIG: the first byte */
	/* PHYS, CONTIG: called when the object dies (CONTIG: gives the frames back). */
	void (*release)(struct vmo *vmo);
	void *owner; /* PHYS, CONTIG: for release */
	/* PHYS: pages [hole_first, hole_first + hole_count) cannot be mapped (MSI-X tables). */
	size_t hole_first, hole_count;
};

/* Returns a new memory object of `size` bytes (rounded up to pages), or NULL. */
struct vmo *vmo_create(size_t size);

/*
 * Returns an object covering `size` bytes of physical memory from `phys`
 * (page aligned) of kind PHYS or CONTIG, mapped with `map_flags`; NULL if
 * out of memory. A CONTIG object's frames go back through `release`.
 */
struct vmo *vmo_create_phys(enum vmo_kind kind, paddr_t phys, size_t size, unsigned map_flags);

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
