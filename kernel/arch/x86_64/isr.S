/*
 * Interrupt and exception entry stubs. Each vector's stub makes the stack look
 * the same (an error code, real or zero, then the vector number), and the
 * common path saves every general-purpose register into a struct trap_frame
 * (idt.h), calls trap_dispatch(frame) and returns with iretq. GS is swapped
 * when the trap came from user mode, so %gs:0 is always this CPU's struct cpu.
 */

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
1:	pushq %rax
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
	movq %rsp, %rdi
	/* A frame record the backtrace can walk through: (saved rbp, rip). */
	pushq 17 * 8(%rsp)	/* the trapped rip */
	pushq 9 * 8(%rsp)	/* the trapped rbp */
	movq %rsp, %rbp
	call trap_dispatch
	addq $16, %rsp
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
	swapgs
2:	iretq
