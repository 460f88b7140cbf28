#pragma once

#include <stdint.h>

struct trap_frame;

/*
 * Runs the system call in tf->rax with the arguments in rdi, rsi, rdx, r10,
 * r8, r9, stores the result in tf->rax, and acts on a pending kill or
 * reschedule before the return to user mode. Interrupts are on.
 */
void syscall_dispatch(struct trap_frame *tf);

/* Runs system call `nr` with `args` in the calling thread's context; returns its result. */
long syscall_invoke(uint64_t nr, const uint64_t args[6]);
