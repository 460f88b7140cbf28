/*
 * The kernel's own symbol table, generated at build time from the first link
 * (tools/gen_ksyms.py) and carried in .rodata for backtraces.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Finds the function containing `addr`. Returns its name and stores the
 * offset into it in *offset, or returns NULL if `addr` is in no known function.
 */
const char *ksyms_lookup(uintptr_t addr, uintptr_t *offset);

/* Prints "  [<addr>] name+0xoff" for one code address. */
void ksyms_print_location(uintptr_t addr);

/*
 * Walks the frame-pointer chain from `rbp` and stores up to `max` return
 * addresses in out, innermost first; returns how many. Stops at a null,
 * misaligned or non-kernel frame pointer, or a return address outside the
 * kernel's text.
 */
size_t ksyms_stack_trace(uintptr_t rbp, uintptr_t *out, size_t max);

/*
 * Walks the frame-pointer chain from `rbp` and prints each return address.
 * Stops at a null, misaligned or non-kernel frame pointer, or after 32 frames.
 */
void ksyms_backtrace(uintptr_t rbp);
