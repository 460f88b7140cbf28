/* The IRQ-ack program builder, binding and the event queue (driver/irq.h). */
#include <driver/driver.h>
#include <driver/irq.h>
#include <errno.h>
#include <iris/sys.h>
#include <string.h>

#define PAGE_SIZE 4096u

void drv_irq_prog_init(struct drv_irq_prog *p)
{
	memset(p, 0, sizeof(*p));
}

static void emit(struct drv_irq_prog *p, struct iris_irq_insn insn)
{
	if (p->len >= IRIS_IRQ_PROG_MAX) {
		p->broken = true;
		return;
	}
	p->insn[p->len++] = insn;
}

int drv_irq_label(struct drv_irq_prog *p)
{
	if (p->nlabels >= DRV_IRQ_LABELS_MAX) {
		p->broken = true;
		return -1;
	}
	p->label_at[p->nlabels] = -1;
	return (int)p->nlabels++;
}

void drv_irq_place(struct drv_irq_prog *p, int label)
{
	if (label < 0 || (uint32_t)label >= p->nlabels || p->label_at[label] >= 0) {
		p->broken = true;
		return;
	}
	p->label_at[label] = (int32_t)p->len;
}

static void emit_access(struct drv_irq_prog *p, uint8_t op, unsigned reg, unsigned bar,
                        uint32_t off, unsigned width, uint64_t imm)
{
	struct iris_irq_insn i = {
		.op = op, .width = (uint8_t)width, .bar = (uint8_t)bar, .off = off, .imm = imm
	};
	if (op == IRIS_IRQ_OP_READ)
		i.dst = (uint8_t)reg;
	else if (op == IRIS_IRQ_OP_WRITE)
		i.src = (uint8_t)reg;
	emit(p, i);
}

void drv_irq_read(struct drv_irq_prog *p, unsigned dst, unsigned bar, uint32_t off, unsigned width)
{
	emit_access(p, IRIS_IRQ_OP_READ, dst, bar, off, width, 0);
}

void drv_irq_write(struct drv_irq_prog *p, unsigned src, unsigned bar, uint32_t off, unsigned width)
{
	emit_access(p, IRIS_IRQ_OP_WRITE, src, bar, off, width, 0);
}

void drv_irq_write_imm(struct drv_irq_prog *p, unsigned bar, uint32_t off, unsigned width,
                       uint64_t imm)
{
	emit_access(p, IRIS_IRQ_OP_WRITE_IMM, 0, bar, off, width, imm);
}

void drv_irq_mov_imm(struct drv_irq_prog *p, unsigned dst, uint64_t imm)
{
	emit(p,
	     (struct iris_irq_insn){ .op = IRIS_IRQ_OP_MOV_IMM, .dst = (uint8_t)dst, .imm = imm });
}

void drv_irq_mov(struct drv_irq_prog *p, unsigned dst, unsigned src)
{
	emit(p, (struct iris_irq_insn){
	                .op = IRIS_IRQ_OP_MOV, .dst = (uint8_t)dst, .src = (uint8_t)src });
}

void drv_irq_and_imm(struct drv_irq_prog *p, unsigned dst, uint64_t imm)
{
	emit(p,
	     (struct iris_irq_insn){ .op = IRIS_IRQ_OP_AND_IMM, .dst = (uint8_t)dst, .imm = imm });
}

void drv_irq_or_imm(struct drv_irq_prog *p, unsigned dst, uint64_t imm)
{
	emit(p,
	     (struct iris_irq_insn){ .op = IRIS_IRQ_OP_OR_IMM, .dst = (uint8_t)dst, .imm = imm });
}

void drv_irq_shr_imm(struct drv_irq_prog *p, unsigned dst, unsigned shift)
{
	emit(p, (struct iris_irq_insn){
	                .op = IRIS_IRQ_OP_SHR_IMM, .dst = (uint8_t)dst, .imm = shift });
}

void drv_irq_and(struct drv_irq_prog *p, unsigned dst, unsigned src)
{
	emit(p, (struct iris_irq_insn){
	                .op = IRIS_IRQ_OP_AND, .dst = (uint8_t)dst, .src = (uint8_t)src });
}

/* A jump whose `off` holds a label until drv_irq_bind resolves it. */
static void jump(struct drv_irq_prog *p, uint8_t op, unsigned src, int label)
{
	if (label < 0 || (uint32_t)label >= p->nlabels) {
		p->broken = true;
		return;
	}
	if (p->len < IRIS_IRQ_PROG_MAX)
		p->jumps |= 1ull << p->len;
	emit(p, (struct iris_irq_insn){ .op = op, .src = (uint8_t)src, .off = (uint32_t)label });
}

void drv_irq_jz(struct drv_irq_prog *p, unsigned src, int label)
{
	jump(p, IRIS_IRQ_OP_JZ, src, label);
}

void drv_irq_jnz(struct drv_irq_prog *p, unsigned src, int label)
{
	jump(p, IRIS_IRQ_OP_JNZ, src, label);
}

void drv_irq_jmp(struct drv_irq_prog *p, int label)
{
	jump(p, IRIS_IRQ_OP_JMP, 0, label);
}

void drv_irq_capture(struct drv_irq_prog *p, unsigned slot, unsigned src)
{
	emit(p,
	     (struct iris_irq_insn){ .op = IRIS_IRQ_OP_CAPTURE, .src = (uint8_t)src, .off = slot });
}

void drv_irq_mask(struct drv_irq_prog *p)
{
	emit(p, (struct iris_irq_insn){ .op = IRIS_IRQ_OP_MASK });
}

void drv_irq_claim(struct drv_irq_prog *p)
{
	emit(p, (struct iris_irq_insn){ .op = IRIS_IRQ_OP_CLAIM });
}

void drv_irq_decline(struct drv_irq_prog *p)
{
	emit(p, (struct iris_irq_insn){ .op = IRIS_IRQ_OP_DECLINE });
}

/* Replaces the labels of the jumps by instruction numbers. 0, or -EINVAL for a building mistake. */
static int resolve(struct drv_irq_prog *p)
{
	if (p->broken)
		return -EINVAL;
	for (uint32_t i = 0; i < p->len; i++) {
		if (!(p->jumps & (1ull << i)))
			continue;
		int32_t at = p->label_at[p->insn[i].off];
		if (at < 0)
			return -EINVAL;
		p->insn[i].off = (uint32_t)at;
	}
	p->jumps = 0;
	return 0;
}

int drv_irq_bind(struct drv *d, uint32_t mode, struct drv_irq_prog *p, struct drv_irq *q)
{
	return drv_irq_bind_vector(d, mode, 0, p, q);
}

int drv_irq_bind_vector(struct drv *d, uint32_t mode, uint32_t vector, struct drv_irq_prog *p,
                        struct drv_irq *q)
{
	int r = resolve(p);
	if (r < 0) {
		drv_error(d, "IRQ program badly built (too long, or a label not placed once)");
		return r;
	}
	struct iris_irq_bind bind = {
		.mode = mode, .vector = vector, .prog = (uint64_t)(uintptr_t)p->insn, .len = p->len
	};
	long h = sys_irq_bind(d->device, &bind);
	if (h < 0) {
		if (h == -EINVAL && bind.error != IRIS_IRQ_OK)
			drv_error(d, "IRQ program refused at instruction %u: %s", bind.error_at,
			          iris_irq_strerror(bind.error));
		return (int)h;
	}
	long addr =
	        sys_map(NULL, PAGE_SIZE, IRIS_PROT_READ | IRIS_PROT_WRITE, 0, (iris_handle_t)h, 0);
	if (addr < 0) {
		sys_handle_close((iris_handle_t)h);
		return (int)addr;
	}
	q->handle = (iris_handle_t)h;
	q->mode = mode;
	q->queue = (struct iris_irq_queue *)addr;
	q->head = __atomic_load_n(&q->queue->head, __ATOMIC_RELAXED);
	q->dropped = __atomic_load_n(&q->queue->dropped, __ATOMIC_RELAXED);
	return 0;
}

bool drv_irq_next(struct drv_irq *q, struct iris_irq_event *ev, bool *lost)
{
	uint32_t dropped = __atomic_load_n(&q->queue->dropped, __ATOMIC_RELAXED);
	if (lost && dropped != q->dropped)
		*lost = true;
	q->dropped = dropped;
	uint32_t tail = __atomic_load_n(&q->queue->tail, __ATOMIC_ACQUIRE);
	if (tail == q->head)
		return false;
	if (tail - q->head > IRIS_IRQ_QUEUE_SLOTS) { /* cannot happen: resynchronise */
		q->head = tail - IRIS_IRQ_QUEUE_SLOTS;
		if (lost)
			*lost = true;
	}
	*ev = q->queue->event[q->head % IRIS_IRQ_QUEUE_SLOTS];
	q->head++;
	__atomic_store_n(&q->queue->head, q->head, __ATOMIC_RELEASE);
	return true;
}

int drv_irq_control(struct drv_irq *q, unsigned op)
{
	return (int)sys_irq_control(q->handle, op);
}
