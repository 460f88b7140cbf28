/*
 * Page tables: the mapping primitives generic memory management (mm/vm.c,
 * mm/kwindow.c) builds on. Every address space has its own top-level table;
 * the kernel half is shared by all of them, so kernel mappings made after
 * boot are visible everywhere without copying. (x86_64: 4-level tables.)
 */
#pragma once

#include <mm/frame.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Mapping flags, independent of the page-table bit layout. */
#define MAP_READ  0u
#define MAP_WRITE (1u << 0)
#define MAP_EXEC  (1u << 1)
#define MAP_USER  (1u << 2)
#define MAP_WC    (1u << 3) /* write-combining (framebuffers) */
#define MAP_UC    (1u << 4) /* uncached (device registers) */
#define MAP_LOCAL (1u << 5) /* kernel mapping that is not global (flushed by CR3 reloads) */

struct address_space {
	paddr_t pml4; /* physical address of the top-level table */
};

/* The kernel's own address space, live after paging_init(). */
extern struct address_space kernel_space;

/*
 * Builds the kernel address space (direct map of all memory, the kernel
 * image with per-section permissions) and switches to it.
 */
void paging_init(void);

/*
 * Maps one 4 KiB page. Returns 0, or -ENOMEM if a page table cannot be
 * allocated, or -EEXIST if something is mapped at `va` already.
 */
int paging_map(struct address_space *as, uintptr_t va, paddr_t pa, unsigned flags);

/* Unmaps one 4 KiB page; returns the frame it mapped, or 0 if none was mapped. */
paddr_t paging_unmap(struct address_space *as, uintptr_t va);

/* Changes the flags of a mapped page. Returns 0, or -ENOENT if nothing is mapped. */
int paging_protect(struct address_space *as, uintptr_t va, unsigned flags);

/*
 * Unmaps, or re-protects, every page mapped in [start, end) (page-aligned),
 * skipping empty page-table subtrees, so a huge sparse range costs no more
 * than what is mapped in it. Returns the number of pages affected. The
 * caller flushes TLBs.
 */
size_t paging_unmap_range(struct address_space *as, uintptr_t start, uintptr_t end);
size_t paging_protect_range(struct address_space *as, uintptr_t start, uintptr_t end,
                            unsigned flags);

/*
 * Looks `va` up. Returns true and fills *pa (and *flags when not NULL) if it is
 * mapped, large pages included.
 */
bool paging_query(struct address_space *as, uintptr_t va, paddr_t *pa, unsigned *flags);

/* Allocates an empty address space sharing the kernel half; 0 on success. */
int paging_space_create(struct address_space *as);
/* Frees the user half's page tables (not the frames they map) and the PML4. */
void paging_space_destroy(struct address_space *as);

/* Makes `as` the calling CPU's address space. */
void paging_switch(struct address_space *as);

/* Whether `as` is the calling CPU's address space. */
bool paging_is_active(const struct address_space *as);

/* Invalidates `va` on this CPU (other CPUs: mm/vm.c's shootdown). */
void paging_flush(uintptr_t va);

/*
 * Drops this CPU's non-global translations: all of a user space and the
 * kernel window (MAP_LOCAL), not the direct map or the kernel image.
 */
void paging_flush_all(void);

/* The span one last-level page table maps (2 MiB). */
#define PAGING_TABLE_SPAN (2ull << 20)

/*
 * Frees the last-level table that maps the PAGING_TABLE_SPAN-aligned span
 * holding `va` in `as` if none of its entries is present; the caller makes
 * sure nothing maps into that span meanwhile. Does nothing otherwise.
 */
void paging_prune_table(struct address_space *as, uintptr_t va);
