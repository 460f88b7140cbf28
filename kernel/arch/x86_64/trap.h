#pragma once

#include <arch/cpu.h>
#include <stdint.h>

/* Prints the registers of `tf` to the kernel log. */
void trap_dump_frame(const struct trap_frame *tf);
