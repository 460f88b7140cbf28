/*
 * The HPET, used only as a fixed-rate reference clock: its main counter runs
 * from hpet_init() on, and no comparator interrupts are set up.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct acpi_info;

/*
 * Maps the HPET the ACPI tables describe and starts its main counter.
 * Returns 0, -ENODEV if there is no HPET, -EINVAL if its counter period is
 * 0 or above 100 ns (the HPET specification's limit: such a device is not
 * trusted), -ENOMEM if it cannot be mapped.
 */
int hpet_init(const struct acpi_info *acpi);

bool hpet_available(void);

/* Counter frequency in Hz; 0 without an HPET. */
uint64_t hpet_frequency(void);

/*
 * Nanoseconds since the main counter started; 0 without an HPET. Safe on
 * any CPU. A 32-bit counter is extended in software, which needs a call at
 * least every 2^31 counter ticks (~20 s at 100 MHz).
 */
uint64_t hpet_read_ns(void);
