/*
 * Bound device interrupts (iris/abi/irq.h, docs/irq-bytecode.md). Binding
 * verifies the driver's IRQ-ack program against the BARs of its device and
 * routes the interrupt (MSI, MSI-X, or the INTx line through the interrupt controller,
 * possibly shared) to a vector. On each interrupt the kernel runs the
 * program in the handler; a claim pushes an event into the IRQ object's
 * queue page and wakes whoever polls the IRQ handle.
 */
#pragma once

#include <common/list.h>
#include <iris/abi/irq.h>
#include <obj/object.h>
#include <obj/vmo.h>
#include <obj/waitable.h>
#include <sched/ktimer.h>
#include <stdbool.h>
#include <stdint.h>

struct device;

struct irq_obj {
	struct kobject obj; /* KOBJ_IRQ */
	struct device *dev;
	struct list_head dev_link; /* in dev->irqs while bound */
	uint32_t mode;             /* IRIS_IRQ_MSI, _MSIX, _INTX */
	uint8_t vector;
	uint32_t gsi;                 /* INTX */
	uint16_t msix_entry;          /* MSIX */
	volatile uint32_t *msix_regs; /* MSIX: its table entry (kernel mapping, dev/msi.h) */
	void *msix_map;               /* MSIX: the mapped table page */
	struct irq_obj *next_shared;  /* INTX: the next program on the same line */
	bool bound;
	bool masked;
	uint32_t len;
	struct iris_irq_insn prog[IRIS_IRQ_PROG_MAX];
	volatile uint8_t *bar_map[6]; /* kernel windows for the memory BARs the program touches */
	uint64_t bar_lo[6];           /* offset of bar_map[i] inside BAR i */
	size_t bar_len[6];
	struct vmo *queue;        /* one page: struct iris_irq_queue */
	struct iris_irq_queue *q; /* the same page, kernel view */
	uint32_t tail;            /* the kernel's copy: never read back from the page */
	uint32_t seq;
	uint64_t fired, claimed;
	struct waitable w; /* IN: events queued; HUP: unbound */
};

static inline struct irq_obj *irq_from(struct kobject *o)
{
	return (struct irq_obj *)o;
}

/*
 * Verifies `prog` and binds the interrupt of `d` in bind->mode. Returns 0
 * and a new object (reference) in *out; -EINVAL with bind->error/error_at
 * set for a refused program; -ENOTSUP for a mode the device lacks; -EBUSY if
 * that interrupt is bound already; -ENOSPC without a free vector; -ENOMEM.
 */
int irq_bind(struct device *d, struct iris_irq_bind *bind, const struct iris_irq_insn *prog,
             struct irq_obj **out);

/* IRIS_IRQ_MASK or IRIS_IRQ_UNMASK. */
int irq_control(struct irq_obj *irq, unsigned op);

/* Unbinds every interrupt of `d` (its last handle closed): masked, vectors freed, HUP. */
void irq_unbind_device(struct device *d);
