/*
 * Kernel time. time_ns() is a monotonic clock in nanoseconds since boot,
 * read from the invariant TSC once it is calibrated.
 */
#pragma once

#include <stdint.h>

uint64_t time_ns(void);
/* Busy-waits for at least `ns` nanoseconds (uses the TSC, no interrupts needed). */
void time_delay_ns(uint64_t ns);

/*
 * Calibrates the clock behind time_ns() (x86_64: the TSC against the HPET,
 * else the PIT) and starts it at 0. Once, on the BSP; before it, time_ns()
 * returns 0 and time_delay_ns() waits on the PIT.
 */
void time_init(void);

/* Rate of the counter behind time_ns() in Hz, 0 before time_init(). */
uint64_t time_counter_hz(void);
