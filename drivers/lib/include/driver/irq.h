/*
 * Interrupts for drivers: a builder for IRQ-ack programs (iris/abi/irq.h,
 * docs/irq-bytecode.md) with forward labels, binding, and the event queue.
 *
 *     struct irq_prog p;
 *     irq_prog_init(&p);
 *     int none = irq_label(&p);
 *     irq_read(&p, 0, 5, 0x08, 4);       // r0 = status register of BAR 5
 *     irq_jz(&p, 0, none);               // not ours
 *     irq_write(&p, 0, 5, 0x08, 4);      // ack what we saw
 *     irq_capture(&p, 0, 0);
 *     irq_claim(&p);
 *     irq_place(&p, none);
 *     irq_decline(&p);
 *     struct irq q;
 *     irq_bind(d, IRIS_IRQ_MSI, &p, &q);
 *
 * Mistakes in building (too many instructions, a label used but never
 * placed or placed twice) are remembered and make irq_bind fail with
 * -EINVAL; the kernel's verifier has the last word and its refusal is
 * printed with the instruction it names.
 */
#pragma once

#include <iris/abi/irq.h>
#include <stdbool.h>
#include <stdint.h>

struct driver;

#define IRQ_LABELS_MAX 32

struct irq_prog {
	struct iris_irq_insn insn[IRIS_IRQ_PROG_MAX];
	uint32_t len;
	uint32_t nlabels;
	int32_t label_at[IRQ_LABELS_MAX]; /* instruction a label stands for; -1: not placed */
	uint64_t jumps;                   /* bit i: insn[i] is a jump whose off is a label */
	bool broken;                      /* a building mistake (see above) */
};

void irq_prog_init(struct irq_prog *p);

/* A new forward label (place it later with irq_place), or -1 when there are too many. */
int irq_label(struct irq_prog *p);

/* The next instruction added is where `label` jumps to. */
void irq_place(struct irq_prog *p, int label);

void irq_read(struct irq_prog *p, unsigned dst, unsigned bar, uint32_t off, unsigned width);
void irq_write(struct irq_prog *p, unsigned src, unsigned bar, uint32_t off, unsigned width);
void irq_write_imm(struct irq_prog *p, unsigned bar, uint32_t off, unsigned width, uint64_t imm);
void irq_mov_imm(struct irq_prog *p, unsigned dst, uint64_t imm);
void irq_mov(struct irq_prog *p, unsigned dst, unsigned src);
void irq_and_imm(struct irq_prog *p, unsigned dst, uint64_t imm);
void irq_or_imm(struct irq_prog *p, unsigned dst, uint64_t imm);
void irq_shr_imm(struct irq_prog *p, unsigned dst, unsigned shift);
void irq_and(struct irq_prog *p, unsigned dst, unsigned src);
void irq_jz(struct irq_prog *p, unsigned src, int label);
void irq_jnz(struct irq_prog *p, unsigned src, int label);
void irq_jmp(struct irq_prog *p, int label);
void irq_capture(struct irq_prog *p, unsigned slot, unsigned src);
void irq_mask(struct irq_prog *p);
void irq_claim(struct irq_prog *p);
void irq_decline(struct irq_prog *p);

/* A bound interrupt. */
struct irq {
	iris_handle_t handle;
	uint32_t mode;
	struct iris_irq_queue *queue; /* mapped: the kernel fills it */
	uint32_t head;                /* the next event to read (ours; stored to queue->head) */
	uint32_t dropped;             /* queue->dropped when last looked at */
};

/*
 * Resolves the labels and binds the device's interrupt in `mode`
 * (IRIS_IRQ_MSI, _MSIX, _INTX) with the program, then maps its event queue.
 * A refused program is reported on the console with the kernel's reason
 * and instruction. 0 or a negative errno.
 */
int irq_bind(struct driver *d, uint32_t mode, struct irq_prog *p, struct irq *q);

/*
 * Takes the next event into *ev: true, or false when the queue is empty.
 * *lost (may be NULL) becomes true when the kernel dropped events since
 * the last call (the queue was full): the driver must then look at the
 * device itself.
 */
bool irq_next(struct irq *q, struct iris_irq_event *ev, bool *lost);

/* Unmasks after the program's MASK, or masks for polling (IRIS_IRQ_UNMASK, _MASK). */
int irq_control(struct irq *q, unsigned op);
