/*
 * Host unit test for the ACPI table parsers (the kernel's acpi/tables.c). It builds
 * synthetic RSDP/RSDT/XSDT/MADT/MCFG/HPET/FADT tables with correct checksums in a fake
 * physical memory, then damages them one way at a time. Built by test/meson.build; run
 * it alone with `meson test -C build acpi` (set ACPI_TEST_VERBOSE=1 to see the parser's
 * log). Prints one `ok`/`not ok` line per test and exits non-zero if any failed.
 */
#include <acpi/acpi.h>
#include <console/log.h>
#include <iris/abi/errno.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fake physical memory: addresses [MEM_BASE, MEM_BASE + MEM_SIZE) map to mem[]. */
#define MEM_BASE 0x10000u
#define MEM_SIZE 0x10000u

static uint8_t mem[MEM_SIZE];
static unsigned map_calls;
static size_t map_max_len;
static int failed_checks;
static unsigned warnings;
static bool verbose;

void klog(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level <= LOG_WARN)
		warnings++;
	if (!verbose)
		return;
	va_start(ap, fmt);
	printf("# log%d: ", level);
	vprintf(fmt, ap);
	va_end(ap);
}

static const void *mem_map(uint64_t phys, size_t len, void *ctx)
{
	(void)ctx;
	map_calls++;
	if (len > map_max_len)
		map_max_len = len;
	if (phys < MEM_BASE || phys - MEM_BASE > MEM_SIZE || len > MEM_SIZE - (phys - MEM_BASE))
		return NULL;
	return mem + (phys - MEM_BASE);
}

static void expect(int ok, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	failed_checks++;
	printf("# failed: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define EXPECT(cond) expect((cond), "%s:%d: %s", __FILE__, __LINE__, #cond)

static uint8_t *at(uint32_t phys)
{
	return mem + (phys - MEM_BASE);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* Sets byte `at` so that the first `len` bytes of p sum to zero. */
static void fix_sum(uint8_t *p, size_t len, size_t where)
{
	uint8_t s = 0;

	p[where] = 0;
	for (size_t i = 0; i < len; i++)
		s += p[i];
	p[where] = (uint8_t)-s;
}

/* Writes a table header; the checksum is fixed by table_seal() once the body is in. */
static void table_header(uint32_t phys, const char *sig, uint32_t len)
{
	uint8_t *t = at(phys);

	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = 1;
	memcpy(t + 10, "IRISOE", 6);
	memcpy(t + 16, "TESTTABL", 8);
}

static void table_seal(uint32_t phys)
{
	uint8_t *t = at(phys);
	uint32_t len = t[4] | t[5] << 8 | t[6] << 16 | (uint32_t)t[7] << 24;

	fix_sum(t, len, 9);
}

/* Physical layout of the standard test machine. */
#define P_RSDT 0x11000u
#define P_XSDT 0x11800u
#define P_MADT 0x12000u
#define P_MCFG 0x13000u
#define P_HPET 0x13800u
#define P_FADT 0x14000u
#define P_FREE 0x15000u /* scratch space for extra tables */

static uint8_t rsdp[36];
static uint32_t madt_len;

static void madt_begin(uint32_t phys)
{
	table_header(phys, "APIC", 44);
	put32(at(phys) + 36, 0xfee00000);
	put32(at(phys) + 40, 1);
	madt_len = 44;
}

static uint8_t *madt_entry(uint32_t phys, uint8_t type, uint8_t len)
{
	uint8_t *e = at(phys) + madt_len;

	memset(e, 0, len);
	e[0] = type;
	e[1] = len;
	madt_len += len;
	put32(at(phys) + 4, madt_len);
	return e;
}

static void madt_lapic(uint32_t phys, uint8_t uid, uint8_t apic_id, uint32_t flags)
{
	uint8_t *e = madt_entry(phys, 0, 8);
	e[2] = uid;
	e[3] = apic_id;
	put32(e + 4, flags);
}

static void madt_x2apic(uint32_t phys, uint32_t apic_id, uint32_t flags, uint32_t uid)
{
	uint8_t *e = madt_entry(phys, 9, 16);
	put32(e + 4, apic_id);
	put32(e + 8, flags);
	put32(e + 12, uid);
}

static void madt_ioapic(uint32_t phys, uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	uint8_t *e = madt_entry(phys, 1, 12);
	e[2] = id;
	put32(e + 4, addr);
	put32(e + 8, gsi_base);
}

static void madt_override(uint32_t phys, uint8_t source, uint32_t gsi, uint16_t flags)
{
	uint8_t *e = madt_entry(phys, 2, 10);
	e[3] = source;
	put32(e + 4, gsi);
	put16(e + 8, flags);
}

static void madt_nmi(uint32_t phys, uint8_t uid, uint16_t flags, uint8_t lint)
{
	uint8_t *e = madt_entry(phys, 4, 6);
	e[2] = uid;
	put16(e + 3, flags);
	e[5] = lint;
}

/*
 * The standard machine: v2 RSDP, RSDT and XSDT listing MADT, MCFG, HPET and
 * FADT; the MADT has 3 usable CPUs (one x2APIC), one placeholder, 1 IOAPIC,
 * 2 overrides, 1 LAPIC NMI and an address override.
 */
static void machine_build(void)
{
	static const uint32_t tables[] = { P_MADT, P_MCFG, P_HPET, P_FADT };
	const unsigned n = sizeof(tables) / sizeof(tables[0]);

	memset(mem, 0, sizeof(mem));

	madt_begin(P_MADT);
	madt_lapic(P_MADT, 0, 0, 1);
	madt_lapic(P_MADT, 1, 1, 1);
	madt_lapic(P_MADT, 2, 2, 0);    /* not present */
	madt_x2apic(P_MADT, 300, 2, 7); /* online capable */
	madt_ioapic(P_MADT, 0, 0xfec00000, 0);
	madt_override(P_MADT, 0, 2, 0);
	madt_override(P_MADT, 9, 9, 0xd); /* active high, level */
	madt_nmi(P_MADT, 0xff, 0x5, 1);
	uint8_t *e = madt_entry(P_MADT, 5, 12);
	put64(e + 4, 0xfee10000ull);
	madt_entry(P_MADT, 0x7f, 6); /* unknown type: ignored */
	table_seal(P_MADT);

	table_header(P_MCFG, "MCFG", 44 + 2 * 16);
	put64(at(P_MCFG) + 44, 0xb0000000ull);
	at(P_MCFG)[44 + 11] = 0xff;
	put64(at(P_MCFG) + 60, 0x1000000000ull);
	put16(at(P_MCFG) + 68, 1);
	at(P_MCFG)[60 + 10] = 0x10;
	at(P_MCFG)[60 + 11] = 0x1f;
	table_seal(P_MCFG);

	table_header(P_HPET, "HPET", 56);
	put64(at(P_HPET) + 44, 0xfed00000ull);
	at(P_HPET)[52] = 0;
	put16(at(P_HPET) + 53, 0x80);
	table_seal(P_HPET);

	table_header(P_FADT, "FACP", 244);
	table_seal(P_FADT);

	table_header(P_RSDT, "RSDT", 36 + 4 * n);
	table_header(P_XSDT, "XSDT", 36 + 8 * n);
	for (unsigned i = 0; i < n; i++) {
		put32(at(P_RSDT) + 36 + 4 * i, tables[i]);
		put64(at(P_XSDT) + 36 + 8 * i, tables[i]);
	}
	table_seal(P_RSDT);
	table_seal(P_XSDT);

	memset(rsdp, 0, sizeof(rsdp));
	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "IRISOE", 6);
	rsdp[15] = 2;
	put32(rsdp + 16, P_RSDT);
	put32(rsdp + 20, 36);
	put64(rsdp + 24, P_XSDT);
	fix_sum(rsdp, 20, 8);
	fix_sum(rsdp, 36, 32);
}

static struct acpi_info info;

static int parse(size_t rsdp_len)
{
	map_calls = 0;
	map_max_len = 0;
	warnings = 0;
	return acpi_parse(rsdp, rsdp_len, mem_map, NULL, &info);
}

static void test_full_machine(void)
{
	machine_build();
	EXPECT(parse(36) == 0);
	EXPECT(info.revision == 2);
	EXPECT(info.use_xsdt);
	EXPECT(strcmp(info.oem_id, "IRISOE") == 0);
	EXPECT(info.tables_seen == 4 && info.tables_skipped == 0);
	EXPECT(warnings == 0);

	EXPECT(info.has_madt);
	EXPECT(info.lapic_addr == 0xfee10000ull);
	EXPECT(info.pcat_compat);
	EXPECT(info.cpu_count == 3);
	EXPECT(info.cpus[0].apic_id == 0 && info.cpus[0].enabled && !info.cpus[0].x2apic);
	EXPECT(info.cpus[1].apic_id == 1 && info.cpus[1].uid == 1 && info.cpus[1].enabled);
	EXPECT(info.cpus[2].apic_id == 300 && info.cpus[2].x2apic && !info.cpus[2].enabled &&
	       info.cpus[2].online_capable && info.cpus[2].uid == 7);
	EXPECT(info.ioapic_count == 1);
	EXPECT(info.ioapics[0].addr == 0xfec00000 && info.ioapics[0].gsi_base == 0);
	EXPECT(info.override_count == 2);
	EXPECT(info.overrides[0].source == 0 && info.overrides[0].gsi == 2 &&
	       !info.overrides[0].active_low && !info.overrides[0].level);
	EXPECT(info.overrides[1].source == 9 && info.overrides[1].gsi == 9 &&
	       !info.overrides[1].active_low && info.overrides[1].level);
	EXPECT(info.nmi_count == 1);
	EXPECT(info.nmis[0].uid == ACPI_UID_ALL && info.nmis[0].lint == 1 &&
	       !info.nmis[0].active_low && !info.nmis[0].level);
	EXPECT(info.madt_entries_bad == 0);

	EXPECT(info.has_mcfg && info.mcfg_count == 2);
	EXPECT(info.mcfg[0].base == 0xb0000000ull && info.mcfg[0].segment == 0 &&
	       info.mcfg[0].bus_start == 0 && info.mcfg[0].bus_end == 0xff);
	EXPECT(info.mcfg[1].base == 0x1000000000ull && info.mcfg[1].segment == 1 &&
	       info.mcfg[1].bus_start == 0x10 && info.mcfg[1].bus_end == 0x1f);

	EXPECT(info.has_hpet && info.hpet_addr == 0xfed00000ull && info.hpet_min_tick == 0x80);
	EXPECT(info.has_fadt && info.fadt_phys == P_FADT && info.fadt_len == 244);
	EXPECT(info.fadt == at(P_FADT));
}

static void test_rsdp_v1(void)
{
	machine_build();
	rsdp[15] = 0;
	fix_sum(rsdp, 20, 8);
	EXPECT(parse(20) == 0);
	EXPECT(!info.use_xsdt && info.revision == 0);
	EXPECT(info.has_madt && info.has_hpet && info.has_mcfg && info.has_fadt);

	/* A v2 RSDP cut to 20 bytes (no room for the XSDT fields) also uses the RSDT. */
	machine_build();
	EXPECT(parse(20) == 0);
	EXPECT(!info.use_xsdt && info.cpu_count == 3);
}

static void test_rsdp_bad(void)
{
	uint64_t root;
	bool x;

	machine_build();
	rsdp[8] ^= 1; /* v1 checksum */
	EXPECT(parse(36) == -EINVAL);
	EXPECT(map_calls == 0);

	machine_build();
	rsdp[0] = 'X';
	fix_sum(rsdp, 20, 8);
	EXPECT(parse(36) == -EINVAL);

	machine_build();
	EXPECT(parse(19) == -EINVAL);
	EXPECT(acpi_parse(NULL, 36, mem_map, NULL, &info) == -EINVAL);

	/* Bad extended checksum: the XSDT is not trusted, the RSDT is used. */
	machine_build();
	rsdp[32] ^= 1;
	EXPECT(acpi_rsdp_check(rsdp, 36, &root, &x) == 0 && !x && root == P_RSDT);
	EXPECT(parse(36) == 0 && !info.use_xsdt && info.has_madt);

	/* Extended length larger than the copy we have: cannot be verified. */
	machine_build();
	put32(rsdp + 20, 64);
	fix_sum(rsdp, 36, 32);
	EXPECT(acpi_rsdp_check(rsdp, 36, &root, &x) == 0 && !x);

	/* v1 with a null RSDT: nothing to walk. */
	machine_build();
	rsdp[15] = 0;
	put32(rsdp + 16, 0);
	fix_sum(rsdp, 20, 8);
	EXPECT(parse(20) == -EINVAL);

	/* v2, XSDT only (RSDT null) is fine. */
	machine_build();
	put32(rsdp + 16, 0);
	fix_sum(rsdp, 20, 8);
	fix_sum(rsdp, 36, 32);
	EXPECT(parse(36) == 0 && info.use_xsdt);
}

static void test_root_bad(void)
{
	/* XSDT with a bad checksum: fall back to the RSDT. */
	machine_build();
	at(P_XSDT)[9] ^= 0x55;
	EXPECT(parse(36) == 0);
	EXPECT(!info.use_xsdt && info.has_madt && info.tables_seen == 4);
	EXPECT(warnings > 0);

	/* XSDT pointer to an RSDT-signed table: not an XSDT. */
	machine_build();
	memcpy(at(P_XSDT), "RSDT", 4);
	table_seal(P_XSDT);
	EXPECT(parse(36) == 0 && !info.use_xsdt);

	/* Both root tables broken: -EIO, nothing parsed. */
	machine_build();
	at(P_XSDT)[9] ^= 0x55;
	at(P_RSDT)[9] ^= 0x55;
	EXPECT(parse(36) == -EIO);
	EXPECT(!info.has_madt && info.cpu_count == 0);

	/* Root table pointing outside memory. */
	machine_build();
	put64(rsdp + 24, 0xffffffffffff0000ull);
	fix_sum(rsdp, 36, 32);
	put32(rsdp + 16, 0x7fff0000);
	fix_sum(rsdp, 20, 8);
	fix_sum(rsdp, 36, 32);
	EXPECT(parse(36) == -EIO);

	/* Root table with an absurd number of entries: refused, never mapped at that size. */
	machine_build();
	table_header(P_XSDT, "XSDT", 36 + 8 * (ACPI_MAX_ROOT_ENTRIES + 1));
	table_seal(P_XSDT);
	EXPECT(parse(36) == 0 && !info.use_xsdt);

	/* Root table whose length is smaller than its header. */
	machine_build();
	put32(at(P_XSDT) + 4, 20);
	EXPECT(parse(36) == 0 && !info.use_xsdt);

	/* Absurd length: refused before the big mapping is requested. */
	machine_build();
	put32(at(P_XSDT) + 4, 0xfffffff0u);
	EXPECT(parse(36) == 0 && !info.use_xsdt);
	EXPECT(map_max_len <= ACPI_MAX_TABLE_LEN);

	/* XSDT length running past the end of memory (truncated). */
	machine_build();
	put32(at(P_XSDT) + 4, MEM_SIZE);
	EXPECT(parse(36) == 0 && !info.use_xsdt);

	/* Trailing bytes after the last whole entry are ignored. */
	machine_build();
	put32(at(P_XSDT) + 4, 36 + 8 * 4 + 3);
	table_seal(P_XSDT);
	EXPECT(parse(36) == 0 && info.use_xsdt && info.tables_seen == 4);
}

static void test_subtable_bad(void)
{
	/* A table with a bad checksum is skipped, the others still parse. */
	machine_build();
	at(P_MADT)[9] ^= 1;
	EXPECT(parse(36) == 0);
	EXPECT(!info.has_madt && info.cpu_count == 0 && info.has_hpet && info.has_mcfg);
	EXPECT(info.tables_seen == 3 && info.tables_skipped == 1);

	/* Length smaller than the header. */
	machine_build();
	put32(at(P_HPET) + 4, 35);
	EXPECT(parse(36) == 0 && !info.has_hpet && info.tables_skipped == 1);

	/* Valid header, but too short for the table's fixed part. */
	machine_build();
	table_header(P_HPET, "HPET", 40);
	table_seal(P_HPET);
	EXPECT(parse(36) == 0 && !info.has_hpet && info.tables_seen == 4);

	machine_build();
	table_header(P_MADT, "APIC", 43);
	table_seal(P_MADT);
	EXPECT(parse(36) == 0 && !info.has_madt);

	machine_build();
	table_header(P_FADT, "FACP", 100);
	table_seal(P_FADT);
	EXPECT(parse(36) == 0 && !info.has_fadt);

	/* A table running past the end of memory. */
	machine_build();
	put64(at(P_XSDT) + 36, MEM_BASE + MEM_SIZE - 40);
	memcpy(at(MEM_BASE + MEM_SIZE - 40), "APIC", 4);
	put32(at(MEM_BASE + MEM_SIZE - 40) + 4, 200);
	table_seal(P_XSDT);
	EXPECT(parse(36) == 0 && !info.has_madt && info.tables_skipped == 1);

	/* Null and unmappable entries. */
	machine_build();
	put64(at(P_XSDT) + 36, 0);
	put64(at(P_XSDT) + 44, 0x123456789000ull);
	table_seal(P_XSDT);
	EXPECT(parse(36) == 0 && !info.has_madt && !info.has_mcfg && info.has_hpet);
	EXPECT(info.tables_skipped == 2);

	/* HPET in I/O space or at address 0. */
	machine_build();
	at(P_HPET)[40] = 1;
	table_seal(P_HPET);
	EXPECT(parse(36) == 0 && !info.has_hpet);
	machine_build();
	put64(at(P_HPET) + 44, 0);
	table_seal(P_HPET);
	EXPECT(parse(36) == 0 && !info.has_hpet);

	/* A second MADT is ignored: the first one wins. */
	machine_build();
	madt_begin(P_FREE);
	madt_lapic(P_FREE, 0, 9, 1);
	table_seal(P_FREE);
	put64(at(P_XSDT) + 36 + 8 * 3, P_FREE); /* replaces the FADT */
	table_seal(P_XSDT);
	EXPECT(parse(36) == 0 && info.cpu_count == 3 && info.cpus[0].apic_id == 0);
}

static void test_madt_entries_bad(void)
{
	/* An entry of length 0 stops the walk (no endless loop); earlier entries stay. */
	machine_build();
	madt_begin(P_MADT);
	madt_lapic(P_MADT, 0, 0, 1);
	madt_entry(P_MADT, 0, 8)[1] = 0;
	madt_lapic(P_MADT, 1, 1, 1);
	table_seal(P_MADT);
	EXPECT(parse(36) == 0 && info.has_madt && info.cpu_count == 1);
	EXPECT(info.madt_entries_bad == 1);

	/* An entry running past the end of the table. */
	machine_build();
	madt_begin(P_MADT);
	madt_lapic(P_MADT, 0, 0, 1);
	madt_entry(P_MADT, 1, 12)[1] = 40;
	table_seal(P_MADT);
	EXPECT(parse(36) == 0 && info.cpu_count == 1 && info.ioapic_count == 0);
	EXPECT(info.madt_entries_bad == 1);

	/* A lone trailing byte. */
	machine_build();
	madt_begin(P_MADT);
	madt_lapic(P_MADT, 0, 0, 1);
	madt_len += 1;
	put32(at(P_MADT) + 4, madt_len);
	table_seal(P_MADT);
	EXPECT(parse(36) == 0 && info.cpu_count == 1 && info.madt_entries_bad == 1);

	/* Entries shorter than their type needs are skipped, the walk goes on. */
	machine_build();
	madt_begin(P_MADT);
	madt_entry(P_MADT, 1, 6);
	madt_entry(P_MADT, 9, 8);
	madt_entry(P_MADT, 2, 4);
	madt_lapic(P_MADT, 0, 4, 1);
	table_seal(P_MADT);
	EXPECT(parse(36) == 0 && info.cpu_count == 1 && info.cpus[0].apic_id == 4);
	EXPECT(info.ioapic_count == 0 && info.override_count == 0 && info.madt_entries_bad == 3);

	/* Invalid values: broadcast APIC id, duplicate id, IOAPIC at 0, bad override/NMI. */
	machine_build();
	madt_begin(P_MADT);
	madt_lapic(P_MADT, 0, 0xff, 1);
	madt_lapic(P_MADT, 0, 3, 1);
	madt_x2apic(P_MADT, 3, 1, 1);
	madt_ioapic(P_MADT, 1, 0, 0);
	madt_override(P_MADT, 16, 16, 0);
	madt_override(P_MADT, 4, 4, 0x2); /* reserved polarity */
	madt_override(P_MADT, 5, 5, 0xf);
	madt_override(P_MADT, 5, 6, 0); /* duplicate source */
	madt_nmi(P_MADT, 0, 0, 2);      /* no LINT2 */
	table_seal(P_MADT);
	EXPECT(parse(36) == 0 && info.cpu_count == 1 && info.ioapic_count == 0);
	EXPECT(info.override_count == 1 && info.overrides[0].gsi == 5);
	EXPECT(info.overrides[0].active_low && info.overrides[0].level);
	EXPECT(info.nmi_count == 0 && info.madt_entries_bad == 7);
}

static void test_madt_caps(void)
{
	/* 100 CPUs: 64 kept, 36 counted as dropped. Also 10 IOAPICs, 40 overrides. */
	machine_build();
	madt_begin(P_FREE);
	for (unsigned i = 0; i < 100; i++)
		madt_x2apic(P_FREE, i, 1, i);
	for (unsigned i = 0; i < 10; i++)
		madt_ioapic(P_FREE, (uint8_t)i, 0xfec00000 + 0x1000 * i, 24 * i);
	for (unsigned i = 0; i < 40; i++)
		madt_override(P_FREE, (uint8_t)(i % 16), i, 0);
	for (unsigned i = 0; i < 20; i++)
		madt_nmi(P_FREE, (uint8_t)i, 0, 1);
	table_seal(P_FREE);
	put64(at(P_XSDT) + 36, P_FREE);
	table_seal(P_XSDT);
	EXPECT(parse(36) == 0);
	EXPECT(info.cpu_count == ACPI_MAX_CPUS && info.cpus_dropped == 36);
	EXPECT(info.cpus[63].apic_id == 63);
	EXPECT(info.ioapic_count == ACPI_MAX_IOAPICS);
	EXPECT(info.override_count == 16); /* the rest repeat a source */
	EXPECT(info.nmi_count == ACPI_MAX_NMIS);

	/* 12 MCFG segments: 8 kept; an unaligned and a reversed one skipped; trailing bytes. */
	machine_build();
	table_header(P_FREE, "MCFG", 44 + 12 * 16 + 5);
	for (unsigned i = 0; i < 12; i++) {
		uint8_t *e = at(P_FREE) + 44 + 16 * i;
		put64(e, 0xe0000000ull + (i == 1 ? 0x800 : 0));
		put16(e + 8, (uint16_t)i);
		e[10] = i == 2 ? 9 : 0;
		e[11] = 8;
	}
	table_seal(P_FREE);
	put64(at(P_XSDT) + 44, P_FREE);
	table_seal(P_XSDT);
	EXPECT(parse(36) == 0 && info.mcfg_count == ACPI_MAX_MCFG);
	EXPECT(info.mcfg[0].segment == 0 && info.mcfg[1].segment == 3);
}

static void test_table_check(void)
{
	uint8_t t[64] = { 0 };

	memcpy(t, "TEST", 4);
	put32(t + 4, 40);
	fix_sum(t, 40, 9);
	EXPECT(acpi_table_check(t, 64, "TEST") == 40);
	EXPECT(acpi_table_check(t, 64, NULL) == 40);
	EXPECT(acpi_table_check(t, 64, "TESS") == 0);
	EXPECT(acpi_table_check(t, 39, NULL) == 0);
	EXPECT(acpi_table_check(t, 35, NULL) == 0);
	EXPECT(acpi_table_check(NULL, 64, NULL) == 0);
	t[20] ^= 1;
	EXPECT(acpi_table_check(t, 64, NULL) == 0);

	/* The direct parsers refuse tables too short for their fixed part. */
	struct acpi_info i = { 0 };
	EXPECT(acpi_parse_madt(t, 43, &i) == -EINVAL && !i.has_madt);
	EXPECT(acpi_parse_mcfg(t, 43, &i) == -EINVAL && !i.has_mcfg);
	EXPECT(acpi_parse_hpet(t, 55, &i) == -EINVAL && !i.has_hpet);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "full_machine", test_full_machine }, { "rsdp_v1", test_rsdp_v1 },
	{ "rsdp_bad", test_rsdp_bad },         { "root_bad", test_root_bad },
	{ "subtable_bad", test_subtable_bad }, { "madt_entries_bad", test_madt_entries_bad },
	{ "madt_caps", test_madt_caps },       { "table_check", test_table_check },
};

int main(void)
{
	unsigned n = sizeof(tests) / sizeof(tests[0]), failed = 0;

	verbose = getenv("ACPI_TEST_VERBOSE") != NULL;
	printf("1..%u\n", n);
	for (unsigned i = 0; i < n; i++) {
		int before = failed_checks;
		tests[i].fn();
		bool ok = failed_checks == before;
		failed += !ok;
		printf("%s %u - acpi_%s\n", ok ? "ok" : "not ok", i + 1, tests[i].name);
	}
	return failed ? 1 : 0;
}
