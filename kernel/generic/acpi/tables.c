/*
 * Parsers for the ACPI static tables. Nothing here trusts the firmware: each
 * table is mapped header first, its length is bounded before the whole table
 * is mapped, its checksum is verified, and every MADT/MCFG entry is bounds
 * checked against the table. Only whole, valid entries make it into
 * struct acpi_info; the rest are logged and skipped.
 */
#include <acpi/acpi.h>
#include <common/string.h>
#include <console/log.h>
#include <iris/abi/errno.h>

/* MADT entry types. */
#define MADT_LAPIC          0
#define MADT_IOAPIC         1
#define MADT_OVERRIDE       2
#define MADT_LAPIC_NMI      4
#define MADT_LAPIC_ADDR     5
#define MADT_X2APIC         9
#define MADT_X2APIC_NMI     10
#define MADT_CPU_ENABLED    (1u << 0)
#define MADT_CPU_ONLINE_CAP (1u << 1)

#define MADT_FIXED_LEN  44 /* header, local APIC address, flags */
#define MCFG_FIXED_LEN  44 /* header, 8 reserved bytes */
#define MCFG_ENTRY_LEN  16
#define HPET_LEN        56
#define FADT_V1_LEN     116
#define MADT_BAD_LOGGED 8 /* bad MADT entries logged one by one; the rest are only counted */

/* ISA has 16 IRQs and each may be overridden once, so the override array never fills. */
_Static_assert(ACPI_MAX_OVERRIDES >= 16, "room for one override per ISA IRQ");

/* Tables use little-endian fields at any alignment. */
static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	while (n--)
		s += *p++;
	return s;
}

/* Copies `n` bytes of an identifier into `dst` (n + 1 bytes), unprintables as '?'. */
static void ident_copy(char *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[n] = '\0';
}

int acpi_rsdp_check(const void *rsdp, size_t len, uint64_t *root, bool *is_xsdt)
{
	const uint8_t *p = rsdp;

	if (!p || len < ACPI_RSDP_V1_LEN || memcmp(p, "RSD PTR ", 8) != 0)
		return -EINVAL;
	if (sum8(p, ACPI_RSDP_V1_LEN) != 0)
		return -EINVAL;

	if (p[15] >= 2 && len >= ACPI_RSDP_V2_LEN) {
		uint32_t xlen = rd32(p + 20);
		uint64_t xsdt = rd64(p + 24);

		if (xlen >= ACPI_RSDP_V2_LEN && xlen <= len && sum8(p, xlen) == 0 && xsdt != 0) {
			*root = xsdt;
			*is_xsdt = true;
			return 0;
		}
	}
	if (rd32(p + 16) == 0)
		return -EINVAL;
	*root = rd32(p + 16);
	*is_xsdt = false;
	return 0;
}

uint32_t acpi_table_check(const void *table, size_t avail, const char *sig)
{
	const uint8_t *t = table;

	if (!t || avail < ACPI_HEADER_LEN)
		return 0;
	if (sig && memcmp(t, sig, 4) != 0)
		return 0;
	uint32_t len = rd32(t + 4);
	if (len < ACPI_HEADER_LEN || len > avail || len > ACPI_MAX_TABLE_LEN)
		return 0;
	if (sum8(t, len) != 0)
		return 0;
	return len;
}

/*
 * Maps the table at `phys` in two steps (header, then its claimed length once
 * that is known to be sane) and validates it. Returns the table and its
 * length in *lenp, or NULL after logging why it was refused.
 */
static const uint8_t *table_map(acpi_map_fn map, void *ctx, uint64_t phys, uint32_t *lenp)
{
	char sig[5];

	if (phys == 0) {
		pr_warn("acpi: root table entry is a null pointer, skipped\n");
		return NULL;
	}
	const uint8_t *h = map(phys, ACPI_HEADER_LEN, ctx);
	if (!h) {
		pr_warn("acpi: table at %#llx cannot be mapped, skipped\n",
		        (unsigned long long)phys);
		return NULL;
	}
	ident_copy(sig, h, 4);
	uint32_t len = rd32(h + 4);
	if (len < ACPI_HEADER_LEN || len > ACPI_MAX_TABLE_LEN) {
		pr_warn("acpi: %s at %#llx claims absurd length %u, skipped\n", sig,
		        (unsigned long long)phys, len);
		return NULL;
	}
	const uint8_t *t = map(phys, len, ctx);
	if (!t) {
		pr_warn("acpi: %s at %#llx (%u bytes) cannot be mapped, skipped\n", sig,
		        (unsigned long long)phys, len);
		return NULL;
	}
	if (acpi_table_check(t, len, NULL) != len) {
		pr_warn("acpi: %s at %#llx has a bad checksum, skipped\n", sig,
		        (unsigned long long)phys);
		return NULL;
	}
	*lenp = len;
	return t;
}

/* Decodes MPS INTI flags; "conforms to the bus" means ISA: active high, edge. */
static bool inti_decode(uint16_t flags, bool *active_low, bool *level)
{
	unsigned pol = flags & 3, trig = (flags >> 2) & 3;

	if (pol == 2 || trig == 2)
		return false;
	*active_low = pol == 3;
	*level = trig == 3;
	return true;
}

/* Counts a refused MADT entry; true while such entries are still worth a log line each. */
static bool madt_bad(struct acpi_info *out)
{
	return ++out->madt_entries_bad <= MADT_BAD_LOGGED;
}

static void madt_add_cpu(struct acpi_info *out, uint32_t apic_id, uint32_t uid, uint32_t flags,
                         bool x2apic)
{
	if (!(flags & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAP)))
		return; /* a placeholder for a CPU that is not there */
	if ((!x2apic && apic_id == 0xff) || apic_id == 0xffffffffu) {
		if (madt_bad(out))
			pr_warn("acpi: MADT CPU entry with broadcast APIC id %#x, skipped\n",
			        apic_id);
		return;
	}
	for (unsigned i = 0; i < out->cpu_count; i++) {
		if (out->cpus[i].apic_id == apic_id) {
			if (madt_bad(out))
				pr_warn("acpi: MADT lists APIC id %u twice, second entry skipped\n",
				        apic_id);
			return;
		}
	}
	if (out->cpu_count == ACPI_MAX_CPUS) {
		if (out->cpus_dropped++ == 0)
			pr_warn("acpi: more than %u CPUs, the rest are ignored\n", ACPI_MAX_CPUS);
		return;
	}
	struct acpi_cpu *c = &out->cpus[out->cpu_count++];
	c->apic_id = apic_id;
	c->uid = uid;
	c->enabled = flags & MADT_CPU_ENABLED;
	c->online_capable = !c->enabled && (flags & MADT_CPU_ONLINE_CAP);
	c->x2apic = x2apic;
}

static void madt_add_ioapic(struct acpi_info *out, const uint8_t *e)
{
	uint32_t addr = rd32(e + 4);

	if (addr == 0) {
		if (madt_bad(out))
			pr_warn("acpi: MADT IOAPIC %u at address 0, skipped\n", e[2]);
		return;
	}
	if (out->ioapic_count == ACPI_MAX_IOAPICS) {
		if (madt_bad(out))
			pr_warn("acpi: more than %u IOAPICs, IOAPIC %u ignored\n", ACPI_MAX_IOAPICS,
			        e[2]);
		return;
	}
	struct acpi_ioapic *io = &out->ioapics[out->ioapic_count++];
	io->id = e[2];
	io->addr = addr;
	io->gsi_base = rd32(e + 8);
}

static void madt_add_override(struct acpi_info *out, const uint8_t *e)
{
	struct acpi_override o = { .bus = e[2], .source = e[3], .gsi = rd32(e + 4) };

	o.flags = rd16(e + 8);
	if (o.bus != 0 || o.source > 15 || !inti_decode(o.flags, &o.active_low, &o.level)) {
		if (madt_bad(out))
			pr_warn("acpi: MADT override bus %u irq %u flags %#x is invalid, skipped\n",
			        o.bus, o.source, o.flags);
		return;
	}
	for (unsigned i = 0; i < out->override_count; i++) {
		if (out->overrides[i].source == o.source) {
			if (madt_bad(out))
				pr_warn("acpi: MADT overrides ISA irq %u twice, second entry "
				        "skipped\n",
				        o.source);
			return;
		}
	}
	out->overrides[out->override_count++] = o;
}

static void madt_add_nmi(struct acpi_info *out, uint32_t uid, uint16_t flags, uint8_t lint)
{
	struct acpi_lapic_nmi n = { .uid = uid, .lint = lint };

	if (lint > 1 || !inti_decode(flags, &n.active_low, &n.level) ||
	    out->nmi_count == ACPI_MAX_NMIS) {
		if (madt_bad(out))
			pr_warn("acpi: MADT LAPIC NMI uid %#x LINT%u flags %#x not usable, "
			        "skipped\n",
			        uid, lint, flags);
		return;
	}
	out->nmis[out->nmi_count++] = n;
}

/* Minimum length of each MADT entry type the parser reads; 0 for unknown types. */
static unsigned madt_min_len(uint8_t type)
{
	switch (type) {
	case MADT_LAPIC:
		return 8;
	case MADT_IOAPIC:
		return 12;
	case MADT_OVERRIDE:
		return 10;
	case MADT_LAPIC_NMI:
		return 6;
	case MADT_LAPIC_ADDR:
		return 12;
	case MADT_X2APIC:
		return 16;
	case MADT_X2APIC_NMI:
		return 12;
	default:
		return 0;
	}
}

int acpi_parse_madt(const void *table, size_t len, struct acpi_info *out)
{
	const uint8_t *t = table;
	uint64_t lapic_override = 0;

	if (len < MADT_FIXED_LEN)
		return -EINVAL;
	out->has_madt = true;
	out->lapic_addr = rd32(t + 36);
	out->pcat_compat = rd32(t + 40) & 1;

	for (size_t off = MADT_FIXED_LEN; off < len;) {
		const uint8_t *e = t + off;
		if (len - off < 2 || e[1] < 2 || e[1] > len - off) {
			if (madt_bad(out))
				pr_warn("acpi: MADT entry at offset %zu is malformed (length %u of "
				        "%zu left), rest of the MADT ignored\n",
				        off, len - off < 2 ? 0u : e[1], len - off);
			break;
		}
		uint8_t type = e[0], elen = e[1];
		off += elen;
		if (elen < madt_min_len(type)) {
			if (madt_bad(out))
				pr_warn("acpi: MADT entry type %u is too short (%u bytes), "
				        "skipped\n",
				        type, elen);
			continue;
		}
		switch (type) {
		case MADT_LAPIC:
			madt_add_cpu(out, e[3], e[2], rd32(e + 4), false);
			break;
		case MADT_X2APIC:
			madt_add_cpu(out, rd32(e + 4), rd32(e + 12), rd32(e + 8), true);
			break;
		case MADT_IOAPIC:
			madt_add_ioapic(out, e);
			break;
		case MADT_OVERRIDE:
			madt_add_override(out, e);
			break;
		case MADT_LAPIC_NMI:
			madt_add_nmi(out, e[2] == 0xff ? ACPI_UID_ALL : e[2], rd16(e + 3), e[5]);
			break;
		case MADT_X2APIC_NMI:
			madt_add_nmi(out, rd32(e + 4), rd16(e + 2), e[8]);
			break;
		case MADT_LAPIC_ADDR:
			lapic_override = rd64(e + 4);
			break;
		default:
			break; /* types the kernel has no use for */
		}
	}
	if (out->madt_entries_bad > MADT_BAD_LOGGED)
		pr_warn("acpi: %u bad MADT entries in all, skipped\n", out->madt_entries_bad);
	/* The override wins wherever it sits in the table. */
	if (lapic_override)
		out->lapic_addr = lapic_override;
	return 0;
}

int acpi_parse_mcfg(const void *table, size_t len, struct acpi_info *out)
{
	const uint8_t *t = table;

	if (len < MCFG_FIXED_LEN)
		return -EINVAL;
	out->has_mcfg = true;
	if ((len - MCFG_FIXED_LEN) % MCFG_ENTRY_LEN)
		pr_warn("acpi: MCFG has %zu trailing bytes, ignored\n",
		        (len - MCFG_FIXED_LEN) % MCFG_ENTRY_LEN);

	for (size_t off = MCFG_FIXED_LEN; len - off >= MCFG_ENTRY_LEN; off += MCFG_ENTRY_LEN) {
		const uint8_t *e = t + off;
		struct acpi_mcfg_segment s = { .base = rd64(e),
			                       .segment = rd16(e + 8),
			                       .bus_start = e[10],
			                       .bus_end = e[11] };
		if (s.base == 0 || (s.base & 0xfffff) || s.bus_end < s.bus_start) {
			pr_warn("acpi: MCFG segment %u base %#llx buses %u-%u is invalid, "
			        "skipped\n",
			        s.segment, (unsigned long long)s.base, s.bus_start, s.bus_end);
			continue;
		}
		if (out->mcfg_count == ACPI_MAX_MCFG) {
			pr_warn("acpi: more than %u MCFG segments, the rest are ignored\n",
			        ACPI_MAX_MCFG);
			break;
		}
		out->mcfg[out->mcfg_count++] = s;
	}
	return 0;
}

int acpi_parse_hpet(const void *table, size_t len, struct acpi_info *out)
{
	const uint8_t *t = table;

	if (len < HPET_LEN)
		return -EINVAL;
	/* Base address: a Generic Address Structure at offset 40, address at 44. */
	uint8_t space = t[40];
	uint64_t addr = rd64(t + 44);
	if (space != 0 || addr == 0 || (addr & 0x3ff)) {
		pr_warn("acpi: HPET at %#llx (address space %u) is unusable, skipped\n",
		        (unsigned long long)addr, space);
		return -EINVAL;
	}
	out->has_hpet = true;
	out->hpet_addr = addr;
	out->hpet_number = t[52];
	out->hpet_min_tick = rd16(t + 53);
	return 0;
}

#define FADT_PM1_LEN   76  /* through PM1b_CNT_BLK */
#define FADT_RESET_LEN 129 /* through RESET_VALUE */
#define FADT_XDSDT_LEN 148 /* through X_DSDT */
#define FADT_RESET_SUP (1u << 10)

int acpi_parse_fadt_power(const void *fadt, size_t len, struct acpi_power *out)
{
	const uint8_t *t = fadt;
	memset(out, 0, sizeof(*out));
	if (len < FADT_PM1_LEN)
		return -EINVAL;
	out->dsdt_phys = rd32(t + 40);
	uint32_t pm1a = rd32(t + 64), pm1b = rd32(t + 68);
	out->pm1a_cnt = pm1a <= 0xffff ? (uint16_t)pm1a : 0;
	out->pm1b_cnt = pm1b <= 0xffff ? (uint16_t)pm1b : 0;
	if (len >= FADT_RESET_LEN && (rd32(t + 112) & FADT_RESET_SUP) && t[116] <= 1 &&
	    rd64(t + 120) != 0) {
		out->has_reset = true;
		out->reset_space = t[116];
		out->reset_addr = rd64(t + 120);
		out->reset_value = t[128];
	}
	if (len >= FADT_XDSDT_LEN && rd64(t + 140))
		out->dsdt_phys = rd64(t + 140);
	return 0;
}

/* An AML integer at p (end exclusive): Zero, One, BytePrefix or WordPrefix; -1 if none. */
static int aml_small_int(const uint8_t *p, const uint8_t *end, const uint8_t **next)
{
	if (p >= end)
		return -1;
	switch (*p) {
	case 0x00: /* ZeroOp */
	case 0x01: /* OneOp */
		*next = p + 1;
		return *p;
	case 0x0a: /* BytePrefix */
		if (end - p < 2)
			return -1;
		*next = p + 2;
		return p[1];
	case 0x0b: /* WordPrefix */
		if (end - p < 3)
			return -1;
		*next = p + 3;
		return rd16(p + 1);
	default:
		return -1;
	}
}

int acpi_find_s5(const void *dsdt, size_t len, struct acpi_power *out)
{
	const uint8_t *t = dsdt, *end = t + len;
	for (size_t i = ACPI_HEADER_LEN; i + 4 <= len; i++) {
		if (memcmp(t + i, "_S5_", 4) != 0)
			continue;
		/* NameOp, optionally a root prefix, then the name. */
		if (!(i >= 1 && t[i - 1] == 0x08) &&
		    !(i >= 2 && t[i - 1] == '\\' && t[i - 2] == 0x08))
			continue;
		const uint8_t *p = t + i + 4;
		if (p >= end || *p != 0x12) /* PackageOp */
			continue;
		p++;
		if (p >= end)
			continue;
		size_t follow = *p >> 6; /* PkgLength: 0-3 more bytes */
		p += 1 + follow;
		if (p >= end)
			continue;
		p++; /* NumElements */
		int a = aml_small_int(p, end, &p);
		int b = a < 0 ? -1 : aml_small_int(p, end, &p);
		if (a < 0)
			continue;
		out->has_s5 = true;
		out->slp_typa = (uint8_t)(a & 7);
		out->slp_typb = (uint8_t)((b < 0 ? a : b) & 7);
		return 0;
	}
	return -ENOENT;
}

/* Hands one validated table to its parser; the first table of each kind wins. */
static void table_dispatch(const uint8_t *t, uint32_t len, uint64_t phys, struct acpi_info *out)
{
	char sig[5];
	int err = 0;
	bool dup = false;

	ident_copy(sig, t, 4);
	if (!memcmp(sig, "APIC", 4)) {
		dup = out->has_madt;
		if (!dup)
			err = acpi_parse_madt(t, len, out);
	} else if (!memcmp(sig, "MCFG", 4)) {
		dup = out->has_mcfg;
		if (!dup)
			err = acpi_parse_mcfg(t, len, out);
	} else if (!memcmp(sig, "HPET", 4)) {
		dup = out->has_hpet;
		if (!dup)
			err = acpi_parse_hpet(t, len, out);
	} else if (!memcmp(sig, "FACP", 4)) {
		dup = out->has_fadt;
		if (!dup && len < FADT_V1_LEN) {
			err = -EINVAL;
		} else if (!dup) {
			out->has_fadt = true;
			out->fadt_phys = phys;
			out->fadt_len = len;
			out->fadt = t;
		}
	}
	if (dup)
		pr_warn("acpi: second %s table at %#llx ignored\n", sig, (unsigned long long)phys);
	else if (err)
		pr_warn("acpi: %s table at %#llx is unusable (%u bytes), skipped\n", sig,
		        (unsigned long long)phys, len);
}

/* Walks one root table (RSDT or XSDT); -EIO if the root table itself is unusable. */
static int root_walk(acpi_map_fn map, void *ctx, uint64_t phys, bool xsdt, struct acpi_info *out)
{
	const char *name = xsdt ? "XSDT" : "RSDT";
	size_t esize = xsdt ? 8 : 4;
	uint32_t len;

	const uint8_t *root = table_map(map, ctx, phys, &len);
	if (!root)
		return -EIO;
	if (memcmp(root, name, 4) != 0) {
		pr_warn("acpi: %s pointer %#llx does not point at a %s\n", name,
		        (unsigned long long)phys, name);
		return -EIO;
	}
	size_t count = (len - ACPI_HEADER_LEN) / esize;
	if (count > ACPI_MAX_ROOT_ENTRIES) {
		pr_warn("acpi: %s claims %zu tables, refused\n", name, count);
		return -EIO;
	}
	if ((len - ACPI_HEADER_LEN) % esize)
		pr_warn("acpi: %s has trailing bytes, ignored\n", name);

	out->use_xsdt = xsdt;
	for (size_t i = 0; i < count; i++) {
		const uint8_t *e = root + ACPI_HEADER_LEN + i * esize;
		uint64_t tphys = xsdt ? rd64(e) : rd32(e);
		uint32_t tlen;
		const uint8_t *t = table_map(map, ctx, tphys, &tlen);
		if (!t) {
			out->tables_skipped++;
			continue;
		}
		out->tables_seen++;
		table_dispatch(t, tlen, tphys, out);
	}
	return 0;
}

int acpi_parse(const void *rsdp, size_t rsdp_len, acpi_map_fn map, void *ctx, struct acpi_info *out)
{
	const uint8_t *p = rsdp;
	uint64_t root;
	bool is_xsdt;

	memset(out, 0, sizeof(*out));
	if (acpi_rsdp_check(rsdp, rsdp_len, &root, &is_xsdt) != 0)
		return -EINVAL;
	out->revision = p[15];
	ident_copy(out->oem_id, p + 9, 6);
	if (out->revision >= 2 && !is_xsdt)
		pr_warn("acpi: RSDP v%u without a usable XSDT pointer, using the RSDT\n",
		        out->revision);

	int err = root_walk(map, ctx, root, is_xsdt, out);
	if (err && is_xsdt && rd32(p + 16) != 0) {
		pr_warn("acpi: XSDT unusable, falling back to the RSDT\n");
		err = root_walk(map, ctx, rd32(p + 16), false, out);
	}
	return err;
}
