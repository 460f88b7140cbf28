/*
 * The IRQ-ack bytecode (iris/abi/irq.h, docs/irq-bytecode.md): the verifier that
 * runs once when a driver binds an interrupt, and the interpreter that runs
 * the verified program in the interrupt handler. Pure code: no allocation,
 * no locks, device access only through the callbacks of struct irqprog_io.
 */
#pragma once

#include <iris/abi/device.h>
#include <iris/abi/irq.h>
#include <stdbool.h>
#include <stdint.h>

/* What a program may touch: the BARs of the device it is bound to. */
struct irqprog_bar {
	uint32_t kind; /* IRIS_BAR_NONE, _MMIO or _PORT */
	uint64_t size; /* bytes (MMIO) or ports */
};

/*
 * Verifies prog[0, len) against the device's BARs. Returns IRIS_IRQ_OK or an
 * enum iris_irq_error and sets *error_at to the index of the first offending
 * instruction in index order. With no such instruction it is the first index
 * that cannot exist: 0 for EMPTY, IRIS_IRQ_PROG_MAX for TOO_LONG (prog is not
 * read then), and len when the program is accepted. Any bytes are safe input;
 * the order of checks is documented in docs/irq-bytecode.md.
 */
uint32_t irqprog_verify(const struct iris_irq_insn *prog, uint32_t len,
                        const struct irqprog_bar bars[IRIS_PCI_BARS], uint32_t *error_at);

/*
 * Device access for the interpreter. `bar`, `off` and `width` are always
 * inside the BAR table the program was verified against; read returns the
 * value zero-extended (the interpreter ignores bits above width), write gets
 * a value that fits in width bytes.
 */
struct irqprog_io {
	uint64_t (*read)(void *ctx, unsigned bar, uint32_t off, unsigned width);
	void (*write)(void *ctx, unsigned bar, uint32_t off, unsigned width, uint64_t value);
	void *ctx;
};

struct irqprog_result {
	bool claimed;                    /* ended in CLAIM (else DECLINE) */
	bool mask;                       /* executed MASK */
	uint64_t value[IRIS_IRQ_VALUES]; /* CAPTUREd values, 0 when not captured */
	uint32_t steps;                  /* instructions executed, at most len */
};

/*
 * Runs a program irqprog_verify() accepted (never an unverified one):
 * registers start at zero, every path ends in CLAIM or DECLINE after at most
 * len instructions. Cannot fail.
 */
void irqprog_run(const struct iris_irq_insn *prog, uint32_t len, const struct irqprog_io *io,
                 struct irqprog_result *out);
