/*
 * libFuzzer target: arbitrary bytes as a multiboot2 information block.
 *
 * The parser is given an exact-size copy of the block as its first word
 * sizes it (when that size is a sane one), so AddressSanitizer catches any
 * read past the block's end, not only past the input's; otherwise the input
 * as it is. Whatever mb2_parse accepts must hold together: counts within
 * their arrays, strings terminated, the size read back; bootinfo_check then
 * runs on it (the deep checks this target counts). The seed corpus
 * (test/host/corpus/multiboot2) holds blocks real GRUB wrote.
 *
 * Then each tag of the block is parsed alone, as the last bytes of a block
 * of its own cut to the tag's stated size, so that a tag parser reading
 * more than its tag holds is caught even where the next tag would have
 * covered the read in the whole block.
 */
#include <boot/multiboot2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_REACHED_MIN 100
#include "fuzz_reached.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expect(bool cond)
{
	if (!cond)
		__builtin_trap();
}

/* Parses the tag of `size` bytes at `tag` alone: a block of a header and that tag, no end tag. */
static void parse_tag_alone(const uint8_t *tag, uint32_t size)
{
	static struct boot_info bi;
	char err[128];
	uint32_t total = 8 + size;
	uint8_t *block = malloc(total);
	expect(block != NULL);
	memcpy(block, &total, 4);
	memset(block + 4, 0, 4);
	memcpy(block + 8, tag, size);
	expect(mb2_parse(block, total, &bi, err, sizeof(err)) < 0); /* no end tag */
	free(block);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi;
	char err[128];
	uint32_t total = 0;

	if (size >= 4)
		memcpy(&total, data, 4);
	size_t avail = total >= 8 && total <= size ? total : size;
	uint8_t *block = malloc(avail ? avail : 1);
	expect(block != NULL);
	memcpy(block, data, avail);

	if (mb2_parse(block, avail, &bi, err, sizeof(err)) == 0) {
		expect(bi.mbi_size == total && bi.mmap_count > 0 && bi.mmap_count <= BOOT_MAX_MMAP);
		expect(bi.module_count <= BOOT_MAX_MODULES && bi.rsdp_len <= sizeof(bi.rsdp));
		expect(memchr(bi.cmdline, '\0', sizeof(bi.cmdline)) != NULL);
		expect(memchr(bi.bootloader, '\0', sizeof(bi.bootloader)) != NULL);
		for (size_t i = 0; i < bi.module_count; i++)
			expect(memchr(bi.modules[i].cmdline, '\0', BOOT_MODLINE_MAX) != NULL);
		bootinfo_check(&bi, 0x200000, 0x400000, err, sizeof(err));
		fuzz_reached();
	}
	for (size_t off = 8; off + 8 <= avail;) {
		uint32_t type, tag_size;
		memcpy(&type, block + off, 4);
		memcpy(&tag_size, block + off + 4, 4);
		if (type == 0 || tag_size < 8 || tag_size > avail - off)
			break;
		parse_tag_alone(block + off, tag_size);
		off += ((size_t)tag_size + 7) & ~(size_t)7;
	}
	free(block);
	return 0;
}
