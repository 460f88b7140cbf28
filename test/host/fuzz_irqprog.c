/*
 * libFuzzer target for the IRQ-ack bytecode verifier (common/src/irqprog.c).
 *
 * Input: byte 0 picks the mode, bytes 1-12 give the device's six BARs (kind,
 * size), the rest are instructions: raw 24-byte struct iris_irq_insn records
 * (mode bit 0; any bytes, any length), or 4 bytes each mapped onto mostly
 * well-formed fields, optionally ended by CLAIM or DECLINE (mode bits 1-2),
 * so that a fair share of inputs is accepted.
 *
 * Oracle: a refusal is a known error naming an instruction of the program
 * (or 0 / IRIS_IRQ_PROG_MAX for EMPTY / TOO_LONG). An accepted program runs
 * in irqprog_run() and in an independent reference interpreter that traps
 * on a read of a register not written on this path, a jump that is not
 * strictly forward inside the program, running off the end, or more than
 * len steps; the device accessors trap on any access outside the BAR table
 * (missing BAR, bad width for its kind, misaligned, past its end) or a
 * written value wider than the access. Both runs must do the same accesses
 * and produce the same result. Reads return bytes of the input. The deep
 * checks counted (fuzz_reached.h) are the accepted programs that touched
 * the device; the seed corpus holds the drivers' own programs.
 *
 * clang -std=c11 -Wall -Wextra -Werror -g -fsanitize=fuzzer,address,undefined \
 *   -fno-sanitize-recover=all -I common/include -I include test/host/fuzz_irqprog.c \
 *   common/src/irqprog.c -o /tmp/fuzz_irqprog && /tmp/fuzz_irqprog -max_total_time=60
 */
#include <common/irqprog.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_REACHED_MIN 100
#include "fuzz_reached.h"

#define HEADER    (1 + 2 * IRIS_PCI_BARS)
#define MAX_INSNS (IRIS_IRQ_PROG_MAX + 8) /* decoded: some programs are too long */
#define RAW_INSNS 256                     /* raw: longer inputs are skipped */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expect(bool cond)
{
	if (!cond)
		__builtin_trap();
}

struct access {
	bool write;
	unsigned bar, width;
	uint32_t off;
	uint64_t value;
};

/* The fake device: the verified BAR table, reads fed from the input, an access log. */
struct device {
	struct irqprog_bar bars[IRIS_PCI_BARS];
	const uint8_t *data;
	size_t size, cursor;
	struct access log[IRIS_IRQ_PROG_MAX];
	unsigned nlog;
};

static uint64_t size_of_bar(uint8_t s)
{
	static const uint64_t big[8] = {
		0x1000,     0x4000,           0xfffffffc,     0xffffffff,
		1ull << 32, (1ull << 32) + 4, UINT64_MAX - 7, UINT64_MAX,
	};
	if (s < 0x80)
		return s; /* ports, small register files, odd sizes */
	if (s < 0xf8)
		return (uint64_t)(s - 0x80) * 16;
	return big[s - 0xf8];
}

/* Traps unless the access is inside the BAR table with a width its kind allows. */
static void device_check(struct device *dev, unsigned bar, uint32_t off, unsigned width)
{
	expect(bar < IRIS_PCI_BARS);
	uint32_t kind = dev->bars[bar].kind;
	expect(kind == IRIS_BAR_MMIO || kind == IRIS_BAR_PORT);
	expect(width == 1 || width == 2 || width == 4 || (width == 8 && kind == IRIS_BAR_MMIO));
	expect(off % width == 0);
	expect((uint64_t)off + width <= dev->bars[bar].size);
	expect(dev->nlog < IRIS_IRQ_PROG_MAX);
}

static uint64_t device_read(void *ctx, unsigned bar, uint32_t off, unsigned width)
{
	struct device *dev = ctx;
	uint64_t v = 0;
	device_check(dev, bar, off, width);
	for (unsigned i = 0; i < 8 && dev->size; i++)
		v |= (uint64_t)dev->data[dev->cursor++ % dev->size] << (8 * i);
	dev->log[dev->nlog++] = (struct access){ false, bar, width, off, v };
	return v; /* full 64 bits: the interpreter must drop what is above width */
}

static void device_write(void *ctx, unsigned bar, uint32_t off, unsigned width, uint64_t value)
{
	struct device *dev = ctx;
	device_check(dev, bar, off, width);
	expect(width == 8 || value >> (8 * width) == 0);
	dev->log[dev->nlog++] = (struct access){ true, bar, width, off, value };
}

static uint64_t mask_of(unsigned width)
{
	return width == 8 ? UINT64_MAX : (1ull << (8 * width)) - 1;
}

/* Register `r`, which must have been written on the path taken so far. */
static uint64_t ref_get(const uint64_t *reg, uint8_t written, unsigned r)
{
	expect(r < IRIS_IRQ_REGS && (written >> r & 1));
	return reg[r];
}

/*
 * The reference interpreter: the semantics of iris/abi/irq.h written out again,
 * trapping wherever the verifier promised something that does not hold.
 */
static void ref_run(const struct iris_irq_insn *prog, uint32_t len, const struct irqprog_io *io,
                    struct irqprog_result *out)
{
	uint64_t reg[IRIS_IRQ_REGS];
	uint8_t written = 0;
	uint32_t pc = 0;

	memset(out, 0, sizeof(*out));
	for (;;) {
		expect(pc < len && out->steps < len);
		const struct iris_irq_insn *in = &prog[pc];
		uint32_t next = pc + 1;
		out->steps++;
		switch (in->op) {
		case IRIS_IRQ_OP_READ:
			expect(in->dst < IRIS_IRQ_REGS);
			reg[in->dst] =
			        io->read(io->ctx, in->bar, in->off, in->width) & mask_of(in->width);
			written |= 1u << in->dst;
			break;
		case IRIS_IRQ_OP_WRITE:
			io->write(io->ctx, in->bar, in->off, in->width,
			          ref_get(reg, written, in->src) & mask_of(in->width));
			break;
		case IRIS_IRQ_OP_WRITE_IMM:
			io->write(io->ctx, in->bar, in->off, in->width, in->imm);
			break;
		case IRIS_IRQ_OP_MOV_IMM:
		case IRIS_IRQ_OP_MOV:
			expect(in->dst < IRIS_IRQ_REGS);
			reg[in->dst] = in->op == IRIS_IRQ_OP_MOV ? ref_get(reg, written, in->src)
			                                         : in->imm;
			written |= 1u << in->dst;
			break;
		case IRIS_IRQ_OP_AND_IMM:
			reg[in->dst] = ref_get(reg, written, in->dst) & in->imm;
			break;
		case IRIS_IRQ_OP_OR_IMM:
			reg[in->dst] = ref_get(reg, written, in->dst) | in->imm;
			break;
		case IRIS_IRQ_OP_SHR_IMM:
			expect(in->imm < 64);
			reg[in->dst] = ref_get(reg, written, in->dst) >> in->imm;
			break;
		case IRIS_IRQ_OP_AND:
			reg[in->dst] =
			        ref_get(reg, written, in->dst) & ref_get(reg, written, in->src);
			break;
		case IRIS_IRQ_OP_JZ:
		case IRIS_IRQ_OP_JNZ:
		case IRIS_IRQ_OP_JMP:
			expect(in->off > pc && in->off < len);
			if (in->op == IRIS_IRQ_OP_JMP ||
			    (ref_get(reg, written, in->src) == 0) == (in->op == IRIS_IRQ_OP_JZ))
				next = in->off;
			break;
		case IRIS_IRQ_OP_CAPTURE:
			expect(in->off < IRIS_IRQ_VALUES);
			out->value[in->off] = ref_get(reg, written, in->src);
			break;
		case IRIS_IRQ_OP_MASK:
			out->mask = true;
			break;
		case IRIS_IRQ_OP_CLAIM:
		case IRIS_IRQ_OP_DECLINE:
			out->claimed = in->op == IRIS_IRQ_OP_CLAIM;
			return;
		default:
			expect(false);
		}
		pc = next;
	}
}

/* Four bytes onto one instruction whose fields mostly suit its opcode. */
static struct iris_irq_insn decode(const uint8_t *b, uint32_t at)
{
	static const uint8_t widths[8] = { 1, 2, 4, 8, 4, 4, 3, 0 };
	struct iris_irq_insn in = { .op = 1 + b[0] % (IRIS_IRQ_OP_COUNT - 1) };
	uint8_t dst = b[1] & 7, src = b[1] >> 3 & 7;

	switch (in.op) {
	case IRIS_IRQ_OP_READ:
	case IRIS_IRQ_OP_WRITE:
	case IRIS_IRQ_OP_WRITE_IMM:
		in.bar = b[2] % 7; /* 6: no such BAR */
		in.width = widths[b[2] >> 3 & 7];
		/* The top offsets, whose end wraps in 32 bits, or a multiple of width. */
		in.off = b[3] >= 0xfc ? 0u - (0x100u - b[3]) * (in.width ? in.width : 1)
		                      : (uint32_t)b[3] * (in.width ? in.width : 1);
		if (b[1] >= 0xf0)
			in.off += 1 + (b[1] & 1); /* misaligned */
		if (in.op == IRIS_IRQ_OP_READ)
			in.dst = dst;
		else if (in.op == IRIS_IRQ_OP_WRITE)
			in.src = src;
		else
			in.imm = (uint64_t)b[1] << (b[1] >= 0xf0 ? 32 : 0); /* rarely too wide */
		break;
	case IRIS_IRQ_OP_JZ:
	case IRIS_IRQ_OP_JNZ:
	case IRIS_IRQ_OP_JMP:
		in.off = at - 1 + b[3] % 10; /* back one, itself, or up to 8 ahead */
		if (in.op != IRIS_IRQ_OP_JMP)
			in.src = src;
		break;
	case IRIS_IRQ_OP_CAPTURE:
		in.src = src;
		in.off = b[3] % (IRIS_IRQ_VALUES + 1);
		break;
	case IRIS_IRQ_OP_MASK:
	case IRIS_IRQ_OP_CLAIM:
	case IRIS_IRQ_OP_DECLINE:
		break;
	default: /* the register operations */
		in.dst = dst;
		if (in.op == IRIS_IRQ_OP_MOV || in.op == IRIS_IRQ_OP_AND)
			in.src = src;
		else
			in.imm = in.op == IRIS_IRQ_OP_SHR_IMM ? b[3] % 65
			                                      : (uint64_t)b[3] << (b[2] % 57);
		break;
	}
	return in;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct iris_irq_insn prog[RAW_INSNS];
	static struct device dev;
	uint32_t len = 0, at = 0;

	if (size < HEADER)
		return 0;
	memset(&dev, 0, sizeof(dev));
	for (unsigned i = 0; i < IRIS_PCI_BARS; i++)
		dev.bars[i] =
		        (struct irqprog_bar){ data[1 + 2 * i] & 3, size_of_bar(data[2 + 2 * i]) };
	const uint8_t *body = data + HEADER;
	size_t body_size = size - HEADER;
	if (data[0] & 1) {
		len = (uint32_t)(body_size / sizeof(prog[0]));
		if (len > sizeof(prog) / sizeof(prog[0]))
			return 0;
		memcpy(prog, body, len * sizeof(prog[0]));
	} else {
		while (body_size >= 4 && len < MAX_INSNS) {
			prog[len] = decode(body, len);
			len++;
			body += 4;
			body_size -= 4;
		}
		if (data[0] & 2)
			prog[len++] =
			        (struct iris_irq_insn){ .op = data[0] & 4 ? IRIS_IRQ_OP_CLAIM
				                                          : IRIS_IRQ_OP_DECLINE };
	}

	/* An exact-size copy: AddressSanitizer catches a read past the last instruction. */
	struct iris_irq_insn *copy = malloc(len ? len * sizeof(prog[0]) : 1);
	expect(copy != NULL);
	memcpy(copy, prog, len * sizeof(prog[0]));
	uint32_t err = irqprog_verify(copy, len, dev.bars, &at);
	expect(err < IRIS_IRQ_ERR_COUNT);
	if (len == 0)
		expect(err == IRIS_IRQ_ERR_EMPTY && at == 0);
	else if (len > IRIS_IRQ_PROG_MAX)
		expect(err == IRIS_IRQ_ERR_TOO_LONG && at == IRIS_IRQ_PROG_MAX);
	else if (err == IRIS_IRQ_OK)
		expect(at == len);
	else
		expect(err != IRIS_IRQ_ERR_EMPTY && err != IRIS_IRQ_ERR_TOO_LONG && at < len);
	if (err != IRIS_IRQ_OK)
		goto done;

	struct irqprog_io io = { device_read, device_write, &dev };
	struct irqprog_result got, want;
	struct access log[IRIS_IRQ_PROG_MAX];

	dev.data = data;
	dev.size = size;
	/* The reference first: it traps on a loop instead of running it. */
	ref_run(copy, len, &io, &want);
	unsigned nlog = dev.nlog;
	memcpy(log, dev.log, sizeof(log));
	dev.cursor = 0;
	dev.nlog = 0;
	irqprog_run(copy, len, &io, &got);
	expect(got.steps >= 1 && got.steps <= len);
	expect(got.claimed == want.claimed && got.mask == want.mask && got.steps == want.steps);
	expect(memcmp(got.value, want.value, sizeof(got.value)) == 0);
	expect(nlog == dev.nlog);
	for (unsigned i = 0; i < nlog; i++)
		expect(log[i].write == dev.log[i].write && log[i].bar == dev.log[i].bar &&
		       log[i].off == dev.log[i].off && log[i].width == dev.log[i].width &&
		       log[i].value == dev.log[i].value);
	if (nlog > 0)
		fuzz_reached();
done:
	free(copy);
	return 0;
}
