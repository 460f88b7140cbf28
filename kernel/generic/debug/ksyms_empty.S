/* The first link's symbol table: empty (see tools/gen_ksyms.py). */
	.section .ksyms, "a"
	.balign 8
	.globl ksyms_count, ksyms_addrs, ksyms_name_offsets, ksyms_strings
ksyms_count:
	.quad 0
ksyms_addrs:
ksyms_name_offsets:
ksyms_strings:
	.byte 0
