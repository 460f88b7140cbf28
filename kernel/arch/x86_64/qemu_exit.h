/*
 * Leaving QEMU through its isa-debug-exit device (port 0xf4), which ends
 * QEMU with status (code << 1) | 1. Only armed when the kernel runs a test
 * (the `test=` option), so a real PC never sees these port writes.
 */
#pragma once

#include <stdint.h>

#define QEMU_EXIT_SUCCESS 0x10 /* QEMU status 33 */
#define QEMU_EXIT_FAILURE 0x11 /* QEMU status 35 */
#define QEMU_EXIT_PANIC   0x12 /* QEMU status 37 */

void qemu_exit_arm(void);

/* Ends QEMU with `code` if armed; returns if not (or if there is no such device). */
void qemu_exit(uint8_t code);
