/*
 * _start: the entry point of every Iris program (ENTRY in user.ld).
 *
 * The kernel enters with rsp 16-byte aligned, pointing at argc, followed by
 * argv[], NULL, envp[], NULL, nhandles, handles[] (iris/abi/syscall.h). rbp is
 * zeroed so backtraces end here; __libc_start(sp) runs main and exits, and
 * never returns.
 */
	.text
	.globl _start
	.type _start, @function
_start:
	.cfi_startproc
	.cfi_undefined rip
	xorl %ebp, %ebp
	movq %rsp, %rdi
	andq $-16, %rsp
	call __libc_start
	ud2
	.cfi_endproc
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits
