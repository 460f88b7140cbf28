/*
 * The kernel virtual window (KVWIN_BASE, mm/layout.h): address ranges for
 * large heap blocks, kernel stacks and mappings of device registers and
 * firmware tables, built on the arch paging primitives (arch/paging.h).
 */
#pragma once

#include <mm/frame.h>
#include <stddef.h>

/*
 * Maps `size` bytes of physical memory at `pa` (any alignment) into the
 * window with the given MAP_ flags (arch/paging.h) and returns the virtual
 * address of `pa`, or NULL when the window or memory runs out.
 */
void *kwindow_map_phys(paddr_t pa, size_t size, unsigned flags);
void kwindow_unmap_phys(void *va, size_t size);

/*
 * Reserves `pages` pages of the window and backs them with fresh zeroed
 * frames. Returns NULL if memory runs out. kwindow_free releases both.
 */
void *kwindow_alloc(size_t pages);
void kwindow_free(void *va, size_t pages);

/*
 * Like kwindow_alloc, with one unmapped guard page below the returned block,
 * so a kernel stack that overflows faults instead of corrupting its neighbour.
 */
void *kwindow_alloc_stack(size_t pages);
void kwindow_free_stack(void *va, size_t pages);

/*
 * Called on every CPU from its timer tick: drops the CPU's window
 * translations if addresses were freed since it last did, so they can be
 * reused.
 */
void kwindow_tick(void);
