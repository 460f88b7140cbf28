/*
 * Interrupts for drivers: a builder for IRQ-ack programs (iris/abi/irq.h,
 * docs/irq-bytecode.md) with forward labels, binding, and the event queue.
 *
 *     struct drv_irq_prog p;
 *     drv_irq_prog_init(&p);
 *     int none = drv_irq_label(&p);
 *     drv_irq_read(&p, 0, 5, 0x08, 4);   // r0 = status register of BAR 5
 *     drv_irq_jz(&p, 0, none);           // not ours
 *     drv_irq_write(&p, 0, 5, 0x08, 4);  // ack what we saw
 *     drv_irq_capture(&p, 0, 0);
 *     drv_irq_claim(&p);
 *     drv_irq_place(&p, none);
 *     drv_irq_decline(&p);
 *     struct drv_irq q;
 *     drv_irq_bind(d, IRIS_IRQ_MSI, &p, &q);
 *
 * Mistakes in building (too many instructions, a label used but never
 * placed or placed twice) are remembered and make drv_irq_bind fail with
 * -EINVAL; the kernel's verifier has the last word and its refusal is
 * printed with the instruction it names.
 */
#pragma once

#include <iris/abi/irq.h>
#include <stdbool.h>
#include <stdint.h>

struct drv;

#define DRV_IRQ_LABELS_MAX 32

struct drv_irq_prog {
	struct iris_irq_insn insn[IRIS_IRQ_PROG_MAX];
	uint32_t len;
	uint32_t nlabels;
	int32_t label_at[DRV_IRQ_LABELS_MAX]; /* instruction a label stands for; -1: not placed */
	uint64_t jumps;                       /* bit i: insn[i] is a jump whose off is a label */
	bool broken;                          /* a building mistake (see above) */
};

void drv_irq_prog_init(struct drv_irq_prog *p);

/* A new forward label (place it later with drv_irq_place), or -1 when there are too many. */
int drv_irq_label(struct drv_irq_prog *p);

/* The next instruction added is where `label` jumps to. */
void drv_irq_place(struct drv_irq_prog *p, int label);

void drv_irq_read(struct drv_irq_prog *p, unsigned dst, unsigned bar, uint32_t off, unsigned width);
void drv_irq_write(struct drv_irq_prog *p, unsigned src, unsigned bar, uint32_t off,
                   unsigned width);
void drv_irq_write_imm(struct drv_irq_prog *p, unsigned bar, uint32_t off, unsigned width,
                       uint64_t imm);
void drv_irq_mov_imm(struct drv_irq_prog *p, unsigned dst, uint64_t imm);
void drv_irq_mov(struct drv_irq_prog *p, unsigned dst, unsigned src);
void drv_irq_and_imm(struct drv_irq_prog *p, unsigned dst, uint64_t imm);
void drv_irq_or_imm(struct drv_irq_prog *p, unsigned dst, uint64_t imm);
void drv_irq_shr_imm(struct drv_irq_prog *p, unsigned dst, unsigned shift);
void drv_irq_and(struct drv_irq_prog *p, unsigned dst, unsigned src);
void drv_irq_jz(struct drv_irq_prog *p, unsigned src, int label);
void drv_irq_jnz(struct drv_irq_prog *p, unsigned src, int label);
void drv_irq_jmp(struct drv_irq_prog *p, int label);
void drv_irq_capture(struct drv_irq_prog *p, unsigned slot, unsigned src);
void drv_irq_mask(struct drv_irq_prog *p);
void drv_irq_claim(struct drv_irq_prog *p);
void drv_irq_decline(struct drv_irq_prog *p);

/* A bound interrupt. */
struct drv_irq {
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
int drv_irq_bind(struct drv *d, uint32_t mode, struct drv_irq_prog *p, struct drv_irq *q);

/* drv_irq_bind for MSI-X table entry `vector` (one per queue, say); drv_irq_bind binds entry 0. */
int drv_irq_bind_vector(struct drv *d, uint32_t mode, uint32_t vector, struct drv_irq_prog *p,
                        struct drv_irq *q);

/*
 * Takes the next event into *ev: true, or false when the queue is empty.
 * *lost (may be NULL) becomes true when the kernel dropped events since
 * the last call (the queue was full): the driver must then look at the
 * device itself.
 */
bool drv_irq_next(struct drv_irq *q, struct iris_irq_event *ev, bool *lost);

/* Unmasks after the program's MASK, or masks for polling (IRIS_IRQ_UNMASK, _MASK). */
int drv_irq_control(struct drv_irq *q, unsigned op);
