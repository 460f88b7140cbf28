/*
 * The physical frame allocator: one bit per 4 KiB frame over every usable
 * range of the firmware memory map, memory above 4 GiB included.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t;

#define PAGE_SIZE  4096ull
#define PAGE_SHIFT 12

/*
 * Allocation constraints. FRAME_LOW32 asks for frames below 4 GiB, FRAME_LOW1M
 * for frames below 1 MiB (the SMP trampoline); the stricter one wins.
 */
#define FRAME_ANY   0u
#define FRAME_LOW32 (1u << 0)
#define FRAME_LOW1M (1u << 1)

/* A range of physical memory, in bytes. */
struct mem_range {
	uint64_t base, size;
};

/*
 * Sets the allocator up, once, on the boot CPU, before any other frame_
 * function. `usable` are the RAM ranges of the firmware map (any alignment;
 * rounded inward to whole frames, overlaps allowed); `reserved` are ranges
 * that must never be handed out even where they overlap usable RAM (the
 * kernel image, boot modules, the multiboot information; rounded outward).
 * Frame 0 is never handed out. Assumes only the first 4 GiB of physical
 * memory are reachable through phys_to_virt: the bitmaps are carved out of
 * free memory there. Freeing a frame that was not managed is a kernel bug.
 */
void frame_init(const struct mem_range *usable, size_t nusable, const struct mem_range *reserved,
                size_t nreserved);

/*
 * Returns the physical address of one zero-filled frame, or 0 if none is left.
 * Prefers the highest free frame, so it may return memory above 4 GiB: call
 * it only once the direct map covers all RAM (after paging_init).
 */
paddr_t frame_alloc(void);

/*
 * Returns the physical address of `count` contiguous frames aligned to
 * `align` frames (a power of two), honouring `flags`; 0 if there is no such run.
 * The frames are not zeroed. The highest such run is taken.
 */
paddr_t frame_alloc_contig(size_t count, size_t align, unsigned flags);

/* Gives frames back. Freeing a free or unmanaged frame panics (a kernel bug). */
void frame_free(paddr_t frame);
void frame_free_contig(paddr_t first, size_t count);

/*
 * Frames currently free, and frames managed at all: usable RAM minus the
 * reserved ranges, frame 0 and the allocator's own bitmaps.
 */
size_t frame_count_free(void);
size_t frame_count_total(void);
