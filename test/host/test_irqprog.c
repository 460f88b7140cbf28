/*
 * Host tests of the IRQ-ack bytecode (common/src/irqprog.c): accepted
 * programs run against a fake device whose accessors check every access, and
 * a rejection suite where every case checks the exact error and the index of
 * the offending instruction. Programs live in arrays of exactly their length,
 * so AddressSanitizer catches any read past the end.
 *
 * clang -std=c11 -Wall -Wextra -Werror -g -fsanitize=address,undefined -fno-sanitize-recover=all \
 *   -I common/include -I include -I test/host test/host/test_irqprog.c \
 *   common/src/irqprog.c -o /tmp/t && /tmp/t
 */
#include "check.h"
#include <common/irqprog.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

/* Instructions, each with exactly the fields its opcode uses. */
#define READ(d, b, o, w)                                                                 \
	{                                                                                \
		.op = IRIS_IRQ_OP_READ, .dst = (d), .bar = (b), .off = (o), .width = (w) \
	}
#define WRITE(s, b, o, w)                                                                 \
	{                                                                                 \
		.op = IRIS_IRQ_OP_WRITE, .src = (s), .bar = (b), .off = (o), .width = (w) \
	}
#define WRITE_IMM(b, o, w, v)                                                                 \
	{                                                                                     \
		.op = IRIS_IRQ_OP_WRITE_IMM, .bar = (b), .off = (o), .width = (w), .imm = (v) \
	}
#define MOV_IMM(d, v)                                             \
	{                                                         \
		.op = IRIS_IRQ_OP_MOV_IMM, .dst = (d), .imm = (v) \
	}
#define MOV(d, s)                                             \
	{                                                     \
		.op = IRIS_IRQ_OP_MOV, .dst = (d), .src = (s) \
	}
#define ALU_IMM(o, d, v)                          \
	{                                         \
		.op = (o), .dst = (d), .imm = (v) \
	}
#define AND(d, s)                                             \
	{                                                     \
		.op = IRIS_IRQ_OP_AND, .dst = (d), .src = (s) \
	}
#define JUMP(o, s, t)                             \
	{                                         \
		.op = (o), .src = (s), .off = (t) \
	}
#define JMP(t)                                    \
	{                                         \
		.op = IRIS_IRQ_OP_JMP, .off = (t) \
	}
#define CAPTURE(i, s)                                             \
	{                                                         \
		.op = IRIS_IRQ_OP_CAPTURE, .off = (i), .src = (s) \
	}
#define OP(o)             \
	{                 \
		.op = (o) \
	}
#define CLAIM   OP(IRIS_IRQ_OP_CLAIM)
#define DECLINE OP(IRIS_IRQ_OP_DECLINE)
#define MASK    OP(IRIS_IRQ_OP_MASK)

/* Verifies the instructions given; checks the error and where it was found. */
#define VERIFY(bars, err, at, ...)                                                 \
	do {                                                                       \
		const struct iris_irq_insn prog_[] = { __VA_ARGS__ };              \
		uint32_t at_ = 0xdeadbeef;                                         \
		CHECK(irqprog_verify(prog_, COUNT(prog_), (bars), &at_) == (err)); \
		CHECK(at_ == (at));                                                \
	} while (0)

#define AHCI_BAR   5
#define AHCI_SIZE  0x1000
#define AHCI_IS    0x08  /* GHC.IS: which ports interrupt, write 1 to clear */
#define AHCI_P0IS  0x110 /* port 0's PxIS, write 1 to clear */
#define UART_BAR   0
#define UART_PORTS 8
#define UART_IER   1
#define UART_IIR   2 /* bit 0 set: nothing pending; bits 1-3: why */
#define UART_LSR   5

/* An AHCI-like function: BAR5 MMIO; an unused port BAR0 of 8 ports too. */
static const struct irqprog_bar ahci_bars[IRIS_PCI_BARS] = {
	[0] = { IRIS_BAR_PORT, 8 },
	[AHCI_BAR] = { IRIS_BAR_MMIO, AHCI_SIZE },
};
/* A UART-like function: eight ports in BAR0 and nothing else. */
static const struct irqprog_bar uart_bars[IRIS_PCI_BARS] = {
	[UART_BAR] = { IRIS_BAR_PORT, UART_PORTS },
};

struct access {
	bool write;
	unsigned bar, width;
	uint32_t off;
	uint64_t value;
};

/* Registers as little-endian bytes per BAR, plus what was done to them. */
struct fake_dev {
	const struct irqprog_bar *bars;
	uint8_t mem[IRIS_PCI_BARS][AHCI_SIZE];
	uint64_t garbage; /* reads return it above their width */
	struct access log[16];
	unsigned nlog;
};

static bool fake_inside(struct fake_dev *dev, unsigned bar, uint32_t off, unsigned width)
{
	bool ok = bar < IRIS_PCI_BARS && dev->bars[bar].kind != IRIS_BAR_NONE &&
	          (width == 1 || width == 2 || width == 4 ||
	           (width == 8 && dev->bars[bar].kind == IRIS_BAR_MMIO)) &&
	          off % width == 0 && (uint64_t)off + width <= dev->bars[bar].size &&
	          off + width <= AHCI_SIZE && dev->nlog < COUNT(dev->log);
	CHECK(ok);
	return ok;
}

static uint64_t fake_load(struct fake_dev *dev, unsigned bar, uint32_t off, unsigned width)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < width; i++)
		v |= (uint64_t)dev->mem[bar][off + i] << (8 * i);
	return v;
}

static void fake_store(struct fake_dev *dev, unsigned bar, uint32_t off, unsigned width, uint64_t v)
{
	for (unsigned i = 0; i < width; i++)
		dev->mem[bar][off + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t fake_read(void *ctx, unsigned bar, uint32_t off, unsigned width)
{
	struct fake_dev *dev = ctx;
	if (!fake_inside(dev, bar, off, width))
		return 0;
	uint64_t v = fake_load(dev, bar, off, width);
	dev->log[dev->nlog++] = (struct access){ false, bar, width, off, v };
	return width < 8 ? v | dev->garbage << (8 * width) : v;
}

/* AHCI's status registers are write-1-to-clear; everything else is plain. */
static void fake_write(void *ctx, unsigned bar, uint32_t off, unsigned width, uint64_t value)
{
	struct fake_dev *dev = ctx;
	if (!fake_inside(dev, bar, off, width))
		return;
	dev->log[dev->nlog++] = (struct access){ true, bar, width, off, value };
	if (dev->bars == ahci_bars && bar == AHCI_BAR && (off == AHCI_IS || off == AHCI_P0IS))
		value = fake_load(dev, bar, off, width) & ~value;
	fake_store(dev, bar, off, width, value);
}

static void fake_init(struct fake_dev *dev, const struct irqprog_bar *bars)
{
	memset(dev, 0, sizeof(*dev));
	dev->bars = bars;
}

static void fake_run(struct fake_dev *dev, const struct iris_irq_insn *prog, uint32_t len,
                     struct irqprog_result *out)
{
	struct irqprog_io io = { fake_read, fake_write, dev };
	dev->nlog = 0;
	memset(out, 0xa5, sizeof(*out)); /* the interpreter must set every field */
	irqprog_run(prog, len, &io, out);
}

static bool logged(const struct access *a, bool write, unsigned bar, uint32_t off, unsigned width,
                   uint64_t value)
{
	return a->write == write && a->bar == bar && a->off == off && a->width == width &&
	       a->value == value;
}

/* Read GHC.IS, decline if zero, ack it and port 0's PxIS, capture both, claim. */
static void test_ahci(void)
{
	const struct iris_irq_insn prog[] = {
		READ(0, AHCI_BAR, AHCI_IS, 4),
		JUMP(IRIS_IRQ_OP_JZ, 0, 8),
		WRITE(0, AHCI_BAR, AHCI_IS, 4),
		CAPTURE(0, 0),
		READ(1, AHCI_BAR, AHCI_P0IS, 4), /* and port 0's own status */
		WRITE(1, AHCI_BAR, AHCI_P0IS, 4),
		CAPTURE(1, 1),
		CLAIM,
		DECLINE,
	};
	static struct fake_dev dev;
	struct irqprog_result res;
	uint32_t at = 0;

	CHECK(irqprog_verify(prog, COUNT(prog), ahci_bars, &at) == IRIS_IRQ_OK);
	CHECK(at == COUNT(prog));
	fake_init(&dev, ahci_bars);

	/* Not this device's interrupt. */
	fake_run(&dev, prog, COUNT(prog), &res);
	CHECK(!res.claimed && !res.mask && res.steps == 3);
	CHECK(res.value[0] == 0 && res.value[1] == 0 && res.value[2] == 0 && res.value[3] == 0);
	CHECK(dev.nlog == 1 && logged(&dev.log[0], false, AHCI_BAR, AHCI_IS, 4, 0));

	/* Port 0 interrupts with a D2H FIS (bit 0) and a set-device-bits FIS (bit 3). */
	fake_store(&dev, AHCI_BAR, AHCI_IS, 4, 0x1);
	fake_store(&dev, AHCI_BAR, AHCI_P0IS, 4, 0x9);
	dev.garbage = 0xffffffff; /* bits above the 4-byte width are dropped */
	fake_run(&dev, prog, COUNT(prog), &res);
	CHECK(res.claimed && !res.mask && res.steps == 8);
	CHECK(res.value[0] == 0x1 && res.value[1] == 0x9 && res.value[2] == 0 && res.value[3] == 0);
	CHECK(dev.nlog == 4);
	CHECK(logged(&dev.log[1], true, AHCI_BAR, AHCI_IS, 4, 0x1));
	CHECK(logged(&dev.log[3], true, AHCI_BAR, AHCI_P0IS, 4, 0x9));
	CHECK(fake_load(&dev, AHCI_BAR, AHCI_IS, 4) == 0);
	CHECK(fake_load(&dev, AHCI_BAR, AHCI_P0IS, 4) == 0);

	/* Exactly the example of docs/irq-bytecode.md. */
	const struct iris_irq_insn doc[] = {
		READ(0, AHCI_BAR, AHCI_IS, 4),
		JUMP(IRIS_IRQ_OP_JZ, 0, 5),
		WRITE(0, AHCI_BAR, AHCI_IS, 4),
		CAPTURE(0, 0),
		CLAIM,
		DECLINE,
	};
	CHECK(irqprog_verify(doc, COUNT(doc), ahci_bars, &at) == IRIS_IRQ_OK);
	fake_run(&dev, doc, COUNT(doc), &res);
	CHECK(!res.claimed && res.steps == 3);
	fake_store(&dev, AHCI_BAR, AHCI_IS, 4, 0x30);
	fake_run(&dev, doc, COUNT(doc), &res);
	CHECK(res.claimed && res.steps == 5 && res.value[0] == 0x30);
	CHECK(fake_load(&dev, AHCI_BAR, AHCI_IS, 4) == 0);
}

/* A 16550-like UART: decline unless IIR says pending; else capture, disable, mask, claim. */
static void test_uart(void)
{
	const struct iris_irq_insn prog[] = {
		READ(0, UART_BAR, UART_IIR, 1),
		MOV(1, 0),
		ALU_IMM(IRIS_IRQ_OP_AND_IMM, 1, 1),
		JUMP(IRIS_IRQ_OP_JNZ, 1, 11),
		ALU_IMM(IRIS_IRQ_OP_SHR_IMM, 0, 1), /* the cause: IIR bits 1-3 */
		CAPTURE(2, 0),
		READ(2, UART_BAR, UART_LSR, 1),
		CAPTURE(3, 2),
		WRITE_IMM(UART_BAR, UART_IER, 1, 0), /* the driver enables it again */
		MASK,
		CLAIM,
		DECLINE,
	};
	static struct fake_dev dev;
	struct irqprog_result res;
	uint32_t at = 0;

	CHECK(irqprog_verify(prog, COUNT(prog), uart_bars, &at) == IRIS_IRQ_OK);
	CHECK(at == COUNT(prog));
	fake_init(&dev, uart_bars);

	fake_store(&dev, UART_BAR, UART_IIR, 1, 0x1);
	fake_run(&dev, prog, COUNT(prog), &res);
	CHECK(!res.claimed && !res.mask && res.steps == 5 && dev.nlog == 1);

	fake_store(&dev, UART_BAR, UART_IIR, 1, 0xc4); /* received data, FIFOs on */
	fake_store(&dev, UART_BAR, UART_LSR, 1, 0x61);
	fake_store(&dev, UART_BAR, UART_IER, 1, 0x01);
	dev.garbage = 0xff;
	fake_run(&dev, prog, COUNT(prog), &res);
	CHECK(res.claimed && res.mask && res.steps == 11);
	CHECK(res.value[0] == 0 && res.value[1] == 0 && res.value[2] == 0x62 &&
	      res.value[3] == 0x61);
	CHECK(dev.nlog == 3 && logged(&dev.log[2], true, UART_BAR, UART_IER, 1, 0));
	CHECK(fake_load(&dev, UART_BAR, UART_IER, 1) == 0);
}

/* Every ALU operation and the widest access, checked against computed values. */
static void test_alu(void)
{
	const struct irqprog_bar bars[IRIS_PCI_BARS] = { [2] = { IRIS_BAR_MMIO, 16 } };
	const struct iris_irq_insn prog[] = {
		READ(3, 2, 8, 8),
		MOV_IMM(4, 0xff00ff00ff00ff00ull),
		AND(4, 3),
		ALU_IMM(IRIS_IRQ_OP_OR_IMM, 4, 0x5),
		ALU_IMM(IRIS_IRQ_OP_SHR_IMM, 4, 63), /* the top bit */
		MOV(7, 3),
		ALU_IMM(IRIS_IRQ_OP_AND_IMM, 7, 0xffff),
		CAPTURE(0, 4),
		CAPTURE(1, 7),
		CAPTURE(3, 3),
		WRITE(3, 2, 0, 8),
		WRITE_IMM(2, 0, 2, 0xbeef),
		MASK,
		MASK,
		CLAIM,
	};
	static struct fake_dev dev;
	struct irqprog_result res;
	uint32_t at = 0;

	CHECK(irqprog_verify(prog, COUNT(prog), bars, &at) == IRIS_IRQ_OK);
	fake_init(&dev, bars);
	fake_store(&dev, 2, 8, 8, 0x8123456789abcdefull);
	fake_run(&dev, prog, COUNT(prog), &res);
	CHECK(res.claimed && res.mask && res.steps == COUNT(prog));
	CHECK(res.value[0] == 1 && res.value[1] == 0xcdef && res.value[2] == 0 &&
	      res.value[3] == 0x8123456789abcdefull);
	CHECK(fake_load(&dev, 2, 0, 8) == 0x8123456789abbeefull);
}

/* The longest program, and registers written on every path but differently. */
static void test_accepted_edges(void)
{
	struct iris_irq_insn longest[IRIS_IRQ_PROG_MAX];
	const struct iris_irq_insn mov = MOV_IMM(0, 1), claim = CLAIM;
	static struct fake_dev dev;
	struct irqprog_result res;
	uint32_t at = 0;

	for (unsigned i = 0; i < IRIS_IRQ_PROG_MAX - 1; i++)
		longest[i] = mov;
	longest[IRIS_IRQ_PROG_MAX - 1] = claim;
	CHECK(irqprog_verify(longest, IRIS_IRQ_PROG_MAX, uart_bars, &at) == IRIS_IRQ_OK);
	fake_init(&dev, uart_bars);
	fake_run(&dev, longest, IRIS_IRQ_PROG_MAX, &res);
	CHECK(res.claimed && res.steps == IRIS_IRQ_PROG_MAX);

	/* r1 is written on both arms of the branch, differently: its read at 5 is fine. */
	const struct iris_irq_insn arms[] = {
		READ(0, 0, 0, 1),
		JUMP(IRIS_IRQ_OP_JZ, 0, 4),
		MOV_IMM(1, 1),
		JMP(5),
		MOV_IMM(1, 2),
		CAPTURE(0, 1),
		CLAIM,
	};
	CHECK(irqprog_verify(arms, COUNT(arms), uart_bars, &at) == IRIS_IRQ_OK);
	fake_run(&dev, arms, COUNT(arms), &res);
	CHECK(res.claimed && res.value[0] == 2 && res.steps == 5);
	fake_store(&dev, 0, 0, 1, 0x80);
	fake_run(&dev, arms, COUNT(arms), &res);
	CHECK(res.claimed && res.value[0] == 1 && res.steps == 6);
	/* Unreachable code is checked on its own but reads nothing and ends nothing. */
	VERIFY(uart_bars, IRIS_IRQ_OK, 3, DECLINE, CAPTURE(0, 5), MASK);
	/* The last port, the last 8 bytes of an MMIO BAR, the last 4 ports. */
	VERIFY(uart_bars, IRIS_IRQ_OK, 2, WRITE_IMM(0, 7, 1, 0xff), CLAIM);
	VERIFY(ahci_bars, IRIS_IRQ_OK, 2, READ(0, AHCI_BAR, AHCI_SIZE - 8, 8), CLAIM);
	VERIFY(ahci_bars, IRIS_IRQ_OK, 3, READ(0, 0, 4, 4), CAPTURE(0, 0), DECLINE);
}

static void test_refuse_length(void)
{
	const struct iris_irq_insn one[1] = { CLAIM };
	struct iris_irq_insn many[IRIS_IRQ_PROG_MAX + 1];
	uint32_t at = 0xdeadbeef;

	CHECK(irqprog_verify(one, 0, uart_bars, &at) == IRIS_IRQ_ERR_EMPTY && at == 0);
	/* Past the limit nothing is read: `one` holds a single instruction. */
	CHECK(irqprog_verify(one, IRIS_IRQ_PROG_MAX + 1, uart_bars, &at) == IRIS_IRQ_ERR_TOO_LONG);
	CHECK(at == IRIS_IRQ_PROG_MAX);
	CHECK(irqprog_verify(one, UINT32_MAX, uart_bars, &at) == IRIS_IRQ_ERR_TOO_LONG);
	for (unsigned i = 0; i < COUNT(many); i++)
		many[i] = one[0];
	CHECK(irqprog_verify(many, COUNT(many), uart_bars, &at) == IRIS_IRQ_ERR_TOO_LONG);
	CHECK(at == IRIS_IRQ_PROG_MAX);
	CHECK(irqprog_verify(many, IRIS_IRQ_PROG_MAX, uart_bars, &at) == IRIS_IRQ_OK);
}

static void test_refuse_encoding(void)
{
	struct iris_irq_insn bad[2] = { CLAIM, CLAIM };
	uint32_t at = 0;

	VERIFY(uart_bars, IRIS_IRQ_ERR_OPCODE, 1, MASK, OP(0), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_OPCODE, 0, OP(IRIS_IRQ_OP_COUNT), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_OPCODE, 0, OP(0xff));

	/* Each reserved byte, then each field the opcode does not use. */
	for (unsigned i = 0; i < 3; i++) {
		bad[1].reserved[i] = 1;
		CHECK(irqprog_verify(bad, 2, uart_bars, &at) == IRIS_IRQ_ERR_RESERVED && at == 1);
		bad[1].reserved[i] = 0;
	}
	bad[1].reserved2 = 0x80000000u;
	CHECK(irqprog_verify(bad, 2, uart_bars, &at) == IRIS_IRQ_ERR_RESERVED && at == 1);
	VERIFY(uart_bars, IRIS_IRQ_ERR_RESERVED, 0, { .op = IRIS_IRQ_OP_CLAIM, .imm = 1 });
	VERIFY(uart_bars, IRIS_IRQ_ERR_RESERVED, 0, { .op = IRIS_IRQ_OP_MASK, .off = 1 }, CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_RESERVED, 0,
	       { .op = IRIS_IRQ_OP_READ, .dst = 0, .src = 1, .width = 1 }, CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_RESERVED, 0,
	       { .op = IRIS_IRQ_OP_READ, .dst = 0, .width = 1, .imm = 1 }, CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_RESERVED, 1, MOV_IMM(0, 0),
	       { .op = IRIS_IRQ_OP_WRITE, .dst = 1, .width = 1 }, CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_RESERVED, 0, { .op = IRIS_IRQ_OP_MOV_IMM, .width = 4 },
	       CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_RESERVED, 0, { .op = IRIS_IRQ_OP_MOV_IMM, .bar = 1 }, CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_RESERVED, 1, MOV_IMM(0, 0),
	       { .op = IRIS_IRQ_OP_MOV, .dst = 1, .off = 4 }, CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_RESERVED, 0, { .op = IRIS_IRQ_OP_JMP, .off = 1, .src = 1 },
	       CLAIM);
	/* WRITE_IMM's immediate must fit the access width. */
	VERIFY(uart_bars, IRIS_IRQ_ERR_RESERVED, 0, WRITE_IMM(0, 0, 1, 0x100), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_RESERVED, 0, WRITE_IMM(0, 4, 4, 0x100000000ull), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_OK, 2, WRITE_IMM(0, 4, 4, 0xffffffffu), CLAIM);
	/* Reserved fields are checked before register numbers. */
	VERIFY(uart_bars, IRIS_IRQ_ERR_RESERVED, 0,
	       { .op = IRIS_IRQ_OP_MOV_IMM, .dst = 9, .reserved2 = 1 }, CLAIM);

	VERIFY(uart_bars, IRIS_IRQ_ERR_REGISTER, 0, READ(8, 0, 0, 1), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_REGISTER, 1, MOV_IMM(0, 0), MOV(0, 9), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_REGISTER, 0, MOV_IMM(255, 0), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_REGISTER, 0, JUMP(IRIS_IRQ_OP_JZ, 8, 1), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_REGISTER, 0, CAPTURE(0, 200), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_REGISTER, 0, WRITE(8, 0, 0, 1), CLAIM);

	VERIFY(uart_bars, IRIS_IRQ_ERR_VALUE, 1, MOV_IMM(0, 0), CAPTURE(IRIS_IRQ_VALUES, 0), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_VALUE, 1, MOV_IMM(0, 0), CAPTURE(0xffffffffu, 0), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_VALUE, 1, MOV_IMM(0, 0), ALU_IMM(IRIS_IRQ_OP_SHR_IMM, 0, 64),
	       CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_VALUE, 1, MOV_IMM(0, 0),
	       ALU_IMM(IRIS_IRQ_OP_SHR_IMM, 0, 1ull << 32), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_OK, 3, MOV_IMM(0, 0), ALU_IMM(IRIS_IRQ_OP_SHR_IMM, 0, 63),
	       CLAIM);
}

static void test_refuse_jumps(void)
{
	VERIFY(uart_bars, IRIS_IRQ_ERR_JUMP, 2, MOV_IMM(0, 1), JUMP(IRIS_IRQ_OP_JNZ, 0, 3), JMP(1),
	       CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_JUMP, 1, MOV_IMM(0, 1), JMP(1), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_JUMP, 1, MOV_IMM(0, 1), JUMP(IRIS_IRQ_OP_JZ, 0, 1), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_JUMP, 1, MOV_IMM(0, 1), JUMP(IRIS_IRQ_OP_JNZ, 0, 0), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_JUMP, 1, MOV_IMM(0, 1), JUMP(IRIS_IRQ_OP_JZ, 0, 3), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_JUMP, 0, JMP(0xffffffffu), CLAIM);
	/* A conditional jump last has no target left, so it is the jump that is wrong. */
	VERIFY(uart_bars, IRIS_IRQ_ERR_JUMP, 1, MOV_IMM(0, 1), JUMP(IRIS_IRQ_OP_JZ, 0, 2));
	VERIFY(uart_bars, IRIS_IRQ_ERR_JUMP, 0, JMP(1));
}

static void test_refuse_accesses(void)
{
	/* Outside the BAR, partly or wholly, including offsets whose end wraps in 32 bits. */
	const struct irqprog_bar short_bars[IRIS_PCI_BARS] = { { IRIS_BAR_MMIO, 0x1004 },
		                                               { IRIS_BAR_PORT, 6 } };
	VERIFY(short_bars, IRIS_IRQ_ERR_RANGE, 0, READ(0, 0, 0x1000, 8), CLAIM);
	VERIFY(short_bars, IRIS_IRQ_OK, 2, READ(0, 0, 0x1000, 4), CLAIM);
	VERIFY(short_bars, IRIS_IRQ_ERR_RANGE, 1, MOV_IMM(0, 0), WRITE(0, 1, 4, 4), CLAIM);
	VERIFY(short_bars, IRIS_IRQ_OK, 3, MOV_IMM(0, 0), WRITE(0, 1, 4, 2), CLAIM);
	VERIFY(ahci_bars, IRIS_IRQ_ERR_RANGE, 0, READ(0, AHCI_BAR, AHCI_SIZE, 1), CLAIM);
	VERIFY(ahci_bars, IRIS_IRQ_ERR_RANGE, 0, READ(0, AHCI_BAR, 0xfffffff8u, 8), CLAIM);
	VERIFY(ahci_bars, IRIS_IRQ_ERR_RANGE, 0, WRITE_IMM(AHCI_BAR, 0xfffffffcu, 4, 0), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_RANGE, 0, READ(0, 0, UART_PORTS, 1), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_RANGE, 0, READ(0, 0, 0xffffffffu, 1), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_RANGE, 1, MOV_IMM(0, 0), WRITE(0, 0, 8, 4), CLAIM);

	/* Another device's registers: a BAR this one lacks, or beyond the end of its own. */
	VERIFY(uart_bars, IRIS_IRQ_ERR_BAR, 0, READ(0, 1, 0, 1), CLAIM);
	VERIFY(ahci_bars, IRIS_IRQ_ERR_BAR, 0, READ(0, 4, 0, 4), CLAIM);
	VERIFY(ahci_bars, IRIS_IRQ_ERR_BAR, 0, READ(0, IRIS_PCI_BARS, 0, 4), CLAIM);
	VERIFY(ahci_bars, IRIS_IRQ_ERR_BAR, 0, WRITE_IMM(255, 0, 4, 0), CLAIM);
	VERIFY(ahci_bars, IRIS_IRQ_ERR_RANGE, 0, READ(0, AHCI_BAR, AHCI_SIZE + AHCI_IS, 4), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_RANGE, 0, WRITE_IMM(0, UART_PORTS + UART_IER, 1, 0), CLAIM);
	const struct irqprog_bar odd_kind[IRIS_PCI_BARS] = { [0] = { 3, 16 } };
	VERIFY(odd_kind, IRIS_IRQ_ERR_BAR, 0, READ(0, 0, 0, 1), CLAIM);

	/* Widths and alignment. */
	VERIFY(ahci_bars, IRIS_IRQ_ERR_WIDTH, 0, READ(0, AHCI_BAR, 0, 0), CLAIM);
	VERIFY(ahci_bars, IRIS_IRQ_ERR_WIDTH, 0, READ(0, AHCI_BAR, 0, 3), CLAIM);
	VERIFY(ahci_bars, IRIS_IRQ_ERR_WIDTH, 0, READ(0, AHCI_BAR, 0, 16), CLAIM);
	VERIFY(ahci_bars, IRIS_IRQ_ERR_WIDTH, 0, READ(0, AHCI_BAR, 0, 255), CLAIM);
	VERIFY(ahci_bars, IRIS_IRQ_ERR_WIDTH, 0, READ(0, AHCI_BAR, 2, 4), CLAIM);
	VERIFY(ahci_bars, IRIS_IRQ_ERR_WIDTH, 0, READ(0, AHCI_BAR, 4, 8), CLAIM);
	VERIFY(ahci_bars, IRIS_IRQ_ERR_WIDTH, 0, WRITE_IMM(AHCI_BAR, 1, 2, 0), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_WIDTH, 0, READ(0, 0, 0, 8), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_WIDTH, 0, READ(0, 0, 3, 2), CLAIM);
	/* Width is checked before range: a misaligned access past the end is a WIDTH error. */
	VERIFY(uart_bars, IRIS_IRQ_ERR_WIDTH, 0, READ(0, 0, 9, 2), CLAIM);
}

static void test_refuse_flow(void)
{
	/* Never written; written on the fall-through path only; the read-modify-write ops. */
	VERIFY(uart_bars, IRIS_IRQ_ERR_UNINIT, 0, CAPTURE(0, 3), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_UNINIT, 3, READ(0, 0, 0, 1), JUMP(IRIS_IRQ_OP_JZ, 0, 3),
	       MOV_IMM(1, 5), CAPTURE(0, 1), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_UNINIT, 4, READ(0, 0, 0, 1), JUMP(IRIS_IRQ_OP_JNZ, 0, 4),
	       MOV_IMM(1, 5), JMP(5), WRITE(1, 0, 0, 1), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_UNINIT, 0, ALU_IMM(IRIS_IRQ_OP_OR_IMM, 2, 1), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_UNINIT, 0, ALU_IMM(IRIS_IRQ_OP_AND_IMM, 2, 1), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_UNINIT, 0, ALU_IMM(IRIS_IRQ_OP_SHR_IMM, 2, 1), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_UNINIT, 1, MOV_IMM(1, 0), AND(2, 1), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_UNINIT, 1, MOV_IMM(2, 0), AND(2, 1), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_UNINIT, 0, JUMP(IRIS_IRQ_OP_JNZ, 6, 1), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_UNINIT, 0, MOV(1, 1), CLAIM);

	/* Running off the end: straight, after a jump, after a conditional's fall-through. */
	VERIFY(uart_bars, IRIS_IRQ_ERR_NO_RESULT, 1, MOV_IMM(0, 1), CAPTURE(0, 0));
	VERIFY(uart_bars, IRIS_IRQ_ERR_NO_RESULT, 0, MASK);
	VERIFY(uart_bars, IRIS_IRQ_ERR_NO_RESULT, 3, READ(0, 0, 0, 1), JUMP(IRIS_IRQ_OP_JZ, 0, 3),
	       CLAIM, MASK);
	VERIFY(uart_bars, IRIS_IRQ_ERR_NO_RESULT, 5, READ(0, 0, 0, 1), JUMP(IRIS_IRQ_OP_JNZ, 0, 4),
	       MOV_IMM(1, 1), JMP(5), CLAIM, CAPTURE(0, 0));
	VERIFY(uart_bars, IRIS_IRQ_ERR_NO_RESULT, 2, READ(0, 0, 0, 1), JUMP(IRIS_IRQ_OP_JZ, 0, 2),
	       MASK);

	/* The first offending instruction wins, and static errors beat flow errors. */
	VERIFY(uart_bars, IRIS_IRQ_ERR_BAR, 1, MOV_IMM(0, 1), READ(0, 3, 0, 1), OP(0), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_UNINIT, 0, CAPTURE(0, 1), READ(0, 3, 0, 1), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_VALUE, 0, CAPTURE(4, 1), CLAIM);
	VERIFY(uart_bars, IRIS_IRQ_ERR_BAR, 1, CLAIM, READ(0, 3, 0, 1));
}

int main(void)
{
	test_ahci();
	test_uart();
	test_alu();
	test_accepted_edges();
	test_refuse_length();
	test_refuse_encoding();
	test_refuse_jumps();
	test_refuse_accesses();
	test_refuse_flow();
	return check_done("irqprog");
}
