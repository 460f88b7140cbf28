/*
 * The legacy 8254 PIT, only as a polled reference clock: channel 2 counts
 * down with its gate driven through port 0x61, no interrupt involved.
 */
#pragma once

#include <stdint.h>

#define PIT_HZ 1193182u

/* Busy-waits `us` microseconds on PIT channel 2. Interrupts may be on or off. */
void pit_delay_us(uint32_t us);
