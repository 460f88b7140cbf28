/*
 * Copies between kernel and user memory that may fault. Each routine's
 * faulting instructions lie between a start and an end label listed in
 * usercopy_fixups (usercopy.c); a page fault there that the address space
 * cannot resolve resumes at the routine's fixup, which returns -EFAULT.
 * With SMAP, user pages are reachable only between stac and clac.
 */
#define EFAULT 14

.macro USER_ACCESS_BEGIN
	cmpb $0, usermode_smap_on(%rip)
	je 1f
	stac
1:
.endm

.macro USER_ACCESS_END
	cmpb $0, usermode_smap_on(%rip)
	je 1f
	clac
1:
.endm

	.text

/* long usercopy_raw(void *dst, const void *src, size_t len): 0 or -EFAULT */
	.globl usercopy_raw, usercopy_raw_start, usercopy_raw_end, usercopy_raw_fixup
usercopy_raw:
	USER_ACCESS_BEGIN
	movq %rdx, %rcx
usercopy_raw_start:
	rep movsb
usercopy_raw_end:
	USER_ACCESS_END
	xorl %eax, %eax
	ret
usercopy_raw_fixup:
	USER_ACCESS_END
	movq $-EFAULT, %rax
	ret
