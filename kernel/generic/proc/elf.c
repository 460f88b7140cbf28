/*
 * ELF64 executable validation (see elf.h). Every header is copied out of the
 * image with memcpy after its range has been checked, so the image may be
 * unaligned and no field is read twice. All address arithmetic is checked
 * for wrap-around before it is done.
 */
#include <common/printf.h>
#include <common/string.h>
#include <iris/abi/errno.h>
#include <iris/abi/syscall.h>
#include <proc/elf.h>
#include <stdarg.h>
#include <stdbool.h>

#define PAGE_MASK (ELF_PAGE_SIZE - 1)

/* Formats the reason into err[errlen] and returns code. */
__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int code,
                                                      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}

/* Checks the file header, including that the program header table lies inside the file. */
static int check_header(const struct elf64_ehdr *eh, size_t size, char *err, size_t errlen)
{
	const uint8_t *id = eh->e_ident;
	if (id[EI_MAG0] != ELFMAG0 || id[EI_MAG0 + 1] != ELFMAG1 || id[EI_MAG0 + 2] != ELFMAG2 ||
	    id[EI_MAG0 + 3] != ELFMAG3)
		return fail(err, errlen, -ENOEXEC, "not an ELF file (bad magic)");
	if (id[EI_CLASS] != ELFCLASS64)
		return fail(err, errlen, -ENOEXEC, "not a 64-bit ELF file (class %u)",
		            (unsigned)id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, -ENOEXEC,
		            "not a little-endian ELF file (data encoding %u)",
		            (unsigned)id[EI_DATA]);
	if (id[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return fail(err, errlen, -ENOEXEC, "unsupported ELF version %u/%u",
		            (unsigned)id[EI_VERSION], (unsigned)eh->e_version);
	if (eh->e_type == ET_DYN)
		return fail(err, errlen, -ENOEXEC,
		            "position-independent executable (ET_DYN): only static non-PIE "
		            "executables (ET_EXEC) are supported");
	if (eh->e_type != ET_EXEC)
		return fail(err, errlen, -ENOEXEC, "not an executable (ELF type %u)",
		            (unsigned)eh->e_type);
	if (eh->e_machine != EM_X86_64)
		return fail(err, errlen, -ENOEXEC, "not an x86_64 executable (machine %u)",
		            (unsigned)eh->e_machine);
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return fail(err, errlen, -ENOEXEC, "program header size is %u bytes, expected %zu",
		            (unsigned)eh->e_phentsize, sizeof(struct elf64_phdr));
	if (eh->e_phnum > ELF_MAX_PHNUM)
		return fail(err, errlen, -E2BIG, "%u program headers, at most %d are supported",
		            (unsigned)eh->e_phnum, ELF_MAX_PHNUM);
	uint64_t table = (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr);
	if (table > 0 && (eh->e_phoff > size || table > size - eh->e_phoff))
		return fail(err, errlen, -ENOEXEC,
		            "program header table (%u entries at offset %#lx) lies outside the "
		            "%zu-byte file",
		            (unsigned)eh->e_phnum, eh->e_phoff, size);
	return 0;
}

/*
 * Checks PT_LOAD program header `index` on its own (not against the other
 * segments) and fills *seg with its page-rounded mapping.
 */
static int check_load(const struct elf64_phdr *ph, unsigned index, size_t size, uint64_t user_limit,
                      struct elf_segment *seg, char *err, size_t errlen)
{
	if (ph->p_memsz == 0)
		return fail(err, errlen, -ENOEXEC, "segment %u is empty (memory size 0)", index);
	if (ph->p_filesz > ph->p_memsz)
		return fail(err, errlen, -ENOEXEC,
		            "segment %u file size %#lx exceeds its memory size %#lx", index,
		            ph->p_filesz, ph->p_memsz);
	if (ph->p_memsz > ELF_MAX_IMAGE_SIZE)
		return fail(err, errlen, -E2BIG, "segment %u is %#lx bytes, more than %llu MiB",
		            index, ph->p_memsz, ELF_MAX_IMAGE_SIZE >> 20);
	if (ph->p_filesz > 0 && (ph->p_offset > size || ph->p_filesz > size - ph->p_offset))
		return fail(err, errlen, -ENOEXEC,
		            "segment %u file bytes [%#lx, +%#lx) lie outside the %zu-byte file",
		            index, ph->p_offset, ph->p_filesz, size);

	uint64_t align = ph->p_align;
	if (align > 1 && (align < ELF_PAGE_SIZE || (align & (align - 1)) != 0))
		return fail(err, errlen, -ENOEXEC,
		            "segment %u alignment %#lx is not 0, 1 or a power of two >= %#llx",
		            index, align, ELF_PAGE_SIZE);
	if (align < ELF_PAGE_SIZE)
		align = ELF_PAGE_SIZE;
	if (((ph->p_vaddr - ph->p_offset) & (align - 1)) != 0)
		return fail(err, errlen, -ENOEXEC,
		            "segment %u address %#lx and file offset %#lx differ modulo %#lx, so "
		            "it cannot be mapped",
		            index, ph->p_vaddr, ph->p_offset, align);

	/* p_memsz <= 1 GiB, so only p_vaddr can make the end wrap. */
	if (ph->p_vaddr > UINT64_MAX - PAGE_MASK - ph->p_memsz)
		return fail(err, errlen, -ENOEXEC,
		            "segment %u [%#lx, +%#lx) wraps around the address space", index,
		            ph->p_vaddr, ph->p_memsz);
	uint64_t start = ph->p_vaddr & ~PAGE_MASK;
	uint64_t end = (ph->p_vaddr + ph->p_memsz + PAGE_MASK) & ~PAGE_MASK;
	if (start < ELF_MIN_VADDR)
		return fail(err, errlen, -ENOEXEC,
		            "segment %u starts at %#lx, below the lowest mappable address %#llx",
		            index, ph->p_vaddr, ELF_MIN_VADDR);
	if (end > user_limit)
		return fail(err, errlen, -ENOEXEC,
		            "segment %u [%#lx, %#lx) reaches into kernel space (user space ends "
		            "at %#lx)",
		            index, start, end, user_limit);
	if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
		return fail(err, errlen, -ENOEXEC, "segment %u is both writable and executable",
		            index);

	seg->vaddr = start;
	seg->memsz = end - start;
	seg->file_offset = ph->p_offset;
	seg->file_size = ph->p_filesz;
	seg->copy_to = ph->p_vaddr;
	seg->prot = ((ph->p_flags & PF_R) ? IRIS_PROT_READ : 0) |
	            ((ph->p_flags & PF_W) ? IRIS_PROT_WRITE : 0) |
	            ((ph->p_flags & PF_X) ? IRIS_PROT_EXEC : 0);
	return 0;
}

int elf_validate(const void *image, size_t size, uint64_t user_limit, struct elf_image *out,
                 char *err, size_t errlen)
{
	const uint8_t *bytes = image;
	struct elf64_ehdr eh;

	if (size < sizeof(eh))
		return fail(err, errlen, -ENOEXEC, "image too short for an ELF header (%zu bytes)",
		            size);
	memcpy(&eh, bytes, sizeof(eh));
	int rc = check_header(&eh, size, err, errlen);
	if (rc < 0)
		return rc;

	/*
	 * Collect the PT_LOAD segments in ascending page-rounded vaddr order,
	 * remembering for each its program header index and exact end (for
	 * error messages that tell overlap from page sharing).
	 */
	unsigned index[ELF_MAX_SEGMENTS];
	uint64_t exact_end[ELF_MAX_SEGMENTS];
	uint64_t total = 0;
	bool entry_ok = false;
	out->nsegments = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;
		memcpy(&ph, bytes + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_INTERP)
			return fail(err, errlen, -ENOEXEC,
			            "segment %u is PT_INTERP: dynamically linked executables are "
			            "not supported (link with -static)",
			            i);
		if (ph.p_type == PT_DYNAMIC)
			return fail(err, errlen, -ENOEXEC,
			            "segment %u is PT_DYNAMIC: dynamically linked executables are "
			            "not supported (link with -static)",
			            i);
		if (ph.p_type != PT_LOAD)
			continue; /* PT_NOTE, PT_TLS, PT_PHDR, PT_GNU_STACK (never executable) ...
			           */
		if (out->nsegments == ELF_MAX_SEGMENTS)
			return fail(err, errlen, -E2BIG, "more than %d PT_LOAD segments",
			            ELF_MAX_SEGMENTS);
		struct elf_segment seg;
		rc = check_load(&ph, i, size, user_limit, &seg, err, errlen);
		if (rc < 0)
			return rc;
		total += seg.memsz;
		if (total > ELF_MAX_IMAGE_SIZE)
			return fail(err, errlen, -E2BIG,
			            "segments need more than %llu MiB of memory",
			            ELF_MAX_IMAGE_SIZE >> 20);
		if ((ph.p_flags & PF_X) && eh.e_entry >= ph.p_vaddr &&
		    eh.e_entry - ph.p_vaddr < ph.p_memsz)
			entry_ok = true;

		size_t k = out->nsegments++;
		for (; k > 0 && out->segments[k - 1].vaddr > seg.vaddr; k--) {
			out->segments[k] = out->segments[k - 1];
			index[k] = index[k - 1];
			exact_end[k] = exact_end[k - 1];
		}
		out->segments[k] = seg;
		index[k] = i;
		exact_end[k] = ph.p_vaddr + ph.p_memsz;
	}
	if (out->nsegments == 0)
		return fail(err, errlen, -ENOEXEC, "no PT_LOAD segment");

	for (size_t k = 1; k < out->nsegments; k++) {
		const struct elf_segment *a = &out->segments[k - 1], *b = &out->segments[k];
		if (a->vaddr + a->memsz <= b->vaddr)
			continue;
		uint64_t lo = a->copy_to > b->copy_to ? a->copy_to : b->copy_to;
		uint64_t hi = exact_end[k - 1] < exact_end[k] ? exact_end[k - 1] : exact_end[k];
		if (lo < hi)
			return fail(err, errlen, -ENOEXEC, "segments %u and %u overlap at %#lx",
			            index[k - 1], index[k], lo);
		return fail(err, errlen, -ENOEXEC,
		            "segments %u and %u share the page at %#lx: start each segment on a "
		            "page of its own",
		            index[k - 1], index[k], b->vaddr);
	}
	if (!entry_ok)
		return fail(err, errlen, -ENOEXEC,
		            "entry point %#lx is not inside an executable segment", eh.e_entry);

	const struct elf_segment *last = &out->segments[out->nsegments - 1];
	out->entry = eh.e_entry;
	out->lowest = out->segments[0].vaddr;
	out->highest = last->vaddr + last->memsz;
	return 0;
}
