/*
 * 4-level paging. Every address space has its own PML4; the kernel half
 * (entries 256..511) is shared by all of them, so kernel mappings made after
 * boot are visible everywhere without copying.
 */
#pragma once

#include <mm/frame.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_U    (1ull << 2)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_A    (1ull << 5)
#define PTE_D    (1ull << 6)
#define PTE_PS   (1ull << 7)
#define PTE_G    (1ull << 8)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

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

/* Applies the per-CPU paging settings (PAT, NX, global pages) on this CPU. */
void paging_init_cpu(void);

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
 * Called on every CPU from its timer tick: reloads CR3 if kernel-window
 * addresses were freed since this CPU last flushed, so they can be reused.
 */
void paging_tick(void);

/*
 * Looks `va` up. Returns true and fills *pa (and *flags when not NULL) if it is
 * mapped, large pages included.
 */
bool paging_query(struct address_space *as, uintptr_t va, paddr_t *pa, unsigned *flags);

/* Allocates an empty address space sharing the kernel half; 0 on success. */
int paging_space_create(struct address_space *as);
/* Frees the user half's page tables (not the frames they map) and the PML4. */
void paging_space_destroy(struct address_space *as);
void paging_switch(struct address_space *as);

/* Invalidates `va` on this CPU (other CPUs: see the shootdown in later work). */
void paging_flush(uintptr_t va);

/*
 * Maps `size` bytes of physical memory at `pa` (any alignment) into the
 * kernel virtual window with the given MAP_ flags and returns the virtual
 * address of `pa`, or NULL when the window or memory runs out.
 */
void *vmm_map_phys(paddr_t pa, size_t size, unsigned flags);
void vmm_unmap_phys(void *va, size_t size);

/*
 * Reserves `pages` pages of the kernel virtual window and backs them with
 * fresh zeroed frames. Returns NULL if memory runs out. vmm_free releases both.
 */
void *vmm_alloc(size_t pages);
void vmm_free(void *va, size_t pages);

/*
 * Like vmm_alloc, with one unmapped guard page below the returned block, so
 * a kernel stack that overflows faults instead of corrupting its neighbour.
 */
void *vmm_alloc_stack(size_t pages);
void vmm_free_stack(void *va, size_t pages);
