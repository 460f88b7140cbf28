/* libFuzzer target: arbitrary bytes as a multiboot2 information block. */
#include <boot/multiboot2.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi;
	char err[128];

	if (mb2_parse(data, size, &bi, err, sizeof(err)) == 0)
		bootinfo_check(&bi, 0x200000, 0x400000, err, sizeof(err));
	return 0;
}
