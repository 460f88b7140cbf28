/*
 * Boot entry. GRUB enters _start in 32-bit protected mode with paging off,
 * EAX = multiboot2 magic and EBX = physical address of the information block.
 * We check for long mode, build boot page tables that map the first 4 GiB
 * three times (identity, the direct map at HHDM_BASE, and the kernel image
 * at -2 GiB), enter long mode and call kernel_main(magic, mbi) in the higher
 * half. paging_init() later replaces these tables with the real ones.
 */

#define MB2_MAGIC	0xe85250d6
#define MB2_ARCH_I386	0
#define MB2_BOOT_MAGIC	0x36d76289

#define KERNEL_VMA	0xffffffff80000000

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

	/* Framebuffer request (optional: text mode or no display is fine). */
	.balign 8
	.short 5, 1
	.long 20
	.long 1024, 768, 32

	/* Page-align modules: they are mapped into processes later. */
	.balign 8
	.short 6, 0
	.long 8

	/* End tag. */
	.balign 8
	.short 0, 0
	.long 8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl %eax, %edi			/* keep magic and MBI for kernel_main */
	movl %ebx, %esi
	movl $boot_stack_top, %esp

	cmpl $MB2_BOOT_MAGIC, %edi
	jne no_multiboot

	/* CPUID must exist and report long mode. */
	pushfl
	popl %eax
	movl %eax, %ecx
	xorl $(1 << 21), %eax
	pushl %eax
	popfl
	pushfl
	popl %eax
	pushl %ecx
	popfl
	cmpl %eax, %ecx
	je no_long_mode
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	testl $(1 << 29), %edx
	jz no_long_mode

	/* PML4[0] and PML4[256] -> the low PDPT; PML4[511] -> the high PDPT. */
	movl $boot_pdpt_low, %eax
	orl $3, %eax
	movl %eax, boot_pml4
	movl %eax, boot_pml4 + 256 * 8
	movl $boot_pdpt_high, %eax
	orl $3, %eax
	movl %eax, boot_pml4 + 511 * 8

	/* The low PDPT's four entries -> four PDs covering 4 GiB in 2 MiB pages. */
	movl $boot_pd, %eax
	orl $3, %eax
	movl %eax, boot_pdpt_low
	addl $4096, %eax
	movl %eax, boot_pdpt_low + 8
	addl $4096, %eax
	movl %eax, boot_pdpt_low + 16
	addl $4096, %eax
	movl %eax, boot_pdpt_low + 24

	/* -2 GiB (PDPT index 510) -> the first GiB. */
	movl $boot_pd, %eax
	orl $3, %eax
	movl %eax, boot_pdpt_high + 510 * 8

	/* 2048 large pages: physical 0..4 GiB, present + writable + PS. */
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax
	movl %eax, boot_pd(, %ecx, 8)
	movl %ecx, %eax
	shrl $11, %eax
	movl %eax, boot_pd + 4(, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jne 1b

	movl %cr4, %eax
	orl $(1 << 5), %eax		/* PAE */
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	orl $(1 << 8), %eax
	wrmsr
	movl %cr0, %eax
	orl $((1 << 31) | (1 << 16) | 1), %eax	/* PG, WP, PE */
	movl %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $0x08, $long_mode_low

	/* Early failures: say so on COM1 and the VGA text screen, then halt. */
no_multiboot:
	movl $msg_no_mb2, %esi
	jmp early_fail
no_long_mode:
	movl $msg_no_lm, %esi
early_fail:
	movl $0xb8000, %edi
2:	movb (%esi), %al
	testb %al, %al
	jz 4f
	movb %al, (%edi)
	movb $0x4f, 1(%edi)
	addl $2, %edi
	movw $0x3fd, %dx
3:	inb %dx, %al
	testb $0x20, %al
	jz 3b
	movb (%esi), %al
	movw $0x3f8, %dx
	outb %al, %dx
	incl %esi
	jmp 2b
4:	cli
	hlt
	jmp 4b

	.code64
long_mode_low:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $bsp_stack_top, %rsp
	xorl %ebp, %ebp			/* ends the backtrace */
	movabsq $kernel_main, %rax
	call *%rax
5:	cli
	hlt
	jmp 5b

	.section .boot.data, "aw"
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff		/* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt

msg_no_mb2:
	.asciz "Iris: not started by a multiboot2 boot loader; halting.\r\n"
msg_no_lm:
	.asciz "Iris: this CPU has no 64-bit long mode; Iris needs x86_64. Halting.\r\n"

	.section .boot.bss, "aw", @nobits
	.balign 4096
	.globl boot_pml4
boot_pml4:
	.skip 4096
boot_pdpt_low:
	.skip 4096
boot_pdpt_high:
	.skip 4096
boot_pd:
	.skip 4 * 4096
	.skip 4096
boot_stack_top:

	.section .bss
	.balign 16
	.globl bsp_stack_bottom, bsp_stack_top
bsp_stack_bottom:
	.skip 32768
bsp_stack_top:
