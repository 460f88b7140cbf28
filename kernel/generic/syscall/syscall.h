/*
 * The system-call layer: the gate's entry and the table of the calls,
 * generated from iris/abi/syscalls.def (docs/syscalls.md).
 */
#pragma once

#include <iris/abi/syscall.h>
#include <stdbool.h>
#include <stdint.h>

struct trap_frame;

/*
 * Runs the system call in tf->rax with the arguments in rdi, rsi, rdx, r10,
 * r8, r9, stores the result in tf->rax, and acts on a pending kill or
 * reschedule before the return to user mode. Interrupts are on.
 */
void syscall_dispatch(struct trap_frame *tf);

/*
 * Runs system call `nr` with `args` in the calling thread's context; returns
 * its result: -ENOSYS for a number that is no call, -EINVAL for a call that
 * only means something inside a ring (SYS_CANCEL, SYS_LINK_TIMEOUT).
 */
long syscall_invoke(uint64_t nr, const uint64_t args[6]);

/*
 * Where a call may run (the columns of iris/abi/syscalls.def); a number that
 * is no call is none of these, and syscall_invoke() refuses it.
 */

/*
 * The columns of each call, indexed by number; inline below because the
 * ring engine asks for every entry it takes.
 */
#define SYSCALL_GATE     (1u << 0)
#define SYSCALL_RING     (1u << 1)
#define SYSCALL_BLOCKS   (1u << 2)
#define SYSCALL_ANYWHERE (1u << 3)
extern const uint8_t syscall_flags[SYS_COUNT];

static inline unsigned syscall_columns(uint64_t nr)
{
	return nr < SYS_COUNT ? syscall_flags[nr] : 0;
}

/* A call a ring refuses with -EINVAL: it ends or enters the caller (exits, SYS_RING_ENTER). */
static inline bool syscall_gate_only(uint64_t nr)
{
	return (syscall_columns(nr) & (SYSCALL_GATE | SYSCALL_RING)) == SYSCALL_GATE;
}

/*
 * A call the async engine runs as an operation (async/aop.c), never through
 * syscall_invoke() from a ring: it may wait, or it acts on its ring.
 */
static inline bool syscall_is_operation(uint64_t nr)
{
	unsigned f = syscall_columns(nr);
	return (f & SYSCALL_BLOCKS) || (f & (SYSCALL_GATE | SYSCALL_RING)) == SYSCALL_RING;
}

/* A call that needs no thread of the caller's process: a ring may start it from a completion. */
static inline bool syscall_anywhere(uint64_t nr)
{
	return syscall_columns(nr) & SYSCALL_ANYWHERE;
}
