/*
 * The protocol of the out-of-tree edu driver (edu.c), shared with its test
 * (test_edu.c): RPC (iris/rpc.h) on a channel to the name "edu/<instance>"
 * (edu/edu0 for the first device).
 *
 *   EDU_OP_FACTORIAL  args: uint32_t n (<= 12) -> struct edu_factorial,
 *                     computed by the device, its end signalled by an
 *                     interrupt; requests queue up, one runs at a time
 *   EDU_OP_STATUS     -> struct edu_status
 *   EDU_OP_HANG       -> 0, then the driver spins reading a register for
 *                     ever: it stops answering devmgr's heartbeats
 *   EDU_OP_FAULT      -> 0, then the driver dereferences a null pointer (a
 *                     bug of its own: devmgr counts it as a failure)
 */
#pragma once

#include <stdint.h>

#define EDU_SERVICE_PREFIX "edu/"
#define EDU_FACTORIAL_MAX  12 /* 13! does not fit the 32-bit register */

enum { EDU_OP_FACTORIAL = 1, EDU_OP_STATUS, EDU_OP_HANG, EDU_OP_FAULT };

struct edu_factorial {
	uint32_t n, value;
	uint32_t irqs; /* interrupts this driver process has taken, this one included */
};

struct edu_status {
	int32_t pid;
	uint32_t restarts; /* IRIS_RESTARTS it was started with */
	uint32_t irqs;
	uint32_t irq_mode; /* IRIS_IRQ_MSI or IRIS_IRQ_INTX */
};
