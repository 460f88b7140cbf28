/*
 * Finds the RSDP and gives the generic ACPI parser its view of physical
 * memory. Tables stay mapped (read-only, write-back: they live in RAM) for
 * the kernel's lifetime, so later code may keep pointers into them.
 */
#include <acpi/acpi.h>
#include <boot/bootinfo.h>
#include <common/string.h>
#include <console/log.h>
#include <iris/abi/errno.h>
#include <mm/kwindow.h>
#include <x86_64/cpu.h>
#include <x86_64/paging.h>

#define BDA_EBDA_SEGMENT 0x40e
#define EBDA_MIN         0x80000u
#define EBDA_MAX         0xa0000u
#define EBDA_SCAN_LEN    1024
#define BIOS_ROM_START   0xe0000u
#define BIOS_ROM_LEN     0x20000u

/* Mapped page ranges, so a table mapped header-first is not mapped twice. */
#define ACPI_MAP_SLOTS 32

struct acpi_mapping {
	paddr_t first, end;
	const uint8_t *va;
};

static struct acpi_mapping acpi_maps[ACPI_MAP_SLOTS];
static unsigned acpi_map_count;
static uint64_t phys_limit; /* 1 << MAXPHYADDR */

static uint64_t cpu_phys_limit(void)
{
	uint32_t a, b, c, d;

	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000008)
		return 1ull << 36;
	cpuid(0x80000008, 0, &a, &b, &c, &d);
	return 1ull << (a & 0xff);
}

/* The acpi_map_fn of the kernel: refuses ranges the CPU cannot address. */
static const void *acpi_map(uint64_t phys, size_t len, void *ctx)
{
	(void)ctx;
	if (len == 0 || phys >= phys_limit || len > phys_limit - phys)
		return NULL;
	for (unsigned i = 0; i < acpi_map_count; i++) {
		const struct acpi_mapping *m = &acpi_maps[i];
		if (phys >= m->first && phys + len <= m->end)
			return m->va + (phys - m->first);
	}
	paddr_t first = phys & ~(PAGE_SIZE - 1);
	paddr_t end = (phys + len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	const uint8_t *va = kwindow_map_phys(first, end - first, MAP_READ);
	if (!va)
		return NULL;
	if (acpi_map_count < ACPI_MAP_SLOTS)
		acpi_maps[acpi_map_count++] = (struct acpi_mapping){ first, end, va };
	return va + (phys - first);
}

/* Looks for a valid RSDP on the 16-byte boundaries of [start, start + len). */
static bool rsdp_scan(paddr_t start, size_t len, uint8_t *rsdp, size_t *rsdp_len)
{
	const uint8_t *p = kwindow_map_phys(start, len, MAP_READ);
	bool found = false;
	uint64_t root;
	bool xsdt;

	if (!p)
		return false;
	for (size_t off = 0; off + ACPI_RSDP_V1_LEN <= len && !found; off += 16) {
		size_t avail = len - off < ACPI_RSDP_V2_LEN ? len - off : ACPI_RSDP_V2_LEN;
		if (acpi_rsdp_check(p + off, avail, &root, &xsdt) == 0) {
			*rsdp_len = p[off + 15] >= 2 ? avail : ACPI_RSDP_V1_LEN;
			memcpy(rsdp, p + off, *rsdp_len);
			found = true;
		}
	}
	kwindow_unmap_phys((void *)p, len);
	return found;
}

/* The BIOS places the RSDP in the first KiB of the EBDA or in 0xe0000-0xfffff. */
static bool rsdp_find_bios(uint8_t *rsdp, size_t *rsdp_len)
{
	const volatile uint16_t *bda = kwindow_map_phys(BDA_EBDA_SEGMENT, 2, MAP_READ);
	if (bda) {
		paddr_t ebda = (paddr_t)*bda << 4;
		kwindow_unmap_phys((void *)bda, 2);
		if (ebda >= EBDA_MIN && ebda + EBDA_SCAN_LEN <= EBDA_MAX &&
		    rsdp_scan(ebda, EBDA_SCAN_LEN, rsdp, rsdp_len))
			return true;
	}
	return rsdp_scan(BIOS_ROM_START, BIOS_ROM_LEN, rsdp, rsdp_len);
}

int acpi_load(struct acpi_info *out)
{
	uint8_t rsdp[ACPI_RSDP_V2_LEN];
	size_t len = 0;
	uint64_t root;
	bool xsdt;

	phys_limit = cpu_phys_limit();
	if (boot_info.rsdp_len) {
		len = boot_info.rsdp_len < sizeof(rsdp) ? boot_info.rsdp_len : sizeof(rsdp);
		memcpy(rsdp, boot_info.rsdp, len);
		if (acpi_rsdp_check(rsdp, len, &root, &xsdt) != 0) {
			pr_warn("acpi: the boot loader's RSDP copy is invalid\n");
			len = 0;
		}
	}
	if (len == 0 && !boot_info.efi && rsdp_find_bios(rsdp, &len))
		pr_info("acpi: RSDP found in BIOS memory\n");
	if (len == 0)
		return -ENOENT;
	return acpi_parse(rsdp, len, acpi_map, NULL, out);
}
