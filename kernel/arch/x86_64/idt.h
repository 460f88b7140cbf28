/*
 * Interrupt and exception entry. Vectors 0-31 are CPU exceptions, 32-47 are
 * left unused (the legacy PIC is masked), 48 and up are handed out to
 * device interrupts and inter-processor interrupts.
 */
#pragma once

#include <arch/cpu.h>
#include <arch/irq.h>
#include <stdint.h>

#define VEC_FIRST_DYNAMIC 48
#define VEC_LAPIC_TIMER   0xf0
#define VEC_IPI_RESCHED   0xfc
#define VEC_IPI_STOP      0xfd
#define VEC_IPI_CALL      0xfe
#define VEC_SPURIOUS      0xff

/* Loads the IDT on the calling CPU (the table itself is shared). */
void idt_init(void);
void idt_load(void);

/* Routes `vector` (>= 32) to `handler`; called with interrupts on or off. */
void idt_set_handler(uint8_t vector, irq_handler_t handler);

/* Claims a free vector >= VEC_FIRST_DYNAMIC for `handler`; returns 0 if all are taken. */
uint8_t idt_alloc_vector(irq_handler_t handler);

/* Called by isr.S for every trap with the saved registers. */
void trap_dispatch(struct trap_frame *tf);
