/*
 * The kernel's virtual address layout (the upper half; userspace owns the
 * lower half):
 *
 *   0xffff800000000000  direct map of all physical memory (HHDM), up to 64 TiB
 *   0xffffc00000000000  kernel virtual window: large heap blocks, MMIO mappings
 *   0xffffffff80000000  the kernel image (linked here, -mcmodel=kernel)
 */
#pragma once

#include <stdint.h>

#define HHDM_BASE      0xffff800000000000ull
#define HHDM_SIZE      (64ull << 40)
#define KVWIN_BASE     0xffffc00000000000ull
#define KVWIN_SIZE     (1ull << 40)
#define KERNEL_VMA     0xffffffff80000000ull
#define USER_SPACE_END 0x0000800000000000ull

/* Translates a physical address into its alias in the direct map. */
static inline void *phys_to_virt(uint64_t phys)
{
	return (void *)(uintptr_t)(phys + HHDM_BASE);
}

/* Translates a direct-map address back to physical. */
static inline uint64_t virt_to_phys(const void *virt)
{
	return (uint64_t)(uintptr_t)virt - HHDM_BASE;
}

/* Translates the address of something in the kernel image to physical. */
static inline uint64_t kernel_to_phys(const void *virt)
{
	return (uint64_t)(uintptr_t)virt - KERNEL_VMA;
}
