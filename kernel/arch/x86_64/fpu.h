/*
 * FPU/SSE/AVX state of user threads: XSAVE where the CPU has it (every
 * component the CPU and Iris support), FXSAVE otherwise. Saved and restored
 * eagerly on every switch between user threads; the kernel itself is built
 * without SSE and never touches these registers.
 */
#pragma once

#include <stddef.h>

/* Enables the FPU, SSE and XSAVE on this CPU (the BSP first: it sizes the area). */
void fpu_init_cpu(void);

/* Bytes of a save area (64-byte aligned). */
size_t fpu_area_size(void);

/* Fills `area` with the clean initial state (as after FNINIT, MXCSR 0x1f80). */
void fpu_area_init(void *area);

void fpu_save(void *area);
void fpu_restore(const void *area);
