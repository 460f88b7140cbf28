/*
 * Per-CPU data: one struct cpu per processor, cpu_current() for the calling
 * one. On x86_64 each CPU's GS base points at its struct cpu, whose first
 * field points at itself, so cpu_current() is one load. The fields below
 * `online` belong to the arch code.
 */
#pragma once

#define MAX_CPUS 64

/* Offsets the assembly entry paths use (static_assert'ed in percpu.c). */
#define CPU_OFF_KERNEL_RSP 8
#define CPU_OFF_USER_RSP   16

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

struct thread;
struct runqueue;
struct gdt_block;

struct cpu {
	struct cpu *self;            /* must stay first: read through %gs:0 */
	uint64_t kernel_rsp;         /* top of the running thread's kernel stack (syscall entry) */
	uint64_t user_rsp;           /* scratch: user rsp during syscall entry */
	struct thread *current;      /* the thread running here */
	struct thread *idle;         /* this CPU's idle thread */
	struct runqueue *rq;         /* this CPU's run queue */
	volatile bool need_resched;  /* the running thread should give the CPU up */
	uint32_t id;                 /* dense index, 0 = the bootstrap processor */
	uint32_t apic_id;            /* local APIC id from the MADT */
	bool online;                 /* set by the CPU itself once it runs C code */
	volatile bool stopped;       /* parked for good by smp_stop_others() */
	uintptr_t kstack_top;        /* this CPU's boot/idle kernel stack */
	struct gdt_block *gdt;       /* this CPU's GDT and TSS (gdt.c) */
	uint64_t lapic_ticks_per_ms; /* LAPIC timer rate after calibration */
	volatile uint64_t ticks;     /* LAPIC timer interrupts taken */
	const void *iomap_owner;     /* the struct ioperm copied into gdt->iomap (ioperm.c) */
	uint64_t iomap_gen;          /* and its generation then */
};

/* Every CPU, cpus[0] the bootstrap processor; cpu_count of them are described by firmware. */
extern struct cpu cpus[MAX_CPUS];
extern unsigned cpu_count; /* CPUs described by firmware (online or not) */

/* The calling CPU's struct cpu; valid from arch_early_init() on (the BSP) or its bring-up. */
static inline struct cpu *cpu_current(void)
{
	struct cpu *c;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

/* Makes `c` the calling CPU's struct cpu (arch bring-up only). */
void percpu_install(struct cpu *c);
#endif
