/*
 * Kernel entry and exit paths.
 *
 * Interrupts and exceptions: each vector's stub makes the stack look the same
 * (an error code, real or zero, then the vector number); isr_common saves
 * every general-purpose register into a struct trap_frame (idt.h), calls
 * trap_dispatch(frame), and leaves through trap_return with iretq. GS is
 * swapped when the trap came from user mode, so %gs:0 is always this CPU's
 * struct cpu.
 *
 * System calls: syscall_entry (the `syscall` instruction) builds the same
 * trap frame on the thread's kernel stack, calls syscall_dispatch(frame) with
 * interrupts on, and returns with sysretq when the frame allows it (iretq
 * otherwise). `int 0x80` arrives through its stub like any interrupt.
 */
#include <x86_64/gdt.h>
#include <arch/percpu.h>

#define TF_CS	  (18 * 8)
#define TF_RIP	  (17 * 8)
#define TF_RFLAGS (19 * 8)
#define TF_RSP	  (20 * 8)
#define VEC_SYSCALL_MARK 0x100	/* the trap frame's vector field for `syscall` */

	.text

.macro ISR_STUB vec
	.balign 16
isr_stub_\vec:
	.if (\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp isr_common
.endm

.macro SAVE_REGS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
.endm

/* Calls \fn(frame) with a frame record the backtrace can walk through. */
.macro CALL_WITH_FRAME fn
	movq %rsp, %rdi
	pushq TF_RIP(%rsp)
	pushq 9 * 8(%rsp)	/* the trapped rbp */
	movq %rsp, %rbp
	call \fn
	addq $16, %rsp
.endm

	.globl isr_stubs_start
isr_stubs_start:
.altmacro
.set i, 0
.rept 256
	ISR_STUB %i
	.set i, i + 1
.endr

isr_common:
	/* vector at 0(%rsp), error code at 8, then rip, cs, rflags, rsp, ss */
	testb $3, 24(%rsp)
	jz 1f
	swapgs
1:	/* A user's EFLAGS.AC (set with popf) must not open user memory to the kernel. */
	cmpb $0, usermode_smap_on(%rip)
	je 3f
	clac
3:	SAVE_REGS
	CALL_WITH_FRAME trap_dispatch

/* Restores the trap frame at %rsp and returns to where it came from. */
	.globl trap_return
trap_return:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp		/* vector and error code */
	testb $3, 8(%rsp)
	jz 2f
	cli
	swapgs
2:	iretq

	.globl syscall_entry
syscall_entry:
	swapgs
	movq %rsp, %gs:CPU_OFF_USER_RSP
	movq %gs:CPU_OFF_KERNEL_RSP, %rsp
	pushq $(GDT_USER_DATA | 3)
	pushq %gs:CPU_OFF_USER_RSP
	pushq %r11
	pushq $(GDT_USER_CODE | 3)
	pushq %rcx
	pushq $0
	pushq $VEC_SYSCALL_MARK
	SAVE_REGS
	sti
	CALL_WITH_FRAME syscall_dispatch
	cli
	/* sysretq needs a canonical user rip (else it faults in ring 0) and the user selectors. */
	movq TF_RIP(%rsp), %rcx
	movq %rcx, %r11
	sarq $47, %r11
	jnz trap_return
	cmpq $(GDT_USER_CODE | 3), TF_CS(%rsp)
	jne trap_return
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11		/* overwritten below: sysret takes rflags from r11 */
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx		/* overwritten below: sysret takes rip from rcx */
	popq %rbx
	popq %rax
	movq 16(%rsp), %rcx	/* rip (after vector, error code) */
	movq 32(%rsp), %r11	/* rflags */
	movq 40(%rsp), %rsp	/* user rsp */
	swapgs
	sysretq

/*
 * struct thread *context_switch(uint64_t *save_rsp, uint64_t new_rsp, struct thread *prev)
 * Saves the callee-saved registers on this stack, stores the stack pointer
 * in *save_rsp, and resumes the thread whose stack pointer is new_rsp, where
 * the call returns `prev` (so the resumed side learns who ran before it).
 */
	.globl context_switch
context_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	movq %rdx, %rax
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

/* Where a new thread's first context_switch returns to: thread_start() in C. */
	.globl thread_trampoline
thread_trampoline:
	xorl %ebp, %ebp
	movq %rax, %rdi
	call thread_start
	ud2
