/*
 * Host tests of the ELF64 executable validator: every rule both ways on small
 * images built in memory, real lld-linked binaries (test/host/elf_samples.h),
 * every truncation of a valid image and every single-byte mutation of its
 * headers. Each image is copied into a heap block of exactly its size, so
 * AddressSanitizer catches any read past the end.
 *
 * Built by test/meson.build with the kernel's proc/elf.c; run it alone with
 * `meson test -C build elf`.
 */
#include "check.h"
#include "elf_samples.h"
#include <iris/abi/errno.h>
#include <iris/abi/syscall.h>
#include <proc/elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define USER_LIMIT 0x0000800000000000ull
#define MAX_PH     80

/* An image under construction: headers as structures, serialized by validate(). */
struct builder {
	struct elf64_ehdr eh;
	struct elf64_phdr ph[MAX_PH];
	size_t nph;  /* program headers written at eh.e_phoff (e_phnum may differ) */
	size_t size; /* file size */
};

static struct elf_image out;
static char err[160];

static struct elf64_phdr phdr(uint32_t type, uint32_t flags, uint64_t offset, uint64_t vaddr,
                              uint64_t filesz, uint64_t memsz)
{
	struct elf64_phdr p = { .p_type = type,
		                .p_flags = flags,
		                .p_offset = offset,
		                .p_vaddr = vaddr,
		                .p_paddr = vaddr,
		                .p_filesz = filesz,
		                .p_memsz = memsz,
		                .p_align = ELF_PAGE_SIZE };
	return p;
}

/* A valid image: text at 0x401000 (R X), data + bss at 0x403000 (RW), a GNU_STACK. */
static void build(struct builder *b)
{
	memset(b, 0, sizeof(*b));
	memcpy(b->eh.e_ident,
	       "\x7f"
	       "ELF",
	       4);
	b->eh.e_ident[EI_CLASS] = ELFCLASS64;
	b->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	b->eh.e_ident[EI_VERSION] = EV_CURRENT;
	b->eh.e_type = ET_EXEC;
	b->eh.e_machine = EM_X86_64;
	b->eh.e_version = EV_CURRENT;
	b->eh.e_entry = 0x401000;
	b->eh.e_phoff = sizeof(struct elf64_ehdr);
	b->eh.e_ehsize = sizeof(struct elf64_ehdr);
	b->eh.e_phentsize = sizeof(struct elf64_phdr);
	b->ph[0] = phdr(PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x80, 0x80);
	b->ph[1] = phdr(PT_LOAD, PF_R | PF_W, 0x2000, 0x403000, 0x10, 0x3000);
	b->ph[2] = phdr(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
	b->ph[2].p_align = 0;
	b->nph = 3;
	b->eh.e_phnum = 3;
	b->size = 0x2010;
}

/* Validates `len` bytes of `data` from an exact-size heap copy. */
static int validate_bytes(const void *data, size_t len, uint64_t limit)
{
	uint8_t *copy = malloc(len ? len : 1);
	memcpy(copy, data, len);
	int rc = elf_validate(copy, len, limit, &out, err, sizeof(err));
	free(copy);
	return rc;
}

/* Serializes b (headers that fall outside b->size are cut off) and validates it. */
static int validate_limit(const struct builder *b, uint64_t limit)
{
	uint8_t *buf = calloc(1, b->size ? b->size : 1);
	size_t n = b->size < sizeof(b->eh) ? b->size : sizeof(b->eh);
	memcpy(buf, &b->eh, n);
	for (size_t i = 0; i < b->nph; i++) {
		uint64_t off = b->eh.e_phoff + i * sizeof(struct elf64_phdr);
		if (off < b->eh.e_phoff || off > b->size || b->size - off < sizeof(b->ph[i]))
			break;
		memcpy(buf + off, &b->ph[i], sizeof(b->ph[i]));
	}
	int rc = validate_bytes(buf, b->size, limit);
	free(buf);
	return rc;
}

static int validate(const struct builder *b)
{
	return validate_limit(b, USER_LIMIT);
}

/* True if validation fails with `code` and a message containing `what`. */
static bool rejects(const struct builder *b, int code, const char *what)
{
	int rc = validate(b);
	if (rc == code && strstr(err, what))
		return true;
	printf("# expected %d \"%s\", got %d \"%s\"\n", code, what, rc, rc ? err : "");
	return false;
}

static bool accepts(const struct builder *b)
{
	int rc = validate(b);
	if (rc != 0)
		printf("# unexpected rejection: %s\n", err);
	return rc == 0;
}

/* The promises elf_validate() makes about an image it accepted. */
static bool invariants_hold(const struct elf_image *img, size_t size, uint64_t limit)
{
	uint64_t total = 0;
	bool entry_ok = false;
	if (img->nsegments == 0 || img->nsegments > ELF_MAX_SEGMENTS)
		return false;
	for (size_t i = 0; i < img->nsegments; i++) {
		const struct elf_segment *s = &img->segments[i];
		if ((s->vaddr | s->memsz) & (ELF_PAGE_SIZE - 1) || s->memsz == 0)
			return false;
		if (s->vaddr < ELF_MIN_VADDR || s->vaddr > limit || s->memsz > limit - s->vaddr)
			return false;
		if (i > 0 && img->segments[i - 1].vaddr + img->segments[i - 1].memsz > s->vaddr)
			return false;
		if (s->copy_to < s->vaddr || s->file_size > s->vaddr + s->memsz - s->copy_to)
			return false;
		if (s->file_size && (s->file_offset > size || s->file_size > size - s->file_offset))
			return false;
		if ((s->prot & IRIS_PROT_WRITE) && (s->prot & IRIS_PROT_EXEC))
			return false;
		if ((s->prot & IRIS_PROT_EXEC) && img->entry >= s->vaddr &&
		    img->entry - s->vaddr < s->memsz)
			entry_ok = true;
		total += s->memsz;
	}
	const struct elf_segment *last = &img->segments[img->nsegments - 1];
	return entry_ok && total <= ELF_MAX_IMAGE_SIZE && img->lowest == img->segments[0].vaddr &&
	       img->highest == last->vaddr + last->memsz;
}

static void test_valid(void)
{
	struct builder b;
	build(&b);
	CHECK(accepts(&b));
	CHECK(out.entry == 0x401000);
	CHECK(out.nsegments == 2);
	CHECK(out.segments[0].vaddr == 0x401000 && out.segments[0].memsz == 0x1000);
	CHECK(out.segments[0].file_offset == 0x1000 && out.segments[0].file_size == 0x80);
	CHECK(out.segments[0].copy_to == 0x401000);
	CHECK(out.segments[0].prot == (IRIS_PROT_READ | IRIS_PROT_EXEC));
	CHECK(out.segments[1].vaddr == 0x403000 && out.segments[1].memsz == 0x3000);
	CHECK(out.segments[1].prot == (IRIS_PROT_READ | IRIS_PROT_WRITE));
	CHECK(out.lowest == 0x401000 && out.highest == 0x406000);
	CHECK(invariants_hold(&out, b.size, USER_LIMIT));

	/* A segment that starts mid-page maps whole pages but copies to the exact address. */
	b.ph[1] = phdr(PT_LOAD, PF_R | PF_W, 0x2010, 0x403010, 0x10, 0xff0);
	b.size = 0x2020;
	CHECK(accepts(&b));
	CHECK(out.segments[1].vaddr == 0x403000 && out.segments[1].memsz == 0x1000);
	CHECK(out.segments[1].copy_to == 0x403010 && out.segments[1].file_offset == 0x2010);
	b.ph[1].p_memsz = 0xff1; /* now reaches into the next page */
	CHECK(accepts(&b));
	CHECK(out.segments[1].memsz == 0x2000);

	/* Errors without an error buffer, and a message cut to a small buffer. */
	build(&b);
	b.eh.e_machine = 3;
	CHECK(elf_validate(&b, sizeof(b), USER_LIMIT, &out, NULL, 0) == -ENOEXEC);
	char small[8];
	CHECK(elf_validate(&b, sizeof(b), USER_LIMIT, &out, small, sizeof(small)) == -ENOEXEC);
	CHECK(strlen(small) == sizeof(small) - 1);
}

static void test_header(void)
{
	struct builder b;

	build(&b);
	b.size = sizeof(struct elf64_ehdr) - 1;
	CHECK(rejects(&b, -ENOEXEC, "too short"));
	CHECK(validate_bytes("", 0, USER_LIMIT) == -ENOEXEC);

	build(&b);
	b.eh.e_ident[3] = 'G';
	CHECK(rejects(&b, -ENOEXEC, "magic"));
	build(&b);
	b.eh.e_ident[EI_CLASS] = 1;
	CHECK(rejects(&b, -ENOEXEC, "64-bit"));
	build(&b);
	b.eh.e_ident[EI_DATA] = 2;
	CHECK(rejects(&b, -ENOEXEC, "little-endian"));
	build(&b);
	b.eh.e_ident[EI_VERSION] = 0;
	CHECK(rejects(&b, -ENOEXEC, "version"));
	build(&b);
	b.eh.e_version = 2;
	CHECK(rejects(&b, -ENOEXEC, "version"));
	build(&b);
	b.eh.e_type = ET_DYN;
	CHECK(rejects(&b, -ENOEXEC, "ET_DYN"));
	CHECK(strstr(err, "static non-PIE"));
	build(&b);
	b.eh.e_type = 1; /* ET_REL */
	CHECK(rejects(&b, -ENOEXEC, "not an executable"));
	build(&b);
	b.eh.e_machine = 3; /* EM_386 */
	CHECK(rejects(&b, -ENOEXEC, "x86_64"));
	build(&b);
	b.eh.e_phentsize = 64;
	CHECK(rejects(&b, -ENOEXEC, "program header size"));

	/* Fields the validator does not use may hold anything. */
	build(&b);
	b.eh.e_shoff = UINT64_MAX;
	b.eh.e_shnum = 0xffff;
	b.eh.e_ehsize = 0;
	b.eh.e_flags = 0xffffffff;
	b.eh.e_ident[7] = 0xff; /* EI_OSABI */
	CHECK(accepts(&b));
}

static void test_phdr_table(void)
{
	struct builder b;

	/* The table may end exactly at the end of the file, not one byte later. */
	build(&b);
	b.eh.e_phoff = b.size - 3 * sizeof(struct elf64_phdr);
	CHECK(accepts(&b));
	b.eh.e_phoff++;
	CHECK(rejects(&b, -ENOEXEC, "program header table"));
	b.eh.e_phoff = b.size + 1;
	CHECK(rejects(&b, -ENOEXEC, "program header table"));
	b.eh.e_phoff = UINT64_MAX - 16; /* offset + length wraps */
	CHECK(rejects(&b, -ENOEXEC, "program header table"));

	/* e_phnum counts too many entries for the file. */
	build(&b);
	b.size = 64 + 3 * sizeof(struct elf64_phdr);
	b.ph[0].p_offset = b.ph[1].p_offset = 0; /* keep the segments inside the file */
	b.ph[0].p_filesz = b.ph[1].p_filesz = 0x10;
	b.ph[1].p_vaddr = 0x403000;
	b.ph[0].p_vaddr = 0x401000;
	CHECK(accepts(&b));
	b.eh.e_phnum = 4;
	CHECK(rejects(&b, -ENOEXEC, "program header table"));

	/* At most ELF_MAX_PHNUM headers; PT_NULL entries are skipped. */
	build(&b);
	for (size_t i = 3; i < ELF_MAX_PHNUM + 1; i++)
		b.ph[i] = phdr(PT_NULL, 0, 0, 0, 0, 0);
	b.nph = ELF_MAX_PHNUM + 1;
	b.eh.e_phnum = ELF_MAX_PHNUM;
	b.eh.e_phoff = 0x3000;
	b.size = 0x3000 + (ELF_MAX_PHNUM + 1) * sizeof(struct elf64_phdr);
	CHECK(accepts(&b));
	b.eh.e_phnum = ELF_MAX_PHNUM + 1;
	CHECK(rejects(&b, -E2BIG, "program headers"));
	b.eh.e_phnum = 0xffff; /* PN_XNUM: extended numbering is not supported */
	CHECK(rejects(&b, -E2BIG, "program headers"));

	/* No program headers, or none of them loadable. */
	build(&b);
	b.eh.e_phnum = 0;
	CHECK(rejects(&b, -ENOEXEC, "no PT_LOAD"));
	b.eh.e_phoff = UINT64_MAX; /* irrelevant when there is no table */
	CHECK(rejects(&b, -ENOEXEC, "no PT_LOAD"));
	build(&b);
	b.ph[0].p_type = b.ph[1].p_type = PT_NOTE;
	CHECK(rejects(&b, -ENOEXEC, "no PT_LOAD"));
}

static void test_segment_types(void)
{
	struct builder b;

	build(&b);
	b.ph[2] = phdr(PT_INTERP, PF_R, 0x2000, 0x403000, 0x10, 0x10);
	CHECK(rejects(&b, -ENOEXEC, "PT_INTERP"));
	CHECK(strstr(err, "segment 2"));
	b.ph[2].p_type = PT_DYNAMIC;
	CHECK(rejects(&b, -ENOEXEC, "PT_DYNAMIC"));

	/* Other types are ignored, whatever their fields hold. */
	static const uint32_t ignored[] = { PT_NULL,
		                            PT_NOTE,
		                            PT_PHDR,
		                            PT_TLS,
		                            PT_GNU_RELRO,
		                            PT_GNU_STACK,
		                            0x6474e553u /* PT_GNU_PROPERTY */,
		                            0x70000001u /* PT_LOPROC + 1 */ };
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		build(&b);
		b.ph[2] =
		        phdr(ignored[i], PF_R | PF_W | PF_X, UINT64_MAX, UINT64_MAX, UINT64_MAX, 3);
		b.ph[2].p_align = 3;
		CHECK(accepts(&b));
		CHECK(out.nsegments == 2);
	}

	/* An executable-stack request is ignored: the stack is never executable. */
	build(&b);
	b.ph[2].p_flags = PF_R | PF_W | PF_X;
	CHECK(accepts(&b));
}

static void test_segment_fields(void)
{
	struct builder b;

	/* File size up to the memory size, not beyond. */
	build(&b);
	b.ph[1].p_filesz = b.ph[1].p_memsz = 0x10;
	CHECK(accepts(&b));
	b.ph[1].p_filesz = 0x11;
	b.size = 0x2011;
	CHECK(rejects(&b, -ENOEXEC, "exceeds its memory size"));

	build(&b);
	b.ph[1].p_memsz = b.ph[1].p_filesz = 0;
	CHECK(rejects(&b, -ENOEXEC, "segment 1 is empty"));

	/* File bytes inside the file, with overflow-safe arithmetic. */
	build(&b);
	b.ph[1].p_filesz = 0x10;
	b.size = 0x2010;
	CHECK(accepts(&b));
	b.size = 0x200f;
	CHECK(rejects(&b, -ENOEXEC, "outside the"));
	build(&b);
	b.ph[1].p_offset = UINT64_MAX - 0xfff; /* offset + size wraps; congruent with vaddr */
	CHECK(rejects(&b, -ENOEXEC, "outside the"));
	/* A segment with no file bytes (all bss) may have any congruent offset. */
	b.ph[1].p_filesz = 0;
	CHECK(accepts(&b));

	/* Alignment 0, 1 or a power of two >= 4096. */
	static const uint64_t good_align[] = { 0, 1, 0x1000, 0x2000, 0x200000 };
	static const uint64_t bad_align[] = { 2, 8, 0x800, 0x3000, 0x1001, UINT64_MAX };
	for (size_t i = 0; i < sizeof(good_align) / sizeof(good_align[0]); i++) {
		build(&b);
		b.ph[0].p_offset = 0;
		b.ph[0].p_vaddr = 0x400000; /* congruent to 0 modulo 2 MiB */
		b.eh.e_entry = 0x400000;
		b.ph[0].p_align = good_align[i];
		CHECK(accepts(&b));
	}
	for (size_t i = 0; i < sizeof(bad_align) / sizeof(bad_align[0]); i++) {
		build(&b);
		b.ph[0].p_align = bad_align[i];
		CHECK(rejects(&b, -ENOEXEC, "alignment"));
	}

	/* p_vaddr and p_offset must agree modulo the page size (and the alignment). */
	build(&b);
	b.ph[0].p_offset = 0x1010;
	CHECK(rejects(&b, -ENOEXEC, "cannot be mapped"));
	build(&b);
	b.ph[0].p_align = 0;
	b.ph[0].p_offset = 0x1010;
	CHECK(rejects(&b, -ENOEXEC, "cannot be mapped"));
	build(&b);
	b.ph[0].p_align = 0x200000; /* 0x401000 - 0x1000 is a multiple of 2 MiB */
	CHECK(accepts(&b));
	b.ph[0].p_offset = 0x2000;
	b.size = 0x2100;
	b.ph[1].p_offset = 0x3000;
	b.ph[1].p_filesz = 0;
	CHECK(rejects(&b, -ENOEXEC, "cannot be mapped"));
	b.ph[0].p_align = 0x1000; /* congruent modulo the page size is enough then */
	CHECK(accepts(&b));

	/* Writable and executable at once is refused; either alone is fine. */
	build(&b);
	b.ph[1].p_flags = PF_R | PF_W | PF_X;
	CHECK(rejects(&b, -ENOEXEC, "writable and executable"));
	b.ph[1].p_flags = PF_W | PF_X;
	CHECK(rejects(&b, -ENOEXEC, "writable and executable"));
	b.ph[1].p_flags = PF_W;
	CHECK(accepts(&b));
	CHECK(out.segments[1].prot == IRIS_PROT_WRITE);
	b.ph[1].p_flags = 0;
	CHECK(accepts(&b));
	CHECK(out.segments[1].prot == IRIS_PROT_NONE);
	b.ph[0].p_flags = PF_X;
	CHECK(accepts(&b));
	CHECK(out.segments[0].prot == IRIS_PROT_EXEC);
}

static void test_addresses(void)
{
	struct builder b;

	/* Nothing below ELF_MIN_VADDR: the first 64 KiB stay unmapped. */
	build(&b);
	b.ph[0].p_vaddr = ELF_MIN_VADDR; /* congruent with offset 0x1000 */
	b.eh.e_entry = ELF_MIN_VADDR;
	CHECK(accepts(&b));
	CHECK(out.lowest == ELF_MIN_VADDR);
	b.ph[0].p_vaddr = ELF_MIN_VADDR - 0x1000;
	b.eh.e_entry = b.ph[0].p_vaddr;
	CHECK(rejects(&b, -ENOEXEC, "below the lowest mappable address"));
	b.ph[0].p_vaddr = 0x1000;
	b.eh.e_entry = 0x1000;
	CHECK(rejects(&b, -ENOEXEC, "below the lowest mappable address"));
	b.ph[0].p_vaddr = 0;
	b.ph[0].p_offset = 0;
	b.eh.e_entry = 0x10;
	CHECK(rejects(&b, -ENOEXEC, "below the lowest mappable address"));
	/* A segment whose exact start is above the minimum but whose page is not. */
	b.ph[0].p_vaddr = ELF_MIN_VADDR - 0x1000 + 0x80;
	b.ph[0].p_offset = 0x1080;
	b.eh.e_entry = b.ph[0].p_vaddr;
	b.size = 0x2010;
	CHECK(rejects(&b, -ENOEXEC, "below the lowest mappable address"));

	/* Up to the user limit exactly (after page rounding), not one page more. */
	build(&b);
	b.ph[1].p_vaddr = USER_LIMIT - 0x3000;
	CHECK(accepts(&b));
	CHECK(out.highest == USER_LIMIT);
	b.ph[1].p_memsz = 0x3001;
	CHECK(rejects(&b, -ENOEXEC, "segment 1"));
	CHECK(strstr(err, "kernel space"));
	b.ph[1].p_vaddr = 0xffffffff80000000ull;
	b.ph[1].p_memsz = 0x1000;
	CHECK(rejects(&b, -ENOEXEC, "kernel space"));
	/* A smaller limit, passed in. */
	build(&b);
	CHECK(validate_limit(&b, 0x406000) == 0);
	CHECK(validate_limit(&b, 0x405fff) == -ENOEXEC);
	CHECK(validate_limit(&b, 0) == -ENOEXEC);

	/* Address arithmetic that would wrap around is refused, even with no limit. */
	build(&b);
	b.ph[1].p_vaddr = 0xfffffffffffff000ull;
	b.ph[1].p_memsz = 0x1000;
	b.ph[1].p_offset = 0;
	CHECK(validate_limit(&b, UINT64_MAX) == -ENOEXEC && strstr(err, "wraps"));
	b.ph[1].p_vaddr = 0xffffffffffffe000ull; /* ends at 2^64 - 0x1000 exactly */
	CHECK(validate_limit(&b, UINT64_MAX) == 0);
	b.ph[1].p_vaddr = 0xffffffffffffe001ull; /* the end rounds up to 2^64 */
	b.ph[1].p_offset = 1;
	CHECK(validate_limit(&b, UINT64_MAX) == -ENOEXEC && strstr(err, "wraps"));

	/* The entry point must lie inside an executable segment. */
	build(&b);
	b.eh.e_entry = 0x40107f; /* the last byte of text */
	CHECK(accepts(&b));
	b.eh.e_entry = 0x401080; /* past text, though in its page */
	CHECK(rejects(&b, -ENOEXEC, "entry point"));
	b.eh.e_entry = 0x400fff;
	CHECK(rejects(&b, -ENOEXEC, "entry point"));
	b.eh.e_entry = 0x403000; /* data is not executable */
	CHECK(rejects(&b, -ENOEXEC, "entry point"));
	b.eh.e_entry = 0;
	CHECK(rejects(&b, -ENOEXEC, "entry point"));
}

static void test_sizes(void)
{
	struct builder b;

	/* Up to ELF_MAX_IMAGE_SIZE of memory in all, page-rounded. */
	build(&b);
	b.ph[1].p_memsz = ELF_MAX_IMAGE_SIZE - 0x1000;
	CHECK(accepts(&b));
	CHECK(out.highest - out.lowest == ELF_MAX_IMAGE_SIZE + 0x1000);
	b.ph[1].p_memsz++;
	CHECK(rejects(&b, -E2BIG, "MiB"));
	b.ph[1].p_memsz = ELF_MAX_IMAGE_SIZE + 1;
	CHECK(rejects(&b, -E2BIG, "segment 1"));
	b.ph[1].p_memsz = UINT64_MAX;
	CHECK(rejects(&b, -E2BIG, "segment 1"));

	/* Up to ELF_MAX_SEGMENTS PT_LOAD segments. */
	build(&b);
	for (size_t i = 1; i < ELF_MAX_SEGMENTS + 1; i++)
		b.ph[i] = phdr(PT_LOAD, PF_R, 0, 0x500000 + i * 0x1000, 0, 0x1000);
	b.nph = ELF_MAX_SEGMENTS + 1;
	b.eh.e_phnum = ELF_MAX_SEGMENTS;
	CHECK(accepts(&b));
	CHECK(out.nsegments == ELF_MAX_SEGMENTS);
	b.eh.e_phnum = ELF_MAX_SEGMENTS + 1;
	CHECK(rejects(&b, -E2BIG, "PT_LOAD segments"));
}

static void test_layout(void)
{
	struct builder b;

	/* Segments come out sorted by address whatever the header order. */
	build(&b);
	b.ph[2] = b.ph[0];
	b.ph[0] = phdr(PT_LOAD, PF_R, 0x2000, 0x406000, 0x10, 0x10);
	b.ph[3] = phdr(PT_LOAD, PF_R, 0, 0x400000, 0x40, 0x40);
	b.nph = 4;
	b.eh.e_phnum = 4;
	CHECK(accepts(&b));
	CHECK(out.nsegments == 4);
	CHECK(out.segments[0].vaddr == 0x400000 && out.segments[1].vaddr == 0x401000);
	CHECK(out.segments[2].vaddr == 0x403000 && out.segments[3].vaddr == 0x406000);
	CHECK(out.segments[3].prot == IRIS_PROT_READ && out.segments[3].file_offset == 0x2000);
	CHECK(out.lowest == 0x400000 && out.highest == 0x407000);
	CHECK(invariants_hold(&out, b.size, USER_LIMIT));

	/* Adjacent pages are fine; one page shared by two segments is not. */
	build(&b);
	b.ph[1].p_vaddr = 0x402000;
	CHECK(accepts(&b));
	b.ph[1].p_vaddr = 0x401080; /* just after text, in its page */
	b.ph[1].p_offset = 0x1080;
	b.size = 0x1090;
	CHECK(rejects(&b, -ENOEXEC, "segments 0 and 1 share the page at 0x401000"));

	/* Overlapping bytes are reported as such, in either header order. */
	build(&b);
	b.ph[1] = phdr(PT_LOAD, PF_R, 0x1000, 0x401000, 0x10, 0x10);
	CHECK(rejects(&b, -ENOEXEC, "overlap at 0x401000"));
	build(&b);
	b.ph[1] = phdr(PT_LOAD, PF_R, 0x1040, 0x400040, 0x10, 0x1000);
	CHECK(rejects(&b, -ENOEXEC, "segments 1 and 0 overlap at 0x401000"));
	/* A segment nested inside another. */
	build(&b);
	b.ph[1].p_memsz = 0x100000;
	b.ph[2] = phdr(PT_LOAD, PF_R, 0x2000, 0x480000, 0x10, 0x10);
	CHECK(rejects(&b, -ENOEXEC, "overlap"));
}

/* Accepts the lld-linked samples with exactly the mappings readelf shows. */
static void test_real_binaries(void)
{
	CHECK(validate_bytes(elf_sample_default, sizeof(elf_sample_default), USER_LIMIT) == 0);
	CHECK(out.entry == 0x2011f0);
	CHECK(out.nsegments == 3);
	CHECK(out.segments[0].vaddr == 0x200000 && out.segments[0].prot == IRIS_PROT_READ);
	CHECK(out.segments[1].vaddr == 0x201000 &&
	      out.segments[1].prot == (IRIS_PROT_READ | IRIS_PROT_EXEC));
	CHECK(out.segments[2].vaddr == 0x202000 && out.segments[2].memsz == 0x3000 &&
	      out.segments[2].prot == (IRIS_PROT_READ | IRIS_PROT_WRITE));
	CHECK(out.lowest == 0x200000 && out.highest == 0x205000);
	CHECK(invariants_hold(&out, sizeof(elf_sample_default), USER_LIMIT));

	/* Load it the way the kernel will, and find `int counter = 7` at the start of .data. */
	uint64_t span = out.highest - out.lowest;
	uint8_t *mem = calloc(1, span);
	for (size_t i = 0; i < out.nsegments; i++) {
		const struct elf_segment *s = &out.segments[i];
		memcpy(mem + (s->copy_to - out.lowest), elf_sample_default + s->file_offset,
		       s->file_size);
	}
	uint32_t counter;
	memcpy(&counter, mem + (out.segments[2].copy_to - out.lowest), sizeof(counter));
	CHECK(counter == 7);
	CHECK(mem[out.segments[2].copy_to - out.lowest + 4] == 0); /* bss */
	free(mem);

	CHECK(validate_bytes(elf_sample_paged, sizeof(elf_sample_paged), USER_LIMIT) == 0);
	CHECK(out.entry == 0x4011c0 && out.nsegments == 3);
	CHECK(out.lowest == 0x400000 && out.highest == 0x405000);
	CHECK(invariants_hold(&out, sizeof(elf_sample_paged), USER_LIMIT));

	CHECK(validate_bytes(elf_sample_shared, sizeof(elf_sample_shared), USER_LIMIT) == -ENOEXEC);
	CHECK(strstr(err, "share the page at 0x400000"));
}

/* The smallest prefix of `image` that holds its program headers and every segment's bytes. */
static size_t needed_bytes(const uint8_t *image)
{
	struct elf64_ehdr eh;
	memcpy(&eh, image, sizeof(eh));
	size_t need = eh.e_phoff + eh.e_phnum * sizeof(struct elf64_phdr);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;
		memcpy(&ph, image + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD && ph.p_filesz && ph.p_offset + ph.p_filesz > need)
			need = ph.p_offset + ph.p_filesz;
	}
	return need;
}

/*
 * Every prefix is judged without reading past it; a valid image is accepted
 * exactly when the prefix holds what is needed, an invalid one never.
 */
static void test_truncation(const uint8_t *image, size_t size, bool valid)
{
	size_t need = valid ? needed_bytes(image) : SIZE_MAX;
	size_t wrong = 0;
	for (size_t len = 0; len <= size; len++) {
		int rc = validate_bytes(image, len, USER_LIMIT);
		if ((rc == 0) != (len >= need) ||
		    (rc == 0 && !invariants_hold(&out, len, USER_LIMIT)))
			wrong++;
	}
	CHECK(wrong == 0);
}

/* Every value of every header byte: no crash, and whatever is accepted keeps the promises. */
static void test_mutation(const uint8_t *image, size_t size)
{
	struct elf64_ehdr eh;
	memcpy(&eh, image, sizeof(eh));
	size_t headers = eh.e_phoff + eh.e_phnum * sizeof(struct elf64_phdr);
	uint8_t *copy = malloc(size);
	size_t accepted = 0, broken = 0;
	for (size_t pos = 0; pos < headers; pos++) {
		for (unsigned v = 0; v < 256; v++) {
			memcpy(copy, image, size);
			copy[pos] = (uint8_t)v;
			if (elf_validate(copy, size, USER_LIMIT, &out, err, sizeof(err)) == 0) {
				accepted++;
				if (!invariants_hold(&out, size, USER_LIMIT))
					broken++;
			}
		}
	}
	free(copy);
	CHECK(accepted > 0);
	CHECK(broken == 0);
}

int main(void)
{
	test_valid();
	test_header();
	test_phdr_table();
	test_segment_types();
	test_segment_fields();
	test_addresses();
	test_sizes();
	test_layout();
	test_real_binaries();

	test_truncation(elf_sample_default, sizeof(elf_sample_default), true);
	test_truncation(elf_sample_paged, sizeof(elf_sample_paged), true);
	test_truncation(elf_sample_shared, sizeof(elf_sample_shared), false);
	test_mutation(elf_sample_default, sizeof(elf_sample_default));
	test_mutation(elf_sample_paged, sizeof(elf_sample_paged));
	return check_done("elf");
}
