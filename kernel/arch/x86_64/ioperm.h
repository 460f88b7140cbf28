/*
 * I/O port permissions of ring-3 processes: the TSS's I/O permission bitmap.
 * Each process granted ports (a driver with an I/O port BAR) has its own
 * bitmap; switching to it copies the bitmap into the CPU's TSS, switching
 * to any other process points the TSS past its limit (every port denied).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define IOPERM_PORTS 65536u
#define IOPERM_BYTES (IOPERM_PORTS / 8)

struct ioperm {
	uint8_t map[IOPERM_BYTES]; /* bit set: denied */
	uint64_t gen;              /* new, unique, with every grant or revocation */
};

/* Returns a bitmap denying every port, or NULL if out of memory. */
struct ioperm *ioperm_create(void);
void ioperm_destroy(struct ioperm *io);

/* Allows (or denies again) ports [first, first + count). */
void ioperm_set(struct ioperm *io, uint32_t first, uint32_t count, bool allow);

/* Makes `io` (NULL: no ports) the calling CPU's bitmap if it is not already, at its latest gen. */
void ioperm_load(struct ioperm *io);
