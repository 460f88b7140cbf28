/*
 * Copying between the kernel and the current process's memory. A bad user
 * pointer (kernel address, unmapped, protection) returns -EFAULT; it never
 * faults the kernel: the copy routines have fixups the page-fault handler
 * jumps to. With SMAP, user memory is reachable only inside these routines.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returns 0 or -EFAULT. */
int copy_from_user(void *dst, uintptr_t user_src, size_t len);
int copy_to_user(uintptr_t user_dst, const void *src, size_t len);

/* True if [addr, addr+len) lies entirely in the user half (no wrap). */
bool user_range_ok(uintptr_t addr, size_t len);

struct trap_frame;
/* Whether `rip` is an instruction of a copy routine that may fault on user memory. */
bool usercopy_contains(uintptr_t rip);
/* Called by the page-fault handler for kernel-mode faults: true if a fixup was applied. */
bool usercopy_fixup(struct trap_frame *tf);
