/*
 * Segmentation in long mode: a per-CPU GDT with kernel and user code/data
 * descriptors and the TSS, which holds the interrupt stacks (IST).
 */
#pragma once

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_USER_DATA   0x18 /* sysret expects user data right before user code */
#define GDT_USER_CODE   0x20
#define GDT_TSS         0x28

/* Interrupt stacks in the TSS (1-based as the IDT encodes them). */
#define IST_DOUBLE_FAULT  1
#define IST_NMI           2
#define IST_MACHINE_CHECK 3

#ifndef __ASSEMBLER__
#include <stdint.h>

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct gdt_block {
	uint64_t entries[7];
	struct tss tss;
	uint8_t iomap[65536 / 8 + 1]; /* the I/O permission bitmap and its closing 0xff byte */
} __attribute__((aligned(16)));

struct cpu;
/* Builds and loads the GDT and TSS of `c` on the calling CPU. */
void gdt_init_cpu(struct cpu *c);
#endif
