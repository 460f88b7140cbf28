/*
 * QEMU's `edu` teaching device (PCI 1234:11e8), as the device test and the
 * interrupt benchmark use it: registers of its 1 MiB BAR0 and the IRQ-ack
 * program that acknowledges it (iris/abi/irq.h).
 */
#pragma once

#include <iris/abi/irq.h>
#include <stdint.h>

#define EDU_VENDOR     0x1234
#define EDU_DEVICE     0x11e8
#define EDU_ID         0x00
#define EDU_LIVENESS   0x04
#define EDU_FACTORIAL  0x08
#define EDU_STATUS     0x20 /* bit 7: interrupt when the factorial is done */
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE  0x60
#define EDU_IRQ_ACK    0x64
#define EDU_DMA_SRC    0x80
#define EDU_DMA_DST    0x88
#define EDU_DMA_COUNT  0x90
#define EDU_DMA_CMD    0x98
#define EDU_DMA_BUF    0x40000

static inline struct iris_irq_insn edu_insn(uint8_t op, uint8_t dst, uint8_t src, uint8_t width,
                                            uint32_t off, uint64_t imm)
{
	struct iris_irq_insn in = {
		.op = op, .dst = dst, .src = src, .width = width, .off = off, .imm = imm
	};
	return in;
}

/*
 * The ack program, into p[0..6): r0 = IRQ_STATUS; zero: decline; else write
 * it to IRQ_ACK, capture it as value 0 and claim. Returns its length.
 */
static inline uint32_t edu_ack_program(struct iris_irq_insn *p)
{
	p[0] = edu_insn(IRIS_IRQ_OP_READ, 0, 0, 4, EDU_IRQ_STATUS, 0);
	p[1] = edu_insn(IRIS_IRQ_OP_JZ, 0, 0, 0, 5, 0);
	p[2] = edu_insn(IRIS_IRQ_OP_WRITE, 0, 0, 4, EDU_IRQ_ACK, 0);
	p[3] = edu_insn(IRIS_IRQ_OP_CAPTURE, 0, 0, 0, 0, 0);
	p[4] = edu_insn(IRIS_IRQ_OP_CLAIM, 0, 0, 0, 0, 0);
	p[5] = edu_insn(IRIS_IRQ_OP_DECLINE, 0, 0, 0, 0, 0);
	return 6;
}
