#pragma once

#include <stdbool.h>

/*
 * Prepares this CPU for user mode: the `syscall` MSRs (entry point, the
 * segment bases sysret uses, the flags masked on entry), the FPU/SSE/XSAVE
 * state, and SMEP/SMAP where the CPU has them.
 */
void usermode_init_cpu(void);

/* Whether SMAP is on (user memory is reachable only between stac and clac). */
bool usermode_smap(void);
