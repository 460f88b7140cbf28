#include <common/string.h>
#include <console/log.h>
#include <x86_64/cpu.h>
#include <x86_64/fwcfg.h>

#define FWCFG_SELECTOR  0x510
#define FWCFG_DATA      0x511
#define FWCFG_SIGNATURE 0x0000
#define FWCFG_FILE_DIR  0x0019
#define FWCFG_FILE_NAME 56

static void fwcfg_read(void *buf, size_t len)
{
	uint8_t *p = buf;
	for (size_t i = 0; i < len; i++)
		p[i] = inb(FWCFG_DATA);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool under_hypervisor(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	return (c >> 31) & 1;
}

bool fwcfg_read_cmdline(char *buf, size_t len)
{
	uint8_t sig[4], hdr[4];

	if (len == 0 || !under_hypervisor())
		return false;
	outw(FWCFG_SELECTOR, FWCFG_SIGNATURE);
	fwcfg_read(sig, sizeof(sig));
	if (memcmp(sig, "QEMU", 4) != 0)
		return false;

	outw(FWCFG_SELECTOR, FWCFG_FILE_DIR);
	fwcfg_read(hdr, sizeof(hdr));
	uint32_t count = be32(hdr);
	for (uint32_t i = 0; i < count && i < 4096; i++) {
		uint8_t entry[64]; /* size, select, reserved, name[56] */
		fwcfg_read(entry, sizeof(entry));
		const char *name = (const char *)entry + 8;
		if (strnlen(name, FWCFG_FILE_NAME) == FWCFG_FILE_NAME ||
		    strcmp(name, "opt/iris/cmdline") != 0)
			continue;
		uint32_t size = be32(entry);
		uint16_t select = (uint16_t)(entry[4] << 8 | entry[5]);
		if (size > len - 1) {
			/* a word cut in half could mean something else: all of it or nothing */
			pr_warn("fw_cfg: opt/iris/cmdline is %u bytes, more than %zu: ignored\n",
			        size, len - 1);
			return false;
		}
		size_t n = size;
		outw(FWCFG_SELECTOR, select);
		fwcfg_read(buf, n);
		buf[n] = '\0';
		return true;
	}
	return false;
}
