/*
 * Per-CPU data. Each CPU's GS base points at its struct cpu, whose first
 * field points at itself, so cpu_current() is one load.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <x86_64/gdt.h>

#define MAX_CPUS 64

struct cpu {
	struct cpu *self;            /* must stay first: read through %gs:0 */
	uint32_t id;                 /* dense index, 0 = the bootstrap processor */
	uint32_t apic_id;            /* local APIC id from the MADT */
	bool online;                 /* set by the CPU itself once it runs C code */
	uintptr_t kstack_top;        /* this CPU's boot/idle kernel stack */
	struct gdt_block gdt;        /* this CPU's GDT and TSS */
	uint64_t lapic_ticks_per_ms; /* LAPIC timer rate after calibration */
	volatile uint64_t ticks;     /* LAPIC timer interrupts taken */
};

extern struct cpu cpus[MAX_CPUS];
extern unsigned cpu_count; /* CPUs described by firmware (online or not) */

static inline struct cpu *cpu_current(void)
{
	struct cpu *c;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

/* Points GS at `c` on the calling CPU. */
void percpu_install(struct cpu *c);
