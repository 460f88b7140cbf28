/*
 * Interrupt delivery as generic code (obj/irq.c, sched/) sees it: vectors
 * with handlers, lines (GSIs) routed to them, message-signalled interrupts,
 * and the per-CPU timer tick. On x86_64 vectors live in the IDT, lines on
 * the IOAPICs, and messages and the tick on the local APICs.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct trap_frame;

/* Runs with interrupts off; tf->vector names the vector taken. */
typedef void (*irq_handler_t)(struct trap_frame *tf);

/* Claims a free device vector for `handler`; returns it, or 0 if all are taken. */
uint8_t irq_vector_alloc(irq_handler_t handler);

/*
 * Gives `vector` back. A message still in flight for it is acknowledged
 * and dropped with a warning.
 */
void irq_vector_free(uint8_t vector);

/* Signals the end of the interrupt being handled; every device vector handler calls it. */
void irq_eoi(void);

/*
 * Routes line `gsi` to `vector` on the boot CPU with the given trigger and
 * polarity, and unmasks it: allocate the vector first. Returns 0, or
 * -ENOENT if no interrupt controller serves the line, -EINVAL for a vector
 * that cannot be used.
 */
int irq_line_route(uint32_t gsi, uint8_t vector, bool level, bool active_low);

/* Masks or unmasks one routed line; 0 or -ENOENT. */
int irq_line_mask(uint32_t gsi);
int irq_line_unmask(uint32_t gsi);

/* The number of lines the interrupt controllers serve (GSIs 0 to this - 1). */
uint32_t irq_line_count(void);

/*
 * The line of ISA IRQ `isa_irq` (0-15) with its trigger and polarity, after
 * the firmware's overrides; or a negative errno.
 */
int irq_isa_line(uint8_t isa_irq, bool *level, bool *active_low);

/*
 * The address and data a PCI MSI or MSI-X message must carry to raise
 * `vector` on the boot CPU (edge triggered, fixed delivery).
 */
void irq_msi_message(uint8_t vector, uint64_t *addr, uint32_t *data);

/*
 * Installs a function every CPU's periodic timer interrupt calls after
 * counting the tick in its struct cpu (interrupts off while it runs).
 * NULL removes it.
 */
void irq_timer_set_hook(void (*fn)(void));
