/*
 * FPU/SSE/AVX state of user threads: XSAVE where the CPU has it (every
 * component the CPU and Iris support), FXSAVE otherwise. Saved and restored
 * eagerly on every switch between user threads; the kernel itself is built
 * without SSE and never touches these registers. The save-area functions
 * are declared in arch/context.h.
 */
#pragma once

#include <arch/context.h>

/* Enables the FPU, SSE and XSAVE on this CPU (the BSP first: it sizes the area). */
void fpu_init_cpu(void);
