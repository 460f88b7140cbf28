/*
 * Interrupts of user-mode drivers, shared by the kernel and userspace
 * (docs/irq-bytecode.md).
 *
 * Binding a device's interrupt (SYS_IRQ_BIND) hands the kernel an IRQ-ack
 * program: at most IRIS_IRQ_PROG_MAX instructions over eight 64-bit
 * registers. The kernel verifies it once and runs it in the interrupt
 * handler on every interrupt: it reads the device's status, acks it, CLAIMs
 * or DECLINEs the interrupt (a shared line), may ask for the line to be
 * masked, and captures up to four values. The kernel then pushes an event
 * into the IRQ object's queue (one page the driver maps with SYS_MAP) and
 * wakes whoever polls the IRQ handle for IRIS_POLL_IN.
 */
#pragma once

#include <stdint.h>

#define IRIS_IRQ_PROG_MAX 64 /* instructions */
#define IRIS_IRQ_REGS     8
#define IRIS_IRQ_VALUES   4 /* captured per event */

enum iris_irq_op {
	IRIS_IRQ_OP_READ = 1,  /* r[dst] = width bytes at BAR `bar` + `off` */
	IRIS_IRQ_OP_WRITE,     /* width bytes at BAR `bar` + `off` = r[src] */
	IRIS_IRQ_OP_WRITE_IMM, /* width bytes at BAR `bar` + `off` = imm (imm must fit in width) */
	IRIS_IRQ_OP_MOV_IMM,   /* r[dst] = imm */
	IRIS_IRQ_OP_MOV,       /* r[dst] = r[src] */
	IRIS_IRQ_OP_AND_IMM,   /* r[dst] &= imm */
	IRIS_IRQ_OP_OR_IMM,    /* r[dst] |= imm */
	IRIS_IRQ_OP_SHR_IMM,   /* r[dst] >>= imm (imm < 64) */
	IRIS_IRQ_OP_AND,       /* r[dst] &= r[src] */
	IRIS_IRQ_OP_JZ,        /* if r[src] == 0 go to instruction `off` (off > this one) */
	IRIS_IRQ_OP_JNZ,       /* if r[src] != 0 go to instruction `off` */
	IRIS_IRQ_OP_JMP,       /* go to instruction `off` */
	IRIS_IRQ_OP_CAPTURE,   /* event value[off] = r[src] (off < IRIS_IRQ_VALUES) */
	IRIS_IRQ_OP_MASK,      /* mask the interrupt if this run CLAIMs (SYS_IRQ_CONTROL unmasks) */
	IRIS_IRQ_OP_CLAIM,     /* end: the interrupt was this device's */
	IRIS_IRQ_OP_DECLINE,   /* end: it was not (a shared line) */
	IRIS_IRQ_OP_COUNT,
};

/* One instruction. Unused fields must be zero. */
struct iris_irq_insn {
	uint8_t op;    /* enum iris_irq_op */
	uint8_t dst;   /* register written */
	uint8_t src;   /* register read */
	uint8_t width; /* accesses: 1, 2, 4 or 8 bytes (ports: 1, 2, 4) */
	uint8_t bar;   /* accesses: the BAR of the bound device */
	uint8_t reserved[3];
	uint32_t off; /* accesses: offset in the BAR; jumps: target; CAPTURE: value index */
	uint32_t reserved2;
	uint64_t imm;
};

/* Why a program was refused (struct iris_irq_bind.error). */
enum iris_irq_error {
	IRIS_IRQ_OK = 0,
	IRIS_IRQ_ERR_EMPTY,     /* no instructions */
	IRIS_IRQ_ERR_TOO_LONG,  /* more than IRIS_IRQ_PROG_MAX */
	IRIS_IRQ_ERR_OPCODE,    /* unknown opcode */
	IRIS_IRQ_ERR_RESERVED,  /* a reserved or unused field is not zero */
	IRIS_IRQ_ERR_REGISTER,  /* register number out of range */
	IRIS_IRQ_ERR_UNINIT,    /* a register read before it is written on some path */
	IRIS_IRQ_ERR_JUMP,      /* a jump backwards, to itself or past the end */
	IRIS_IRQ_ERR_BAR,       /* the device has no such BAR */
	IRIS_IRQ_ERR_RANGE,     /* the access leaves the BAR */
	IRIS_IRQ_ERR_WIDTH,     /* width not 1/2/4/8 (ports 1/2/4) or offset misaligned */
	IRIS_IRQ_ERR_VALUE,     /* capture index or shift count out of range */
	IRIS_IRQ_ERR_NO_RESULT, /* a path runs off the end without CLAIM or DECLINE */
	IRIS_IRQ_ERR_COUNT,
};

/* SYS_IRQ_BIND's argument. */
struct iris_irq_bind {
	uint32_t mode;     /* IRIS_IRQ_INTX, _MSI or _MSIX (iris/abi/device.h) */
	uint32_t vector;   /* MSI-X table entry; 0 otherwise */
	uint64_t prog;     /* address of the instructions */
	uint32_t len;      /* instructions */
	uint32_t error;    /* out: enum iris_irq_error when refused (-EINVAL) */
	uint32_t error_at; /* out: the offending instruction (EMPTY: 0, TOO_LONG: IRIS_IRQ_PROG_MAX)
	                    */
	uint32_t reserved;
};

/* Operations of SYS_IRQ_CONTROL. */
#define IRIS_IRQ_MASK   1 /* stop interrupts (hybrid polling) */
#define IRIS_IRQ_UNMASK 2 /* allow them again (also after the program's MASK) */

/* The event queue: one page, the kernel produces, the driver consumes. */
#define IRIS_IRQ_QUEUE_SLOTS 32

struct iris_irq_event {
	uint64_t time_ns;                /* monotonic clock when the interrupt arrived */
	uint64_t value[IRIS_IRQ_VALUES]; /* what the program captured */
	uint32_t seq;                    /* interrupts claimed so far, this one included */
	uint32_t masked;                 /* the program masked the interrupt */
	uint64_t reserved[2];
};

struct iris_irq_queue {
	uint32_t tail;    /* written by the kernel: the next slot it fills */
	uint32_t dropped; /* events lost because the queue was full */
	uint32_t pad0[14];
	uint32_t head; /* written by the driver: the next slot it reads */
	uint32_t pad1[15];
	struct iris_irq_event event[IRIS_IRQ_QUEUE_SLOTS];
};

/* A refusal in words, for messages. */
static inline const char *iris_irq_strerror(uint32_t e)
{
	static const char *const text[IRIS_IRQ_ERR_COUNT] = {
		[IRIS_IRQ_OK] = "accepted",
		[IRIS_IRQ_ERR_EMPTY] = "empty program",
		[IRIS_IRQ_ERR_TOO_LONG] = "program too long",
		[IRIS_IRQ_ERR_OPCODE] = "unknown opcode",
		[IRIS_IRQ_ERR_RESERVED] = "reserved field not zero",
		[IRIS_IRQ_ERR_REGISTER] = "no such register",
		[IRIS_IRQ_ERR_UNINIT] = "register read before it is written",
		[IRIS_IRQ_ERR_JUMP] = "jump not strictly forward inside the program",
		[IRIS_IRQ_ERR_BAR] = "no such BAR on this device",
		[IRIS_IRQ_ERR_RANGE] = "access outside the BAR",
		[IRIS_IRQ_ERR_WIDTH] = "bad access width or alignment",
		[IRIS_IRQ_ERR_VALUE] = "capture slot or shift out of range",
		[IRIS_IRQ_ERR_NO_RESULT] = "a path ends without CLAIM or DECLINE",
	};
	return e < IRIS_IRQ_ERR_COUNT && text[e] ? text[e] : "unknown error";
}
