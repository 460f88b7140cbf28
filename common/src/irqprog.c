#include <common/irqprog.h>

/* What each opcode's fields mean; a field no flag covers must be zero. */
enum {
	USE_DST = 1 << 0,    /* dst: a register the op writes */
	READS_DST = 1 << 1,  /* ... after reading it (r[dst] op= x) */
	USE_SRC = 1 << 2,    /* src: a register the op reads */
	USE_ACCESS = 1 << 3, /* width, bar, off: a device access */
	USE_TARGET = 1 << 4, /* off: a jump target */
	USE_INDEX = 1 << 5,  /* off: a capture slot */
	USE_IMM = 1 << 6,    /* imm */
	ENDS = 1 << 7,       /* never falls through to the next instruction */
};

static const uint8_t irqprog_ops[IRIS_IRQ_OP_COUNT] = {
	[IRIS_IRQ_OP_READ] = USE_DST | USE_ACCESS,
	[IRIS_IRQ_OP_WRITE] = USE_SRC | USE_ACCESS,
	[IRIS_IRQ_OP_WRITE_IMM] = USE_ACCESS | USE_IMM,
	[IRIS_IRQ_OP_MOV_IMM] = USE_DST | USE_IMM,
	[IRIS_IRQ_OP_MOV] = USE_DST | USE_SRC,
	[IRIS_IRQ_OP_AND_IMM] = USE_DST | READS_DST | USE_IMM,
	[IRIS_IRQ_OP_OR_IMM] = USE_DST | READS_DST | USE_IMM,
	[IRIS_IRQ_OP_SHR_IMM] = USE_DST | READS_DST | USE_IMM,
	[IRIS_IRQ_OP_AND] = USE_DST | READS_DST | USE_SRC,
	[IRIS_IRQ_OP_JZ] = USE_SRC | USE_TARGET,
	[IRIS_IRQ_OP_JNZ] = USE_SRC | USE_TARGET,
	[IRIS_IRQ_OP_JMP] = USE_TARGET | ENDS,
	[IRIS_IRQ_OP_CAPTURE] = USE_SRC | USE_INDEX,
	[IRIS_IRQ_OP_MASK] = 0,
	[IRIS_IRQ_OP_CLAIM] = ENDS,
	[IRIS_IRQ_OP_DECLINE] = ENDS,
};

/* The registers written on every path to each instruction seen so far. */
struct irqprog_flow {
	bool reached[IRIS_IRQ_PROG_MAX];
	uint8_t written[IRIS_IRQ_PROG_MAX]; /* bit r: register r */
};

static uint64_t width_mask(unsigned width)
{
	return width >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << (8 * width)) - 1;
}

static uint32_t check_access(const struct iris_irq_insn *in,
                             const struct irqprog_bar bars[IRIS_PCI_BARS])
{
	uint32_t widths; /* bit w: width w is allowed */

	if (in->bar >= IRIS_PCI_BARS)
		return IRIS_IRQ_ERR_BAR;
	const struct irqprog_bar *bar = &bars[in->bar];
	if (bar->kind == IRIS_BAR_MMIO)
		widths = 1u << 1 | 1u << 2 | 1u << 4 | 1u << 8;
	else if (bar->kind == IRIS_BAR_PORT)
		widths = 1u << 1 | 1u << 2 | 1u << 4;
	else
		return IRIS_IRQ_ERR_BAR;
	if (in->width > 8 || !(widths >> in->width & 1) || in->off % in->width != 0)
		return IRIS_IRQ_ERR_WIDTH;
	if ((uint64_t)in->off + in->width > bar->size)
		return IRIS_IRQ_ERR_RANGE;
	return IRIS_IRQ_OK;
}

/* The checks of instruction `at` on its own, in the documented order. */
static uint32_t check_insn(const struct iris_irq_insn *in, uint32_t at, uint32_t len,
                           const struct irqprog_bar bars[IRIS_PCI_BARS])
{
	if (in->op == 0 || in->op >= IRIS_IRQ_OP_COUNT)
		return IRIS_IRQ_ERR_OPCODE;
	uint8_t uses = irqprog_ops[in->op];
	if (in->reserved[0] || in->reserved[1] || in->reserved[2] || in->reserved2 ||
	    (in->dst && !(uses & USE_DST)) || (in->src && !(uses & USE_SRC)) ||
	    ((in->width || in->bar) && !(uses & USE_ACCESS)) ||
	    (in->off && !(uses & (USE_ACCESS | USE_TARGET | USE_INDEX))) ||
	    (in->imm && !(uses & USE_IMM)))
		return IRIS_IRQ_ERR_RESERVED;
	if (((uses & USE_DST) && in->dst >= IRIS_IRQ_REGS) ||
	    ((uses & USE_SRC) && in->src >= IRIS_IRQ_REGS))
		return IRIS_IRQ_ERR_REGISTER;
	if (uses & USE_ACCESS) {
		uint32_t err = check_access(in, bars);
		if (err != IRIS_IRQ_OK)
			return err;
		/* WRITE_IMM: the bits of imm above width would be dropped. */
		if (in->imm & ~width_mask(in->width))
			return IRIS_IRQ_ERR_RESERVED;
	}
	if ((uses & USE_TARGET) && (in->off <= at || in->off >= len))
		return IRIS_IRQ_ERR_JUMP;
	if ((uses & USE_INDEX) && in->off >= IRIS_IRQ_VALUES)
		return IRIS_IRQ_ERR_VALUE;
	if (in->op == IRIS_IRQ_OP_SHR_IMM && in->imm >= 64)
		return IRIS_IRQ_ERR_VALUE;
	return IRIS_IRQ_OK;
}

static void flow_to(struct irqprog_flow *flow, uint32_t to, uint8_t written)
{
	flow->written[to] = flow->reached[to] ? flow->written[to] & written : written;
	flow->reached[to] = true;
}

/*
 * The path-sensitive checks of instruction `at`, which check_insn() passed,
 * as every earlier one did: jumps only go forward, so every predecessor of
 * `at` has already flowed into flow->written[at]. Unreachable instructions
 * read nothing.
 */
static uint32_t check_flow(const struct iris_irq_insn *in, uint32_t at, uint32_t len,
                           struct irqprog_flow *flow)
{
	uint8_t uses = irqprog_ops[in->op], reads = 0, written;

	if (!flow->reached[at])
		return IRIS_IRQ_OK;
	if (uses & USE_SRC)
		reads |= 1u << in->src;
	if (uses & READS_DST)
		reads |= 1u << in->dst;
	if (reads & ~flow->written[at])
		return IRIS_IRQ_ERR_UNINIT;
	written = flow->written[at] | (uses & USE_DST ? 1u << in->dst : 0);
	if (uses & USE_TARGET)
		flow_to(flow, in->off, written);
	if (!(uses & ENDS)) {
		if (at + 1 == len)
			return IRIS_IRQ_ERR_NO_RESULT;
		flow_to(flow, at + 1, written);
	}
	return IRIS_IRQ_OK;
}

uint32_t irqprog_verify(const struct iris_irq_insn *prog, uint32_t len,
                        const struct irqprog_bar bars[IRIS_PCI_BARS], uint32_t *error_at)
{
	struct irqprog_flow flow = { .reached = { true } };

	if (len == 0) {
		*error_at = 0;
		return IRIS_IRQ_ERR_EMPTY;
	}
	if (len > IRIS_IRQ_PROG_MAX) {
		*error_at = IRIS_IRQ_PROG_MAX;
		return IRIS_IRQ_ERR_TOO_LONG;
	}
	for (uint32_t at = 0; at < len; at++) {
		uint32_t err = check_insn(&prog[at], at, len, bars);
		if (err == IRIS_IRQ_OK)
			err = check_flow(&prog[at], at, len, &flow);
		if (err != IRIS_IRQ_OK) {
			*error_at = at;
			return err;
		}
	}
	*error_at = len;
	return IRIS_IRQ_OK;
}

void irqprog_run(const struct iris_irq_insn *prog, uint32_t len, const struct irqprog_io *io,
                 struct irqprog_result *out)
{
	uint64_t r[IRIS_IRQ_REGS] = { 0 };
	uint32_t pc = 0;

	out->claimed = false;
	out->mask = false;
	for (unsigned i = 0; i < IRIS_IRQ_VALUES; i++)
		out->value[i] = 0;
	out->steps = 0;
	while (pc < len) {
		const struct iris_irq_insn *in = &prog[pc++];
		out->steps++;
		switch (in->op) {
		case IRIS_IRQ_OP_READ:
			r[in->dst] = io->read(io->ctx, in->bar, in->off, in->width) &
			             width_mask(in->width);
			break;
		case IRIS_IRQ_OP_WRITE:
			io->write(io->ctx, in->bar, in->off, in->width,
			          r[in->src] & width_mask(in->width));
			break;
		case IRIS_IRQ_OP_WRITE_IMM:
			io->write(io->ctx, in->bar, in->off, in->width, in->imm);
			break;
		case IRIS_IRQ_OP_MOV_IMM:
			r[in->dst] = in->imm;
			break;
		case IRIS_IRQ_OP_MOV:
			r[in->dst] = r[in->src];
			break;
		case IRIS_IRQ_OP_AND_IMM:
			r[in->dst] &= in->imm;
			break;
		case IRIS_IRQ_OP_OR_IMM:
			r[in->dst] |= in->imm;
			break;
		case IRIS_IRQ_OP_SHR_IMM:
			r[in->dst] >>= in->imm;
			break;
		case IRIS_IRQ_OP_AND:
			r[in->dst] &= r[in->src];
			break;
		case IRIS_IRQ_OP_JZ:
			if (r[in->src] == 0)
				pc = in->off;
			break;
		case IRIS_IRQ_OP_JNZ:
			if (r[in->src] != 0)
				pc = in->off;
			break;
		case IRIS_IRQ_OP_JMP:
			pc = in->off;
			break;
		case IRIS_IRQ_OP_CAPTURE:
			out->value[in->off] = r[in->src];
			break;
		case IRIS_IRQ_OP_MASK:
			out->mask = true;
			break;
		case IRIS_IRQ_OP_CLAIM:
			out->claimed = true;
			return;
		case IRIS_IRQ_OP_DECLINE:
			return;
		}
	}
}
