/*
 * Thread contexts (arch/context.h): the stack layout context_switch
 * (isr.S) expects, and the user register frame trap_return pops.
 */
#include <arch/context.h>
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <common/string.h>
#include <x86_64/gdt.h>

#define RFLAGS_RESERVED1 (1ull << 1)

void thread_trampoline(void);
void trap_return(void);

uint64_t context_init_kernel(uintptr_t top)
{
	uint64_t *sp = (uint64_t *)top;
	*--sp = 0; /* alignment: trampoline is entered like a call target */
	*--sp = (uint64_t)thread_trampoline; /* return address of context_switch */
	for (int i = 0; i < 6; i++)
		*--sp = 0; /* rbp, rbx, r12-r15 */
	return (uint64_t)sp;
}

struct trap_frame *context_init_user(uintptr_t top, uintptr_t ip, uintptr_t sp, uint64_t arg0,
                                     uint64_t arg1)
{
	struct trap_frame *tf = (struct trap_frame *)(top - sizeof(*tf));
	memset(tf, 0, sizeof(*tf));
	tf->rip = ip;
	tf->rsp = sp;
	tf->rdi = arg0;
	tf->rsi = arg1;
	tf->cs = GDT_USER_CODE | 3;
	tf->ss = GDT_USER_DATA | 3;
	tf->rflags = RFLAGS_IF | RFLAGS_RESERVED1;
	return tf;
}

void context_enter_user(struct trap_frame *tf)
{
	__asm__ volatile("movq %0, %%rsp; jmp trap_return" : : "r"(tf) : "memory");
	__builtin_unreachable();
}

void context_set_kernel_stack(struct cpu *c, uintptr_t top)
{
	c->kernel_rsp = top;
	c->gdt->tss.rsp[0] = top;
}
