/*
 * Validation of ELF64 executables before the process loader maps them. An
 * image is untrusted (a boot module, or bytes a process hands to
 * SYS_PROCESS_SPAWN): the kernel copies it into kernel memory once, then
 * elf_validate() checks every field it will use and turns the program headers
 * into a list of mappings. Pure functions, so host tests and a fuzzer can
 * feed them hostile bytes.
 *
 * Iris runs static, non-PIE x86_64 executables (ET_EXEC): no interpreter,
 * no dynamic section, no relocation. Decisions the loader relies on:
 *  - nothing is mapped below ELF_MIN_VADDR (64 KiB, Linux's default
 *    mmap_min_addr), so null-pointer and small-offset dereferences fault;
 *  - every PT_LOAD segment gets pages of its own: two segments that share a
 *    page after rounding are rejected rather than merged, because merging
 *    mixes permissions (text + data would become writable and executable).
 *    lld's default layout never shares pages; a linker script must start
 *    each segment on a new page, e.g. with
 *    `. = ALIGN(CONSTANT(MAXPAGESIZE)) + (. & (CONSTANT(MAXPAGESIZE) - 1));`
 *  - no segment is both writable and executable, and the stack is never
 *    executable (PT_GNU_STACK is ignored).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The on-disk structures (System V gABI), little-endian as on x86_64. */
#define EI_NIDENT 16

struct elf64_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 file header is 64 bytes");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header is 56 bytes");

/* e_ident indexes and values. */
#define EI_MAG0     0
#define EI_CLASS    4
#define EI_DATA     5
#define EI_VERSION  6
#define ELFMAG0     0x7f
#define ELFMAG1     'E'
#define ELFMAG2     'L'
#define ELFMAG3     'F'
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define EV_CURRENT  1
#define ET_EXEC     2
#define ET_DYN      3
#define EM_X86_64   62

/* Program header types and flags. */
#define PT_NULL      0
#define PT_LOAD      1
#define PT_DYNAMIC   2
#define PT_INTERP    3
#define PT_NOTE      4
#define PT_PHDR      6
#define PT_TLS       7
#define PT_GNU_STACK 0x6474e551u
#define PT_GNU_RELRO 0x6474e552u
#define PF_X         (1u << 0)
#define PF_W         (1u << 1)
#define PF_R         (1u << 2)

/* Limits elf_validate() enforces. */
#define ELF_PAGE_SIZE      4096ull
#define ELF_MIN_VADDR      (64ull << 10) /* lowest address a segment may map */
#define ELF_MAX_PHNUM      64            /* program headers in one image */
#define ELF_MAX_SEGMENTS   16            /* PT_LOAD segments in one image */
#define ELF_MAX_IMAGE_SIZE (1ull << 30)  /* sum of the page-rounded segment sizes */

/* One mapping the loader makes: zeroed pages, then the file bytes copied in. */
struct elf_segment {
	uint64_t vaddr;       /* page-aligned start of the mapping */
	uint64_t memsz;       /* page-rounded size of the mapping, > 0 */
	uint64_t file_offset; /* bytes [file_offset, file_offset + file_size) of the image... */
	uint64_t file_size;
	uint64_t copy_to; /* ...go to this address (the segment's p_vaddr), inside the mapping */
	unsigned prot;    /* IRIS_PROT_READ | IRIS_PROT_WRITE | IRIS_PROT_EXEC, never W and X */
};

struct elf_image {
	uint64_t entry; /* inside an executable segment */
	size_t nsegments;
	struct elf_segment segments[ELF_MAX_SEGMENTS]; /* ascending vaddr, disjoint pages */
	uint64_t lowest, highest;                      /* [lowest, highest) covers every segment */
};

/*
 * Checks the ELF64 executable in image[0, size) and describes its mappings in
 * *out. Every mapping lies in [ELF_MIN_VADDR, user_limit), where user_limit is
 * the exclusive end of user space (0x0000800000000000 on Iris). Reads nothing
 * outside image[0, size), whatever the bytes are; image need not be aligned.
 * Returns 0, or -ENOEXEC for a malformed or unsupported image, or -E2BIG for
 * too many program headers or segments or too much memory, with a one-line
 * reason in err[errlen] ("segment 2 reaches into kernel space"; segments are
 * numbered by their program header index, as readelf -l does). err may be
 * NULL when errlen is 0. On failure *out holds nothing useful.
 */
int elf_validate(const void *image, size_t size, uint64_t user_limit, struct elf_image *out,
                 char *err, size_t errlen);
