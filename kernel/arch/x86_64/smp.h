/*
 * Multiprocessor start-up (the rest of the SMP code is in arch/smp.h). The
 * APs are started with INIT-SIPI-SIPI into a real-mode trampoline
 * (ap_boot.S) that climbs to long mode and enters the kernel on a per-CPU
 * stack.
 */
#pragma once

/* Layout of the parameter block the BSP fills in the trampoline (shared with ap_boot.S). */
#define AP_PARAM_CR3   0  /* kernel_space.pml4, below 4 GiB */
#define AP_PARAM_STACK 8  /* top of the AP's kernel stack */
#define AP_PARAM_ENTRY 16 /* 64-bit C entry, called with the struct cpu pointer */
#define AP_PARAM_CPU   24 /* the AP's struct cpu */
#define AP_PARAM_SIZE  32

#ifndef __ASSEMBLER__

#include <arch/smp.h>
#include <stdbool.h>

struct acpi_info;

/*
 * BSP only, once, after the LAPIC timer is calibrated: fills cpus[] and
 * cpu_count from the MADT (the BSP stays cpus[0]) and starts every enabled
 * AP, each of which starts its timer at `timer_hz` and then idles. An AP
 * that does not come up within about a second is logged and left out.
 */
void smp_start(const struct acpi_info *acpi, unsigned timer_hz);

/* The NMI handler's end once smp_stop_others() was called: parks this CPU. */
__attribute__((noreturn)) void smp_park(void);

/* Whether smp_stop_others() was called: an NMI then means "stop". */
bool smp_stopping(void);

#endif
