/*
 * Platform bring-up on the BSP: ACPI tables, interrupt controllers, clocks
 * and the other CPUs, in the order they depend on each other.
 */
#pragma once

#include <arch/platform.h>
#include <stdint.h>

struct acpi_info;

/* Rate of every CPU's LAPIC timer interrupt. */
#define PLATFORM_TIMER_HZ 100

/*
 * Called once by arch_late_init() on the BSP, with interrupts off: ACPI,
 * LAPIC, IOAPIC (PICs off), HPET, TSC, LAPIC timer, then the APs. Panics if
 * the machine has no usable ACPI tables.
 */
void platform_init(void);

/*
 * Reads the counter `read` around about `window_ns` of the reference clock
 * (the HPET if there is one, else PIT channel 2) with interrupts off.
 * Returns how far the counter advanced and sets *elapsed_ns to the
 * reference time that passed meanwhile.
 */
uint64_t platform_measure(uint64_t (*read)(void), uint64_t window_ns, uint64_t *elapsed_ns);
