/*
 * Host tests of multiboot2 parsing, the boot-information checks and the
 * command line: well-formed blocks, and hostile ones (truncated, bad tag
 * sizes, no memory map, modules overlapping the kernel, too little RAM),
 * framebuffer tags of each type at the sizes GRUB gives them.
 */
#include "check.h"
#include <boot/cmdline.h>
#include <boot/multiboot2.h>
#include <stdint.h>
#include <string.h>

struct builder {
	uint8_t buf[4096];
	uint32_t len;
};

static void put32(struct builder *b, uint32_t off, uint32_t v)
{
	memcpy(b->buf + off, &v, 4);
}

static void put64(struct builder *b, uint32_t off, uint64_t v)
{
	memcpy(b->buf + off, &v, 8);
}

static void begin(struct builder *b)
{
	memset(b, 0, sizeof(*b));
	b->len = 8;
}

/* Appends a tag header of `size` bytes; returns the tag's offset. */
static uint32_t tag(struct builder *b, uint32_t type, uint32_t size)
{
	uint32_t off = b->len;
	put32(b, off, type);
	put32(b, off + 4, size);
	b->len += (size + 7) & ~7u;
	return off;
}

static void add_string(struct builder *b, uint32_t type, const char *s)
{
	uint32_t off = tag(b, type, 8 + (uint32_t)strlen(s) + 1);
	memcpy(b->buf + off + 8, s, strlen(s) + 1);
}

static void add_mmap(struct builder *b, const uint64_t (*entries)[3], int n)
{
	uint32_t off = tag(b, 6, 16 + 24 * (uint32_t)n);
	put32(b, off + 8, 24);
	for (int i = 0; i < n; i++) {
		put64(b, off + 16 + 24 * i, entries[i][0]);
		put64(b, off + 16 + 24 * i + 8, entries[i][1]);
		put32(b, off + 16 + 24 * i + 16, (uint32_t)entries[i][2]);
	}
}

static void add_module(struct builder *b, uint32_t start, uint32_t end, const char *line)
{
	uint32_t off = tag(b, 3, 16 + (uint32_t)strlen(line) + 1);
	put32(b, off + 8, start);
	put32(b, off + 12, end);
	memcpy(b->buf + off + 16, line, strlen(line) + 1);
}

static void finish(struct builder *b)
{
	tag(b, 0, 8);
	put32(b, 0, b->len);
}

static const uint64_t normal_map[][3] = {
	{ 0, 0x9fc00, 1 },         { 0x9fc00, 0x400, 2 },          { 0x100000, 0x7ee0000, 1 },
	{ 0x7fe0000, 0x20000, 2 }, { 0x100000000, 0x40000000, 1 },
};

static struct boot_info bi;

static void test_good_block(void)
{
	struct builder b;
	char err[160];

	begin(&b);
	add_string(&b, 1, "loglevel=debug test=kernel");
	add_string(&b, 2, "GRUB 2.06");
	add_mmap(&b, normal_map, 5);
	add_module(&b, 0x1000000, 0x1004000, "init --verbose");
	uint32_t fb = tag(&b, 8, 38);
	put64(&b, fb + 8, 0xfd000000);
	put32(&b, fb + 16, 4096);
	put32(&b, fb + 20, 1024);
	put32(&b, fb + 24, 768);
	b.buf[fb + 28] = 32;
	b.buf[fb + 29] = 1;
	b.buf[fb + 32] = 16;
	b.buf[fb + 33] = 8;
	uint32_t rsdp = tag(&b, 14, 8 + 20);
	memcpy(b.buf + rsdp + 8, "RSD PTR ", 8);
	finish(&b);

	CHECK(mb2_parse(b.buf, sizeof(b.buf), &bi, err, sizeof(err)) == 0);
	CHECK(strcmp(bi.cmdline, "loglevel=debug test=kernel") == 0);
	CHECK(strcmp(bi.bootloader, "GRUB 2.06") == 0);
	CHECK(bi.mmap_count == 5 && bi.mmap[4].base == 0x100000000ull);
	CHECK(bi.module_count == 1 && bi.modules[0].end == 0x1004000);
	CHECK(strcmp(bi.modules[0].cmdline, "init --verbose") == 0);
	CHECK(bi.has_framebuffer && bi.fb.width == 1024 && bi.fb.red_pos == 16);
	CHECK(bi.rsdp_len == 20 && memcmp(bi.rsdp, "RSD PTR ", 8) == 0);
	CHECK(bootinfo_usable_bytes(&bi) == 0x9fc00 + 0x7ee0000 + 0x40000000ull);
	CHECK(bootinfo_check(&bi, 0x200000, 0x400000, err, sizeof(err)) == 0);
}

static void test_hostile_blocks(void)
{
	struct builder b;
	char err[160];

	/* No memory map. */
	begin(&b);
	add_string(&b, 1, "x");
	finish(&b);
	CHECK(mb2_parse(b.buf, sizeof(b.buf), &bi, err, sizeof(err)) < 0);
	CHECK(strstr(err, "memory map") != NULL);

	/* Total size larger than what may be read. */
	begin(&b);
	add_mmap(&b, normal_map, 5);
	finish(&b);
	CHECK(mb2_parse(b.buf, b.len - 1, &bi, err, sizeof(err)) < 0);
	CHECK(mb2_parse(b.buf, 4, &bi, err, sizeof(err)) < 0);

	/* A tag whose size runs past the end, and one smaller than its header. */
	begin(&b);
	add_mmap(&b, normal_map, 5);
	uint32_t t = tag(&b, 1, 16);
	finish(&b);
	put32(&b, t + 4, 4000);
	CHECK(mb2_parse(b.buf, sizeof(b.buf), &bi, err, sizeof(err)) < 0);
	put32(&b, t + 4, 4);
	CHECK(mb2_parse(b.buf, sizeof(b.buf), &bi, err, sizeof(err)) < 0);

	/* No end tag. */
	begin(&b);
	add_mmap(&b, normal_map, 5);
	put32(&b, 0, b.len);
	CHECK(mb2_parse(b.buf, sizeof(b.buf), &bi, err, sizeof(err)) < 0);

	/* Memory map with a silly entry size, and with an entry that wraps. */
	begin(&b);
	add_mmap(&b, normal_map, 5);
	finish(&b);
	put32(&b, 8 + 8, 3);
	CHECK(mb2_parse(b.buf, sizeof(b.buf), &bi, err, sizeof(err)) < 0);
	const uint64_t wrap[][3] = { { 0xfffffffffffff000ull, 0x2000, 1 } };
	begin(&b);
	add_mmap(&b, wrap, 1);
	finish(&b);
	CHECK(mb2_parse(b.buf, sizeof(b.buf), &bi, err, sizeof(err)) < 0);

	/* Unterminated strings are cut at the tag's end. */
	begin(&b);
	add_mmap(&b, normal_map, 5);
	t = tag(&b, 1, 12);
	memcpy(b.buf + t + 8, "abcd", 4);
	finish(&b);
	CHECK(mb2_parse(b.buf, sizeof(b.buf), &bi, err, sizeof(err)) == 0);
	CHECK(strcmp(bi.cmdline, "abcd") == 0);
}

static void test_checks(void)
{
	struct builder b;
	char err[160];

	/* A module overlapping the kernel image. */
	begin(&b);
	add_mmap(&b, normal_map, 5);
	add_module(&b, 0x300000, 0x500000, "init");
	finish(&b);
	CHECK(mb2_parse(b.buf, sizeof(b.buf), &bi, err, sizeof(err)) == 0);
	CHECK(bootinfo_check(&bi, 0x200000, 0x400000, err, sizeof(err)) < 0);
	CHECK(strstr(err, "overlaps the kernel") != NULL);

	/* Two modules overlapping each other; an inverted module. */
	begin(&b);
	add_mmap(&b, normal_map, 5);
	add_module(&b, 0x1000000, 0x1002000, "a");
	add_module(&b, 0x1001000, 0x1003000, "b");
	finish(&b);
	CHECK(mb2_parse(b.buf, sizeof(b.buf), &bi, err, sizeof(err)) == 0);
	CHECK(bootinfo_check(&bi, 0x200000, 0x400000, err, sizeof(err)) < 0);
	begin(&b);
	add_mmap(&b, normal_map, 5);
	add_module(&b, 0x1003000, 0x1001000, "c");
	finish(&b);
	CHECK(mb2_parse(b.buf, sizeof(b.buf), &bi, err, sizeof(err)) == 0);
	CHECK(bootinfo_check(&bi, 0x200000, 0x400000, err, sizeof(err)) < 0);

	/* Less than 32 MiB of RAM. */
	const uint64_t tiny[][3] = { { 0, 0x9fc00, 1 }, { 0x100000, 0x1700000, 1 } };
	begin(&b);
	add_mmap(&b, tiny, 2);
	finish(&b);
	CHECK(mb2_parse(b.buf, sizeof(b.buf), &bi, err, sizeof(err)) == 0);
	CHECK(bootinfo_check(&bi, 0x200000, 0x400000, err, sizeof(err)) < 0);
	CHECK(strstr(err, "32 MiB") != NULL);
}

static void test_cmdline(void)
{
	char v[16];
	CHECK(cmdline_get("loglevel=4 test=kernel:frame quiet", "test", v, sizeof(v)));
	CHECK(strcmp(v, "kernel:frame") == 0);
	CHECK(cmdline_get("a=1 quiet", "quiet", v, sizeof(v)) && v[0] == '\0');
	CHECK(!cmdline_get("testing=1 atest=2", "test", v, sizeof(v)));
	CHECK(cmdline_get("test=1 test=2", "test", v, sizeof(v)) && strcmp(v, "2") == 0);
	CHECK(cmdline_get("test=0123456789abcdefXYZ", "test", v, sizeof(v)) && strlen(v) == 15);
	CHECK(cmdline_parse_loglevel("3") == 3 && cmdline_parse_loglevel("debug") == 4);
	size_t n = 0;
	const char *w = cmdline_next_unknown("loglevel=4 run=a,b  test=user", &n);
	CHECK(w == NULL);
	w = cmdline_next_unknown(" quiet loglevel=1 tests=x run", &n);
	CHECK(w && n == 5 && memcmp(w, "quiet", 5) == 0);
	w = cmdline_next_unknown(w + n, &n);
	CHECK(w && n == 7 && memcmp(w, "tests=x", 7) == 0);
	CHECK(cmdline_next_unknown(w + n, &n) == NULL);
	CHECK(cmdline_next_unknown("", &n) == NULL && cmdline_next_unknown("   ", &n) == NULL);
	CHECK(cmdline_parse_loglevel("9") == -1 && cmdline_parse_loglevel("") == -1);

	char line[16] = "a=1";
	CHECK(cmdline_append(line, sizeof(line), "test=x"));
	CHECK(strcmp(line, "a=1 test=x") == 0);
	CHECK(!cmdline_append(line, sizeof(line), "toolongvalue"));
	CHECK(strcmp(line, "a=1 test=x") == 0);
}

/* A block with one framebuffer tag of `size` bytes and type `type`, 80x25 or 1024x768. */
static int parse_with_framebuffer(uint32_t size, uint8_t type)
{
	struct builder b;
	char err[160];

	begin(&b);
	add_mmap(&b, normal_map, 5);
	uint32_t fb = tag(&b, 8, size);
	put64(&b, fb + 8, type == 2 ? 0xb8000 : 0xfd000000);
	put32(&b, fb + 16, type == 2 ? 160 : 4096);
	put32(&b, fb + 20, type == 2 ? 80 : 1024);
	put32(&b, fb + 24, type == 2 ? 25 : 768);
	b.buf[fb + 28] = type == 2 ? 16 : 32;
	b.buf[fb + 29] = type;
	for (uint32_t i = 32; i < size; i++)
		b.buf[fb + i] = (uint8_t)(0x10 + i); /* colour layout or palette */
	finish(&b);
	return mb2_parse(b.buf, sizeof(b.buf), &bi, err, sizeof(err));
}

static void test_framebuffer_tags(void)
{
	/* EGA text: GRUB's tag is the 32-byte common part alone. */
	CHECK(parse_with_framebuffer(32, 2) == 0);
	CHECK(bi.has_framebuffer && bi.fb.type == 2 && bi.fb.addr == 0xb8000);
	CHECK(bi.fb.width == 80 && bi.fb.height == 25 && bi.fb.pitch == 160 && bi.fb.bpp == 16);
	CHECK(bi.fb.red_size == 0 && bi.fb.green_size == 0 && bi.fb.blue_size == 0);
	/* Direct RGB needs its 6 bytes of channel layout: 38 bytes. */
	CHECK(parse_with_framebuffer(38, 1) == 0);
	CHECK(bi.has_framebuffer && bi.fb.type == 1 && bi.fb.width == 1024);
	CHECK(bi.fb.red_pos == 0x30 && bi.fb.red_size == 0x31 && bi.fb.blue_size == 0x35);
	CHECK(parse_with_framebuffer(37, 1) == 0 && !bi.has_framebuffer);
	CHECK(parse_with_framebuffer(32, 1) == 0 && !bi.has_framebuffer);
	/* Indexed: the palette is not a channel layout. */
	CHECK(parse_with_framebuffer(40, 0) == 0);
	CHECK(bi.has_framebuffer && bi.fb.type == 0 && bi.fb.red_pos == 0 && bi.fb.red_size == 0);
	/* Shorter than the common part, of any type: no framebuffer. */
	CHECK(parse_with_framebuffer(31, 2) == 0 && !bi.has_framebuffer);
	CHECK(parse_with_framebuffer(8, 1) == 0 && !bi.has_framebuffer);
}

int main(void)
{
	test_good_block();
	test_hostile_blocks();
	test_checks();
	test_framebuffer_tags();
	test_cmdline();
	return check_done("multiboot2");
}
