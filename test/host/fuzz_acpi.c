/*
 * libFuzzer target for the ACPI table parsers (the kernel's acpi/tables.c). Built by
 * test/meson.build; run it longer by hand with build/test/fuzz_acpi -max_total_time=60.
 *
 * The first input byte picks the mode:
 *   0-3 (low 2 bits) 0: a whole machine. The next 36 bytes are an RSDP, the rest is
 *                       physical memory at FUZZ_BASE; the RSDT/XSDT pointers are folded into
 *                       that memory (those already inside it are kept) and every table the
 *                       parser maps whole gets its checksum fixed, so the fuzzer reaches the
 *                       table parsers. Bit 7 set keeps the checksums as they are.
 *                    1: the rest is one MADT, 2: one MCFG, 3: one HPET table (header length
 *                       and checksum fixed to the input size), given straight to the parser.
 *
 * The deep checks counted (fuzz_reached.h) are the inputs for which a table parser accepted a
 * table. The seed corpus (test/host/corpus/acpi) holds the tables of QEMU's pc and q35
 * machines in both forms (test/host/corpus/capture.py).
 */
#include <acpi/acpi.h>
#include <console/log.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_BASE 0x100000u

#define FUZZ_REACHED_MIN 1000
#include "fuzz_reached.h"

void klog(enum log_level level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

struct fuzz_mem {
	uint8_t *buf;
	size_t size;
	bool fix_sums;
};

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A physical address inside [FUZZ_BASE, FUZZ_BASE + span): kept if it is, folded if not. */
static uint32_t fold_phys(uint32_t phys, size_t span)
{
	if (phys >= FUZZ_BASE && phys - FUZZ_BASE < span)
		return phys;
	return (uint32_t)(FUZZ_BASE + phys % span);
}

static void fix_sum(uint8_t *p, size_t len, size_t where)
{
	uint8_t s = 0;

	p[where] = 0;
	for (size_t i = 0; i < len; i++)
		s += p[i];
	p[where] = (uint8_t)-s;
}

static const void *fuzz_map(uint64_t phys, size_t len, void *ctx)
{
	struct fuzz_mem *m = ctx;

	if (phys < FUZZ_BASE || phys - FUZZ_BASE > m->size || len > m->size - (phys - FUZZ_BASE))
		return NULL;
	uint8_t *p = m->buf + (phys - FUZZ_BASE);
	if (m->fix_sums && len >= ACPI_HEADER_LEN && rd32(p + 4) == len)
		fix_sum(p, len, 9);
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct acpi_info info;

	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	size_t len = size - 1;
	/* An exact-size copy so ASan catches any read past the input. */
	uint8_t *buf = malloc(len ? len : 1);
	memcpy(buf, data + 1, len);

	if ((mode & 3) == 0) {
		uint8_t rsdp[ACPI_RSDP_V2_LEN] = { 0 };
		size_t rlen = len < sizeof(rsdp) ? len : sizeof(rsdp);
		struct fuzz_mem m = { buf + rlen, len - rlen, !(mode & 0x80) };

		memcpy(rsdp, buf, rlen);
		memcpy(rsdp, "RSD PTR ", 8);
		size_t span = m.size + 16; /* a few pointers fall just outside */
		put32(rsdp + 16, fold_phys(rd32(rsdp + 16), span));
		put32(rsdp + 24, fold_phys(rd32(rsdp + 24), span));
		put32(rsdp + 28, 0);
		fix_sum(rsdp, ACPI_RSDP_V1_LEN, 8);
		fix_sum(rsdp, ACPI_RSDP_V2_LEN, 32);
		if (acpi_parse(rsdp, rlen < ACPI_RSDP_V1_LEN ? ACPI_RSDP_V1_LEN : rlen, fuzz_map,
		               &m, &info) == 0 &&
		    (info.has_madt || info.has_mcfg || info.has_hpet))
			fuzz_reached();
	} else {
		if (len >= ACPI_HEADER_LEN) {
			put32(buf + 4, (uint32_t)len);
			fix_sum(buf, len, 9);
		}
		memset(&info, 0, sizeof(info));
		if (acpi_table_check(buf, len, NULL) == len) {
			int err;
			if ((mode & 3) == 1)
				err = acpi_parse_madt(buf, len, &info);
			else if ((mode & 3) == 2)
				err = acpi_parse_mcfg(buf, len, &info);
			else
				err = acpi_parse_hpet(buf, len, &info);
			if (err == 0)
				fuzz_reached();
		}
	}
	/* Invariants that must hold whatever the input. */
	if (info.cpu_count > ACPI_MAX_CPUS || info.ioapic_count > ACPI_MAX_IOAPICS ||
	    info.override_count > ACPI_MAX_OVERRIDES || info.nmi_count > ACPI_MAX_NMIS ||
	    info.mcfg_count > ACPI_MAX_MCFG)
		abort();
	free(buf);
	return 0;
}
