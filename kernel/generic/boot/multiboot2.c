#include <boot/multiboot2.h>
#include <common/printf.h>
#include <common/string.h>
#include <iris/abi/errno.h>

enum {
	TAG_END = 0,
	TAG_CMDLINE = 1,
	TAG_BOOTLOADER = 2,
	TAG_MODULE = 3,
	TAG_MMAP = 6,
	TAG_FRAMEBUFFER = 8,
	TAG_EFI64 = 12,
	TAG_ACPI_OLD = 14,
	TAG_ACPI_NEW = 15,
	TAG_EFI_MMAP = 17,
	TAG_EFI_BS = 18,
};

#define TAG_HEADER 8

#define FB_COMMON_LEN 32 /* the framebuffer tag up to its colour information */
#define FB_RGB_LEN    38 /* with a direct RGB framebuffer's channel layout */

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* Copies a NUL-terminated string of at most `len` bytes from a tag, always terminating dst. */
static void copy_tag_string(char *dst, size_t dstlen, const uint8_t *src, size_t len)
{
	size_t n = strnlen((const char *)src, len);
	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int parse_module(struct boot_info *bi, const uint8_t *t, uint32_t size, char *err,
                        size_t errlen)
{
	if (size < TAG_HEADER + 8) {
		fmt_snprintf(err, errlen, "module tag too short (%u bytes)", size);
		return -EINVAL;
	}
	if (bi->module_count == BOOT_MAX_MODULES) {
		fmt_snprintf(err, errlen, "more than %d boot modules", BOOT_MAX_MODULES);
		return -E2BIG;
	}
	struct boot_module *m = &bi->modules[bi->module_count++];
	m->start = rd32(t + 8);
	m->end = rd32(t + 12);
	copy_tag_string(m->cmdline, sizeof(m->cmdline), t + 16, size - 16);
	return 0;
}

static int parse_mmap(struct boot_info *bi, const uint8_t *t, uint32_t size, char *err,
                      size_t errlen)
{
	if (size < TAG_HEADER + 8) {
		fmt_snprintf(err, errlen, "memory map tag too short (%u bytes)", size);
		return -EINVAL;
	}
	uint32_t entry_size = rd32(t + 8);
	if (entry_size < 24 || entry_size > 4096 || (entry_size & 7)) {
		fmt_snprintf(err, errlen, "memory map entry size %u is invalid", entry_size);
		return -EINVAL;
	}
	bi->mmap_count = 0;
	for (uint32_t off = 16; off + entry_size <= size; off += entry_size) {
		const uint8_t *e = t + off;
		uint64_t base = rd64(e), length = rd64(e + 8);
		if (length == 0)
			continue;
		if (base + length < base) {
			fmt_snprintf(err, errlen, "memory map entry at %#lx wraps around",
			             (unsigned long)base);
			return -EINVAL;
		}
		if (bi->mmap_count == BOOT_MAX_MMAP) {
			fmt_snprintf(err, errlen, "more than %d memory map entries", BOOT_MAX_MMAP);
			return -E2BIG;
		}
		struct boot_mmap_entry *m = &bi->mmap[bi->mmap_count++];
		m->base = base;
		m->length = length;
		m->type = rd32(e + 16);
	}
	return 0;
}

/*
 * The framebuffer tag: a 32-byte common part (address, pitch, size, depth,
 * type), then colour information that depends on the type. Only a direct RGB
 * framebuffer carries its channel layout (6 bytes); an EGA text one has none
 * (GRUB's tag is the common part alone), an indexed one a palette Iris does
 * not use. A tag too short for its type is ignored.
 */
static void parse_framebuffer(struct boot_info *bi, const uint8_t *t, uint32_t size)
{
	if (size < FB_COMMON_LEN)
		return;
	uint8_t type = t[29];
	if (type == BOOT_FB_RGB && size < FB_RGB_LEN)
		return;
	struct boot_framebuffer *fb = &bi->fb;
	memset(fb, 0, sizeof(*fb));
	fb->addr = rd64(t + 8);
	fb->pitch = rd32(t + 16);
	fb->width = rd32(t + 20);
	fb->height = rd32(t + 24);
	fb->bpp = t[28];
	fb->type = type;
	if (type == BOOT_FB_RGB) {
		fb->red_pos = t[32];
		fb->red_size = t[33];
		fb->green_pos = t[34];
		fb->green_size = t[35];
		fb->blue_pos = t[36];
		fb->blue_size = t[37];
	}
	bi->has_framebuffer = true;
}

static void parse_rsdp(struct boot_info *bi, const uint8_t *t, uint32_t size, size_t want)
{
	size_t len = size - TAG_HEADER;
	if (len > sizeof(bi->rsdp))
		len = sizeof(bi->rsdp);
	/* Prefer the ACPI 2.0 copy when both tags are present. */
	if (len < want || bi->rsdp_len > want)
		return;
	memcpy(bi->rsdp, t + TAG_HEADER, len);
	bi->rsdp_len = len;
}

static int parse_tag(struct boot_info *bi, const uint8_t *t, uint32_t type, uint32_t size,
                     char *err, size_t errlen)
{
	switch (type) {
	case TAG_CMDLINE:
		copy_tag_string(bi->cmdline, sizeof(bi->cmdline), t + 8, size - 8);
		return 0;
	case TAG_BOOTLOADER:
		copy_tag_string(bi->bootloader, sizeof(bi->bootloader), t + 8, size - 8);
		return 0;
	case TAG_MODULE:
		return parse_module(bi, t, size, err, errlen);
	case TAG_MMAP:
		return parse_mmap(bi, t, size, err, errlen);
	case TAG_FRAMEBUFFER:
		parse_framebuffer(bi, t, size);
		return 0;
	case TAG_EFI64:
		if (size >= 16) {
			bi->efi = true;
			bi->efi_system_table = rd64(t + 8);
		}
		return 0;
	case TAG_ACPI_OLD:
		parse_rsdp(bi, t, size, 20);
		return 0;
	case TAG_ACPI_NEW:
		parse_rsdp(bi, t, size, 36);
		return 0;
	case TAG_EFI_MMAP:
		if (size >= 16 && rd32(t + 8) != 0) {
			bi->efi = true;
			bi->efi_mmap_desc_size = rd32(t + 8);
			bi->efi_mmap_count = (size - 16) / bi->efi_mmap_desc_size;
		}
		return 0;
	default:
		return 0;
	}
}

int mb2_parse(const void *mbi, size_t avail, struct boot_info *out, char *err, size_t errlen)
{
	const uint8_t *base = mbi;
	bool have_mmap = false, have_end = false;

	memset(out, 0, sizeof(*out));
	if (avail < 8) {
		fmt_snprintf(err, errlen, "boot information block truncated");
		return -EINVAL;
	}
	uint32_t total = rd32(base);
	if (total < 16 || total > avail) {
		fmt_snprintf(err, errlen, "boot information block has a bad size (%u bytes)",
		             total);
		return -EINVAL;
	}
	out->mbi_size = total;

	for (uint32_t off = 8; off + TAG_HEADER <= total;) {
		const uint8_t *t = base + off;
		uint32_t type = rd32(t), size = rd32(t + 4);
		if (size < TAG_HEADER || size > total - off) {
			fmt_snprintf(err, errlen, "tag %u at offset %u has a bad size (%u bytes)",
			             type, off, size);
			return -EINVAL;
		}
		if (type == TAG_END) {
			have_end = true;
			break;
		}
		int r = parse_tag(out, t, type, size, err, errlen);
		if (r < 0)
			return r;
		if (type == TAG_MMAP)
			have_mmap = true;
		off += (size + 7) & ~7u;
	}
	if (!have_end) {
		fmt_snprintf(err, errlen, "boot information block has no end tag");
		return -EINVAL;
	}
	if (!have_mmap || out->mmap_count == 0) {
		fmt_snprintf(err, errlen, "the boot loader passed no memory map");
		return -ENOENT;
	}
	return 0;
}

uint64_t bootinfo_usable_bytes(const struct boot_info *bi)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < bi->mmap_count; i++) {
		if (bi->mmap[i].type == BOOT_MEM_USABLE)
			sum += bi->mmap[i].length;
	}
	return sum;
}

static bool ranges_overlap(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	return a0 < b1 && b0 < a1;
}

int bootinfo_check(const struct boot_info *bi, uint64_t kernel_start, uint64_t kernel_end,
                   char *err, size_t errlen)
{
	uint64_t usable = bootinfo_usable_bytes(bi);
	if (usable < BOOT_MIN_MEMORY) {
		fmt_snprintf(err, errlen, "only %lu KiB of usable RAM; Iris needs at least %lu MiB",
		             (unsigned long)(usable >> 10), (unsigned long)(BOOT_MIN_MEMORY >> 20));
		return -ENOMEM;
	}
	for (size_t i = 0; i < bi->module_count; i++) {
		const struct boot_module *m = &bi->modules[i];
		if (m->end <= m->start) {
			fmt_snprintf(err, errlen, "module %zu (%s) is empty or inverted", i,
			             m->cmdline);
			return -EINVAL;
		}
		if (ranges_overlap(m->start, m->end, kernel_start, kernel_end)) {
			fmt_snprintf(err, errlen,
			             "module %zu (%s) at %#lx-%#lx overlaps the kernel image", i,
			             m->cmdline, (unsigned long)m->start, (unsigned long)m->end);
			return -EINVAL;
		}
		for (size_t j = 0; j < i; j++) {
			const struct boot_module *o = &bi->modules[j];
			if (ranges_overlap(m->start, m->end, o->start, o->end)) {
				fmt_snprintf(err, errlen, "modules %zu and %zu overlap", j, i);
				return -EINVAL;
			}
		}
	}
	return 0;
}
