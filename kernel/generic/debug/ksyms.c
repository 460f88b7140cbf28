#include <console/log.h>
#include <debug/ksyms.h>
#include <mm/layout.h>
#include <stdbool.h>

/* Laid out by tools/gen_ksyms.py: addresses ascending, names as offsets into one string blob. */
extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addrs[];
extern const uint32_t ksyms_name_offsets[];
extern const char ksyms_strings[];
extern const char _text_start[], _text_end[];

const char *ksyms_lookup(uintptr_t addr, uintptr_t *offset)
{
	if (ksyms_count == 0 || addr < ksyms_addrs[0] || addr >= (uintptr_t)_text_end)
		return NULL;
	size_t lo = 0, hi = ksyms_count;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (ksyms_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - ksyms_addrs[lo];
	return &ksyms_strings[ksyms_name_offsets[lo]];
}

void ksyms_print_location(uintptr_t addr)
{
	uintptr_t off = 0;
	const char *name = ksyms_lookup(addr, &off);
	if (name)
		kprintf("  [<%016lx>] %s+%#lx\n", addr, name, off);
	else
		kprintf("  [<%016lx>] ?\n", addr);
}

/*
 * Reads the return address of the frame at *rbp into *ret and moves *rbp to
 * the caller's frame (0 if the chain does not go up the stack). Returns false,
 * reading nothing, if *rbp is null, misaligned or not a kernel address, and
 * false if the return address is outside the kernel's text.
 */
static bool frame_step(uintptr_t *rbp, uintptr_t *ret)
{
	uintptr_t fp = *rbp;

	if (fp == 0 || (fp & 7) != 0 || fp < HHDM_BASE || fp > UINTPTR_MAX - 16)
		return false;
	const uintptr_t *frame = (const uintptr_t *)fp;
	*ret = frame[1];
	if (*ret < (uintptr_t)_text_start || *ret >= (uintptr_t)_text_end)
		return false;
	*rbp = frame[0] > fp ? frame[0] : 0;
	return true;
}

size_t ksyms_stack_trace(uintptr_t rbp, uintptr_t *out, size_t max)
{
	size_t n = 0;

	while (n < max && frame_step(&rbp, &out[n]))
		n++;
	return n;
}

void ksyms_backtrace(uintptr_t rbp)
{
	uintptr_t ret;

	/* A return address points after the call: look up the call itself. */
	for (int depth = 0; depth < 32 && frame_step(&rbp, &ret); depth++)
		ksyms_print_location(ret - 1);
}
