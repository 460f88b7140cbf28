#pragma once

#include <stdint.h>
#include <x86_64/idt.h>

/* Prints the registers of `tf` to the kernel log. */
void trap_dump_frame(const struct trap_frame *tf);

/* Returns the short name of an exception vector ("#PF"), or "IRQ" for >= 32. */
const char *trap_vector_name(uint64_t vector);
