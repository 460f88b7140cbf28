/*
 * I/O port permissions of ring-3 processes: the TSS's I/O permission bitmap.
 * Each process granted ports (a driver with an I/O port BAR) has its own
 * bitmap; switching to it copies the bitmap into the CPU's TSS, switching
 * to any other process points the TSS past its limit (every port denied).
 *
 * The functions are declared in arch/cpu.h; the bitmap itself is private.
 */
#pragma once

#include <arch/cpu.h>
#include <stdbool.h>
#include <stdint.h>

#define IOPERM_PORTS 65536u
#define IOPERM_BYTES (IOPERM_PORTS / 8)

struct ioperm {
	uint8_t map[IOPERM_BYTES]; /* bit set: denied */
	uint64_t gen;              /* new, unique, with every grant or revocation */
};
