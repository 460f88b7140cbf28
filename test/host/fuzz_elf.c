/*
 * libFuzzer target: arbitrary bytes as an ELF executable. Whatever
 * elf_validate() accepts must keep its promises; a broken one traps. The
 * deep checks counted (fuzz_reached.h) are those on accepted images; the
 * seed corpus (test/host/corpus/elf) holds lld-built executables.
 * Built by test/meson.build (with the kernel's proc/elf.c); run it longer by
 * hand with build/test/fuzz_elf -max_total_time=60 -max_len=8192.
 */
#include <iris/abi/syscall.h>
#include <proc/elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define FUZZ_REACHED_MIN 400
#include "fuzz_reached.h"

#define USER_LIMIT 0x0000800000000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expect(bool cond)
{
	if (!cond)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct elf_image img;
	char err[128];

	if (elf_validate(data, size, USER_LIMIT, &img, err, sizeof(err)) != 0) {
		expect(err[0] != '\0' && memchr(err, '\0', sizeof(err)) != NULL); /* a reason */
		return 0;
	}
	expect(img.nsegments > 0 && img.nsegments <= ELF_MAX_SEGMENTS);
	uint64_t total = 0;
	bool entry_ok = false;
	for (size_t i = 0; i < img.nsegments; i++) {
		const struct elf_segment *s = &img.segments[i];
		/* Whole pages, inside [ELF_MIN_VADDR, USER_LIMIT), sorted and disjoint. */
		expect(((s->vaddr | s->memsz) & (ELF_PAGE_SIZE - 1)) == 0 && s->memsz > 0);
		expect(s->vaddr >= ELF_MIN_VADDR && s->vaddr < USER_LIMIT);
		expect(s->memsz <= USER_LIMIT - s->vaddr);
		if (i > 0)
			expect(img.segments[i - 1].vaddr + img.segments[i - 1].memsz <= s->vaddr);
		/* The file bytes come from inside the image and land inside the mapping. */
		expect(s->copy_to >= s->vaddr && s->file_size <= s->vaddr + s->memsz - s->copy_to);
		if (s->file_size > 0)
			expect(s->file_offset <= size && s->file_size <= size - s->file_offset);
		expect((s->prot & ~(IRIS_PROT_READ | IRIS_PROT_WRITE | IRIS_PROT_EXEC)) == 0);
		expect(!((s->prot & IRIS_PROT_WRITE) && (s->prot & IRIS_PROT_EXEC)));
		if ((s->prot & IRIS_PROT_EXEC) && img.entry >= s->vaddr &&
		    img.entry - s->vaddr < s->memsz)
			entry_ok = true;
		total += s->memsz;
	}
	const struct elf_segment *last = &img.segments[img.nsegments - 1];
	expect(entry_ok);
	expect(total <= ELF_MAX_IMAGE_SIZE);
	expect(img.lowest == img.segments[0].vaddr && img.highest == last->vaddr + last->memsz);
	fuzz_reached();
	return 0;
}
