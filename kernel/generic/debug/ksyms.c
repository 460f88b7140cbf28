#include <console/log.h>
#include <debug/ksyms.h>
#include <mm/layout.h>

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

void ksyms_backtrace(uintptr_t rbp)
{
	for (int depth = 0; depth < 32; depth++) {
		if (rbp == 0 || (rbp & 7) != 0 || rbp < HHDM_BASE || rbp > UINTPTR_MAX - 16)
			return;
		const uintptr_t *frame = (const uintptr_t *)rbp;
		uintptr_t ret = frame[1];
		if (ret < (uintptr_t)_text_start || ret >= (uintptr_t)_text_end)
			return;
		/* A return address points after the call: look up the call itself. */
		ksyms_print_location(ret - 1);
		if (frame[0] <= rbp)
			return;
		rbp = frame[0];
	}
}
