/*
 * libFuzzer target: arbitrary bytes as a driver manifest
 * (servers/devmgr/manifest.c). The oracle:
 *  - manifest_parse returns 0 or -1, with the same answer whatever the size
 *    of the error buffer, and the message is NUL-terminated inside it;
 *  - an accepted manifest is well formed: a driver name of allowed
 *    characters, 1..MANIFEST_MATCH_MAX match lines with fields in range
 *    (a name line: a device name of allowed characters and no fields),
 *    rights among the device rights, args printable words one space apart;
 *  - written back out as text it parses again to the very same manifest;
 *  - manifest_matches agrees with a plain reading of the match lines on a
 *    device made from the input's bytes (PCI or platform, its name
 *    possibly unterminated), and every line matches the device it
 *    describes and no device of the other bus.
 * A broken promise traps. The deep checks counted (fuzz_reached.h) are the
 * accepted manifests; the seed corpus holds the manifests Iris ships.
 *
 * clang -std=c11 -Wall -Wextra -Werror -g -fsanitize=fuzzer,address,undefined \
 *   -fno-sanitize-recover=all -I include test/host/fuzz_manifest.c \
 *   servers/devmgr/manifest.c -o /tmp/fuzz_manifest && /tmp/fuzz_manifest -max_total_time=60
 */
#include "../../servers/devmgr/manifest.h"
#include <stdio.h>
#include <string.h>

#define FUZZ_REACHED_MIN 500
#include "fuzz_reached.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expect(bool cond)
{
	if (!cond)
		__builtin_trap();
}

/* The length of the string in buf[0..cap), or cap when it is not terminated there. */
static size_t bounded_len(const char *buf, size_t cap)
{
	const char *z = memchr(buf, '\0', cap);
	return z ? (size_t)(z - buf) : cap;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

/* A terminated, non-empty name of allowed characters in buf[0..cap). */
static void check_name(const char *buf, size_t cap)
{
	size_t n = bounded_len(buf, cap);
	expect(n > 0 && n < cap);
	for (size_t i = 0; i < n; i++)
		expect(name_char(buf[i]));
}

static void check_well_formed(const struct manifest *m)
{
	check_name(m->driver, sizeof(m->driver));
	expect(m->nmatch >= 1 && m->nmatch <= MANIFEST_MATCH_MAX);
	for (size_t i = 0; i < m->nmatch; i++) {
		const struct manifest_match *mm = &m->match[i];
		int32_t max = mm->kind == MANIFEST_MATCH_CLASS ? 0xff : 0xffff;
		expect(mm->kind == MANIFEST_MATCH_CLASS || mm->kind == MANIFEST_MATCH_ID ||
		       mm->kind == MANIFEST_MATCH_NAME);
		for (int k = 0; k < 3; k++)
			expect(mm->v[k] == MANIFEST_ANY || (mm->v[k] >= 0 && mm->v[k] <= max));
		expect(mm->kind == MANIFEST_MATCH_CLASS || mm->v[2] == MANIFEST_ANY);
		if (mm->kind == MANIFEST_MATCH_NAME) {
			check_name(mm->name, sizeof(mm->name));
			expect(mm->v[0] == MANIFEST_ANY && mm->v[1] == MANIFEST_ANY);
		} else {
			expect(mm->name[0] == '\0');
		}
	}
	expect((m->rights & ~(uint32_t)IRIS_RIGHTS_DEVICE) == 0);
	size_t a = bounded_len(m->args, sizeof(m->args));
	expect(a < sizeof(m->args));
	for (size_t i = 0; i < a; i++) {
		char c = m->args[i];
		expect(c > 0x20 && c <= 0x7e && c != '#' ? true : c == ' ');
		if (c == ' ')
			expect(i > 0 && i + 1 < a && m->args[i + 1] != ' ');
	}
}

/* A field as the parser reads it back. */
static int field(char *out, size_t cap, int32_t v)
{
	return v == MANIFEST_ANY ? snprintf(out, cap, " *") : snprintf(out, cap, " %x", v);
}

/* Writes m out as manifest text; returns its length. */
static size_t format(const struct manifest *m, char *out, size_t cap)
{
	size_t n = (size_t)snprintf(out, cap, "driver %s\n", m->driver);
	for (size_t i = 0; i < m->nmatch; i++) {
		const struct manifest_match *mm = &m->match[i];
		if (mm->kind == MANIFEST_MATCH_NAME) {
			n += (size_t)snprintf(out + n, cap - n, "match name %s\n", mm->name);
			continue;
		}
		int fields = mm->kind == MANIFEST_MATCH_CLASS ? 3 : 2;
		n += (size_t)snprintf(out + n, cap - n, "match %s",
		                      mm->kind == MANIFEST_MATCH_CLASS ? "class" : "id");
		for (int k = 0; k < fields; k++)
			n += (size_t)field(out + n, cap - n, mm->v[k]);
		n += (size_t)snprintf(out + n, cap - n, "\n");
	}
	if (m->rights) {
		n += (size_t)snprintf(out + n, cap - n, "rights");
		for (uint32_t bit = 1; bit; bit <<= 1)
			if (m->rights & bit)
				n += (size_t)snprintf(out + n, cap - n, " %s",
				                      manifest_right_name(bit));
		n += (size_t)snprintf(out + n, cap - n, "\n");
	}
	if (m->args[0])
		n += (size_t)snprintf(out + n, cap - n, "args %s\n", m->args);
	expect(n < cap);
	return n;
}

static bool same(const struct manifest *a, const struct manifest *b)
{
	if (strcmp(a->driver, b->driver) != 0 || a->nmatch != b->nmatch || a->rights != b->rights ||
	    strcmp(a->args, b->args) != 0)
		return false;
	for (size_t i = 0; i < a->nmatch; i++)
		if (a->match[i].kind != b->match[i].kind ||
		    memcmp(a->match[i].v, b->match[i].v, sizeof(a->match[i].v)) != 0 ||
		    memcmp(a->match[i].name, b->match[i].name, sizeof(a->match[i].name)) != 0)
			return false;
	return true;
}

static bool reference_match(const struct manifest *m, const struct iris_device_info *d)
{
	bool any = false;
	for (size_t i = 0; i < m->nmatch; i++) {
		const int32_t *v = m->match[i].v;
		if (m->match[i].kind == MANIFEST_MATCH_NAME) {
			size_t n = strlen(m->match[i].name);
			any = any || (d->bus_type == IRIS_BUS_PLATFORM && n < sizeof(d->name) &&
			              memcmp(d->name, m->match[i].name, n + 1) == 0);
			continue;
		}
		if (d->bus_type != IRIS_BUS_PCI)
			continue;
		int32_t have[3] = { d->class_code, d->subclass, d->prog_if };
		if (m->match[i].kind == MANIFEST_MATCH_ID) {
			have[0] = d->vendor;
			have[1] = d->device;
			have[2] = MANIFEST_ANY;
		}
		bool all = true;
		for (int k = 0; k < 3; k++)
			all = all && (v[k] == MANIFEST_ANY || v[k] == have[k]);
		any = any || all;
	}
	return any;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct manifest m, again;
	static char err[96], small[12], text[8192];
	const char *t = (const char *)data;

	int r = manifest_parse(t, size, &m, err, sizeof(err));
	expect(r == 0 || r == -1);
	expect(bounded_len(err, sizeof(err)) < sizeof(err));
	expect(r == 0 ? err[0] == '\0' : err[0] != '\0');
	struct manifest other;
	int r2 = manifest_parse(t, size, &other, small, 1 + size % sizeof(small));
	expect(r2 == r && bounded_len(small, sizeof(small)) < sizeof(small));
	expect(manifest_parse(t, size, &other, NULL, 0) == r);
	if (r != 0)
		return 0;

	check_well_formed(&m);
	size_t n = format(&m, text, sizeof(text));
	expect(manifest_parse(text, n, &again, err, sizeof(err)) == 0);
	expect(same(&m, &again));

	/*
	 * A device from the input's first bytes: ids, class, bus, and a name
	 * from the input's words (bytes 8.. up to a blank), unterminated when
	 * it fills the field.
	 */
	struct iris_device_info d = { 0 };
	uint8_t b[8] = { 0 };
	memcpy(b, data, size < sizeof(b) ? size : sizeof(b));
	d.vendor = (uint16_t)(b[0] | b[1] << 8);
	d.device = (uint16_t)(b[2] | b[3] << 8);
	d.class_code = b[4];
	d.subclass = b[5];
	d.prog_if = b[6];
	d.bus_type = b[7] % 3; /* PCI, platform, or a bus nobody knows */
	for (size_t i = 8, k = 0; i < size && k < sizeof(d.name) && data[i] > ' '; i++)
		d.name[k++] = (char)data[i];
	expect(manifest_matches(&m, &d) == reference_match(&m, &d));
	/* So does the device named after each name line's name, or its prefix. */
	for (size_t i = 0; i < m.nmatch; i++) {
		if (m.match[i].kind != MANIFEST_MATCH_NAME)
			continue;
		struct iris_device_info p = d;
		size_t n = strlen(m.match[i].name);
		memset(p.name, 0, sizeof(p.name));
		memcpy(p.name, m.match[i].name, n - (b[0] & 1));
		expect(manifest_matches(&m, &p) == reference_match(&m, &p));
	}
	/*
	 * Every match line matches the device it describes (wildcards as 0), and
	 * never the same one on the other bus.
	 */
	for (size_t i = 0; i < m.nmatch; i++) {
		const int32_t *v = m.match[i].v;
		struct iris_device_info e = { 0 };
		if (m.match[i].kind == MANIFEST_MATCH_NAME) {
			memcpy(e.name, m.match[i].name, sizeof(e.name));
			e.bus_type = IRIS_BUS_PLATFORM;
			expect(manifest_matches(&m, &e));
			e.bus_type = IRIS_BUS_PCI;
			expect(manifest_matches(&m, &e) == reference_match(&m, &e));
			continue;
		}
		if (m.match[i].kind == MANIFEST_MATCH_ID) {
			e.vendor = (uint16_t)(v[0] == MANIFEST_ANY ? 0 : v[0]);
			e.device = (uint16_t)(v[1] == MANIFEST_ANY ? 0 : v[1]);
		} else {
			e.class_code = (uint8_t)(v[0] == MANIFEST_ANY ? 0 : v[0]);
			e.subclass = (uint8_t)(v[1] == MANIFEST_ANY ? 0 : v[1]);
			e.prog_if = (uint8_t)(v[2] == MANIFEST_ANY ? 0 : v[2]);
		}
		expect(manifest_matches(&m, &e));
		e.bus_type = IRIS_BUS_PLATFORM; /* nameless: no name line matches it either */
		expect(!manifest_matches(&m, &e));
	}
	fuzz_reached();
	return 0;
}
