/*
 * x86_64 page-table entry bits and the per-CPU paging set-up: private to
 * arch/x86_64 (generic code uses arch/paging.h).
 */
#pragma once

#include <arch/paging.h>

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

/* Applies the per-CPU paging settings (PAT, NX, global pages) on this CPU. */
void paging_init_cpu(void);
