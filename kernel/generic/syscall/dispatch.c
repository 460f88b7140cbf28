/*
 * The table of the system calls, built from iris/abi/syscalls.def, and the
 * gate's entry. The handlers live by object: process.c, thread.c, vm.c,
 * handle.c, channel.c, ring.c, device.c, irq.c and system.c.
 */
#include <arch/cpu.h>
#include <iris/abi/errno.h>
#include <iris/abi/syscall.h>
#include <sched/thread.h>
#include <syscall/args.h>
#include <syscall/syscall.h>

/* A call with gate 0 has no handler: it only means something inside a ring. */
#define HANDLER_1(name) sys_##name
#define HANDLER_0(name) NULL

static const syscall_fn handlers[SYS_COUNT] = {
#define SYSCALL(nr, NAME, name, gate, ring, blocks, anywhere) [nr] = HANDLER_##gate(name),
#include <iris/abi/syscalls.def>
#undef SYSCALL
};

const uint8_t syscall_flags[SYS_COUNT] = {
#define SYSCALL(nr, NAME, name, gate, ring, blocks, anywhere)                        \
	[nr] = (gate)*SYSCALL_GATE | (ring)*SYSCALL_RING | (blocks)*SYSCALL_BLOCKS | \
	       (anywhere)*SYSCALL_ANYWHERE,
#include <iris/abi/syscalls.def>
#undef SYSCALL
};

/* The numbers run from 0 without a gap: every one below SYS_COUNT is a call. */
#define SYSCALL(nr, NAME, name, gate, ring, blocks, anywhere) \
	_Static_assert((nr) < SYS_COUNT, "SYS_" #NAME " is past SYS_COUNT");
#include <iris/abi/syscalls.def>
#undef SYSCALL

long syscall_invoke(uint64_t nr, const uint64_t args[6])
{
	const struct syscall_args *a = (const struct syscall_args *)args;
	if (nr >= SYS_COUNT)
		return -ENOSYS;
	return handlers[nr] ? handlers[nr](a) : -EINVAL; /* a ring-only call, through the gate */
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
