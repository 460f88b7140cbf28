/*
 * The table of the system calls, built from iris/abi/syscalls.def, and the
 * gate's entry. The handlers live by object: process.c, thread.c, vm.c,
 * handle.c, channel.c, ring.c, device.c, irq.c and system.c.
 */
#include <iris/errno.h>
#include <iris/syscall.h>
#include <sched/thread.h>
#include <syscall/args.h>
#include <syscall/syscall.h>
#include <x86_64/idt.h>

/* What the table records of each call (the columns of iris/abi/syscalls.def). */
#define CALL_GATE     (1u << 0)
#define CALL_RING     (1u << 1)
#define CALL_BLOCKS   (1u << 2)
#define CALL_ANYWHERE (1u << 3)

/* A call with gate 0 has no handler: it only means something inside a ring. */
#define HANDLER_1(name) sys_##name
#define HANDLER_0(name) NULL

static const struct {
	syscall_fn fn;
	uint32_t flags;
} table[SYS_COUNT] = {
#define SYSCALL(nr, NAME, name, gate, ring, blocks, anywhere)                \
	[nr] = { HANDLER_##gate(name), (gate)*CALL_GATE | (ring)*CALL_RING | \
		                               (blocks)*CALL_BLOCKS | (anywhere)*CALL_ANYWHERE },
#include <iris/abi/syscalls.def>
#undef SYSCALL
};

/* The numbers run from 0 without a gap: every one below SYS_COUNT is a call. */
#define SYSCALL(nr, NAME, name, gate, ring, blocks, anywhere) \
	_Static_assert((nr) < SYS_COUNT, "SYS_" #NAME " is past SYS_COUNT");
#include <iris/abi/syscalls.def>
#undef SYSCALL

static uint32_t call_flags(uint64_t nr)
{
	return nr < SYS_COUNT ? table[nr].flags : 0;
}

bool syscall_gate_only(uint64_t nr)
{
	return (call_flags(nr) & (CALL_GATE | CALL_RING)) == CALL_GATE;
}

bool syscall_is_operation(uint64_t nr)
{
	uint32_t f = call_flags(nr);
	return (f & CALL_BLOCKS) || (f & (CALL_GATE | CALL_RING)) == CALL_RING;
}

bool syscall_anywhere(uint64_t nr)
{
	return call_flags(nr) & CALL_ANYWHERE;
}

long syscall_invoke(uint64_t nr, const uint64_t args[6])
{
	const struct syscall_args *a = (const struct syscall_args *)args;
	if (nr >= SYS_COUNT)
		return -ENOSYS;
	return table[nr].fn ? table[nr].fn(a) : -EINVAL; /* a ring-only call, through the gate */
}

void syscall_dispatch(struct trap_frame *tf)
{
	uint64_t nr = tf->rax;
	struct syscall_args a = { { tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9 } };

	if (nr == SYS_ECHO) /* the null call: no table walk */
		tf->rax = a.a[0];
	else
		tf->rax = (uint64_t)syscall_invoke(nr, a.a);
	thread_user_return(tf);
}
