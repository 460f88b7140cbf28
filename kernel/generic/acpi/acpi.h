/*
 * ACPI static tables: the RSDP, the RSDT/XSDT, and the tables the kernel
 * reads at boot (MADT, MCFG, HPET, FADT). Firmware tables are untrusted
 * input: every length, checksum and count is checked, and a bad table is
 * logged and skipped rather than trusted.
 *
 * The parser never touches physical memory itself: it asks a map callback
 * for each range it reads, so host tests and the fuzzer can feed it buffers.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_CPUS      64
#define ACPI_MAX_IOAPICS   8
#define ACPI_MAX_OVERRIDES 32
#define ACPI_MAX_NMIS      16
#define ACPI_MAX_MCFG      8

#define ACPI_RSDP_V1_LEN      20
#define ACPI_RSDP_V2_LEN      36
#define ACPI_HEADER_LEN       36
#define ACPI_MAX_TABLE_LEN    (1u << 20) /* anything longer is refused as absurd */
#define ACPI_MAX_ROOT_ENTRIES 256        /* a root table with more entries is refused */

/* ACPI processor UID that means "every processor" in LAPIC NMI entries. */
#define ACPI_UID_ALL 0xffffffffu

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t uid;        /* ACPI processor UID (matches LAPIC NMI entries) */
	bool enabled;        /* usable now */
	bool online_capable; /* not enabled, but may be brought online later */
	bool x2apic;         /* described by an x2APIC entry */
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t addr; /* physical base of the register window */
	uint32_t gsi_base;
};

/* An ISA interrupt source override: ISA IRQ `source` arrives on `gsi`. */
struct acpi_override {
	uint8_t bus; /* always 0 (ISA) */
	uint8_t source;
	uint32_t gsi;
	uint16_t flags; /* raw MPS INTI flags */
	bool active_low;
	bool level;
};

/* Which LAPIC input (LINT0/1) is wired to NMI, for one CPU or all. */
struct acpi_lapic_nmi {
	uint32_t uid; /* ACPI_UID_ALL for every processor */
	uint8_t lint;
	bool active_low;
	bool level;
};

/* One PCI Express ECAM window. */
struct acpi_mcfg_segment {
	uint64_t base; /* physical address of bus 0 of this segment */
	uint16_t segment;
	uint8_t bus_start;
	uint8_t bus_end;
};

struct acpi_info {
	uint8_t revision; /* RSDP revision (0 = ACPI 1.0) */
	bool use_xsdt;    /* tables came from the XSDT (else the RSDT) */
	char oem_id[7];
	unsigned tables_seen;    /* entries of the root table that were valid tables */
	unsigned tables_skipped; /* entries refused: unmappable, bad length or checksum */

	bool has_madt;
	uint64_t lapic_addr; /* after any LAPIC address override */
	bool pcat_compat;    /* dual 8259 PICs present */
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	unsigned cpu_count;
	unsigned cpus_dropped; /* valid CPU entries beyond ACPI_MAX_CPUS */
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned ioapic_count;
	struct acpi_override overrides[ACPI_MAX_OVERRIDES];
	unsigned override_count;
	struct acpi_lapic_nmi nmis[ACPI_MAX_NMIS];
	unsigned nmi_count;
	unsigned madt_entries_bad; /* MADT entries refused: malformed, invalid, IOAPIC/NMI caps */

	bool has_mcfg;
	struct acpi_mcfg_segment mcfg[ACPI_MAX_MCFG];
	unsigned mcfg_count;

	bool has_hpet;
	uint64_t hpet_addr;
	uint8_t hpet_number;
	uint16_t hpet_min_tick;

	/* The FADT is only located here; PM1a control and _S5 are read later. */
	bool has_fadt;
	uint64_t fadt_phys;
	uint32_t fadt_len;
	const void *fadt; /* as returned by the map callback, fadt_len bytes */
};

/* What powering off and resetting need, from the FADT and the DSDT's \_S5 object. */
struct acpi_power {
	uint16_t pm1a_cnt, pm1b_cnt; /* PM1 control ports (0: none) */
	uint64_t dsdt_phys;          /* 0: none */
	bool has_s5;
	uint8_t slp_typa, slp_typb; /* SLP_TYP values for S5 */
	bool has_reset;             /* the FADT's reset register is supported */
	uint8_t reset_space;        /* 0 memory, 1 I/O port */
	uint64_t reset_addr;
	uint8_t reset_value;
};

/*
 * Reads the PM1 control ports, the DSDT address and the reset register from a
 * checked FADT of `len` bytes into *out (zeroed first). Returns 0, or
 * -EINVAL if the table is too short for the PM1 fields.
 */
int acpi_parse_fadt_power(const void *fadt, size_t len, struct acpi_power *out);

/*
 * Finds the \_S5 package in a DSDT's AML (`len` bytes, header included) by
 * its name and reads its first two integers (SLP_TYPa, SLP_TYPb). Returns 0
 * and sets out->has_s5, or -ENOENT. Reads nothing past `len`.
 */
int acpi_find_s5(const void *dsdt, size_t len, struct acpi_power *out);

/*
 * Returns a pointer through which `len` bytes at physical address `phys` can
 * be read, or NULL if that range cannot be mapped. Pointers handed out stay
 * valid at least until acpi_parse() returns.
 */
typedef const void *(*acpi_map_fn)(uint64_t phys, size_t len, void *ctx);

/*
 * Checks an RSDP of `len` bytes: signature, the 20-byte checksum and, for
 * revision 2 and later, the 36-byte extended checksum. On success returns 0
 * and sets *root to the table to walk: the XSDT when the RSDP is v2 with a
 * valid extended checksum and a non-zero XSDT address (*is_xsdt = true),
 * else the RSDT. Returns -EINVAL for anything else.
 */
int acpi_rsdp_check(const void *rsdp, size_t len, uint64_t *root, bool *is_xsdt);

/*
 * Checks a table header found in a buffer of `avail` bytes: the header fits,
 * its length is at least a header and at most both `avail` and
 * ACPI_MAX_TABLE_LEN, and the bytes of that length sum to zero. Returns the
 * table length, or 0 if the table must not be used. `sig` (4 chars) is
 * compared too unless it is NULL.
 */
uint32_t acpi_table_check(const void *table, size_t avail, const char *sig);

/*
 * Table parsers over one checked table of `len` bytes (header included);
 * they add what they find to *out and set its presence flag. Each returns 0,
 * or -EINVAL if the table is too short to hold its fixed part or (HPET) has
 * no usable memory address; then *out is left untouched. Entries that are
 * malformed are logged and skipped.
 */
int acpi_parse_madt(const void *table, size_t len, struct acpi_info *out);
int acpi_parse_mcfg(const void *table, size_t len, struct acpi_info *out);
int acpi_parse_hpet(const void *table, size_t len, struct acpi_info *out);

/*
 * Validates the RSDP, walks the root table and parses every table the kernel
 * knows (the first of each signature wins). *out is zeroed first. Returns 0
 * once the RSDP and its root table are valid, whatever the other tables hold;
 * -EINVAL if the RSDP is invalid, -EIO if no valid root table could be read.
 */
int acpi_parse(const void *rsdp, size_t rsdp_len, acpi_map_fn map, void *ctx,
               struct acpi_info *out);

/*
 * Finds the RSDP on this machine (boot loader copy first, then the BIOS areas)
 * and parses the tables into *out with acpi_parse(). Implemented by the
 * architecture; returns -ENOENT when there is no RSDP at all.
 */
int acpi_load(struct acpi_info *out);
