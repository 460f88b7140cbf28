/*
 * The AP start-up trampoline. smp.c copies ap_boot_start..ap_boot_end to a
 * page P below 1 MiB, identity-maps it, fills the parameter block and sends
 * SIPI with vector P >> 12. The AP wakes in real mode at P:0 with CS = P >> 4,
 * so everything here is addressed relative to the trampoline: EBX holds P
 * from the first instructions on. Real mode -> 32-bit protected mode (own
 * flat GDT) -> long mode (CR3 = the kernel's PML4, EFER.LME|NXE) -> jump to
 * the 64-bit C entry on the AP's own stack with the struct cpu in RDI.
 */
#include <x86_64/smp.h>

#define OFF(sym)	((sym) - ap_boot_start)

#define CR0_PE		(1 << 0)
#define CR0_NE		(1 << 5)
#define CR0_WP		(1 << 16)
#define CR0_PG		(1 << 31)
#define CR4_PAE		(1 << 5)
#define MSR_EFER	0xc0000080
#define EFER_LME	(1 << 8)
#define EFER_NXE	(1 << 11)

#define SEL_CODE32	0x08
#define SEL_DATA	0x10
#define SEL_CODE64	0x18

	/* Copied before use, never executed in place. */
	.section .rodata.ap_boot, "a"
	.balign 16
	.globl ap_boot_start, ap_boot_end, ap_boot_params

	.code16
ap_boot_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	movzwl %ax, %ebx
	shll $4, %ebx				/* EBX = P */

	/* Fill in the absolute addresses (the same for every AP). */
	leal OFF(ap_boot_gdt)(%ebx), %eax
	movl %eax, OFF(ap_boot_gdtr) + 2
	leal OFF(ap_boot_pm32)(%ebx), %eax
	movl %eax, OFF(ap_boot_pm32_ptr)
	leal OFF(ap_boot_lm64)(%ebx), %eax
	movl %eax, OFF(ap_boot_lm64_ptr)

	lgdtl OFF(ap_boot_gdtr)
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl *OFF(ap_boot_pm32_ptr)

	.code32
ap_boot_pm32:
	movw $SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs

	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl OFF(ap_boot_params) + AP_PARAM_CR3(%ebx), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $(EFER_LME | EFER_NXE), %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP | CR0_NE), %eax
	movl %eax, %cr0
	ljmpl *OFF(ap_boot_lm64_ptr)(%ebx)

	.code64
ap_boot_lm64:
	movl %ebx, %ebx				/* upper halves are undefined after the switch */
	movq OFF(ap_boot_params) + AP_PARAM_STACK(%rbx), %rsp
	movq OFF(ap_boot_params) + AP_PARAM_CPU(%rbx), %rdi
	movq OFF(ap_boot_params) + AP_PARAM_ENTRY(%rbx), %rax
	xorl %ebp, %ebp				/* ends the backtrace */
	pushq $0				/* no return address: the entry never returns */
	jmpq *%rax

	.balign 8
ap_boot_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff		/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff		/* 0x10: data */
	.quad 0x00af9a000000ffff		/* 0x18: 64-bit code */
ap_boot_gdt_end:

	.balign 4
ap_boot_gdtr:
	.short ap_boot_gdt_end - ap_boot_gdt - 1
	.long 0					/* linear address, filled in at run time */
	.balign 4
ap_boot_pm32_ptr:
	.long 0
	.short SEL_CODE32
	.balign 4
ap_boot_lm64_ptr:
	.long 0
	.short SEL_CODE64

	.balign 8
ap_boot_params:
	.skip AP_PARAM_SIZE
ap_boot_end:
