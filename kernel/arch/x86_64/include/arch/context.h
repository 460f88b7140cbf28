/*
 * What a thread needs from the CPU: a kernel context to switch to, the user
 * register frame it enters user mode with, and its FPU/SIMD state. The
 * scheduler (sched/) and thread creation (sched/thread.c) use only these.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct cpu;
struct thread;
struct trap_frame;

/*
 * Saves the running kernel context on its stack and its stack pointer in
 * *save_sp, then resumes the context saved at `new_sp`. Returns, on the
 * resumed side, the `prev` that the switch to it passed.
 */
struct thread *context_switch(uint64_t *save_sp, uint64_t new_sp, struct thread *prev);

/*
 * Lays out a fresh kernel stack ending at `top` so that the first
 * context_switch() to it enters thread_start(prev). Returns the stack
 * pointer to switch to.
 */
uint64_t context_init_kernel(uintptr_t top);

/*
 * Writes, just below `top` (the top of a new thread's kernel stack), the user
 * registers the thread starts with: at `ip` on stack `sp`, with `arg0` and
 * `arg1` in the first two argument registers and interrupts on. Returns the
 * frame; the kernel context then goes below it (context_init_kernel).
 */
struct trap_frame *context_init_user(uintptr_t top, uintptr_t ip, uintptr_t sp, uint64_t arg0,
                                     uint64_t arg1);

/* Leaves for user mode with the registers in `tf` (on the running thread's kernel stack). */
__attribute__((noreturn)) void context_enter_user(struct trap_frame *tf);

/* Makes `top` the kernel stack `c` enters on a trap or system call from user mode. */
void context_set_kernel_stack(struct cpu *c, uintptr_t top);

/* Bytes of an FPU save area (to be 64-byte aligned). */
size_t fpu_area_size(void);

/* Fills `area` with the clean initial state (as after FNINIT, MXCSR 0x1f80). */
void fpu_area_init(void *area);

/* Saves the calling CPU's FPU state into `area`, or loads it from there. */
void fpu_save(void *area);
void fpu_restore(const void *area);
