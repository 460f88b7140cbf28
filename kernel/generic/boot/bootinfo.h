/*
 * What the kernel learned from the boot loader, copied out of the multiboot2
 * information block (which lives in memory the frame allocator will reuse).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BOOT_MAX_MMAP    256
#define BOOT_MAX_MODULES 64
#define BOOT_CMDLINE_MAX 1024
#define BOOT_MODLINE_MAX 256

/* Memory map entry types (the multiboot2 / E820 numbering). */
enum boot_mem_type {
	BOOT_MEM_USABLE = 1,
	BOOT_MEM_RESERVED = 2,
	BOOT_MEM_ACPI_RECLAIMABLE = 3,
	BOOT_MEM_ACPI_NVS = 4,
	BOOT_MEM_BAD = 5,
};

struct boot_mmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type;
};

struct boot_module {
	uint64_t start; /* physical, inclusive */
	uint64_t end;   /* physical, exclusive */
	char cmdline[BOOT_MODLINE_MAX];
};

/* Framebuffer types (the multiboot2 numbering). */
enum boot_fb_type {
	BOOT_FB_INDEXED = 0,
	BOOT_FB_RGB = 1,
	BOOT_FB_EGA_TEXT = 2,
};

struct boot_framebuffer {
	uint64_t addr; /* physical */
	uint32_t pitch, width, height;
	uint8_t bpp;
	uint8_t type; /* enum boot_fb_type */
	/* The channel layout of a BOOT_FB_RGB framebuffer (0 for the other types). */
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

struct boot_info {
	char cmdline[BOOT_CMDLINE_MAX];
	char bootloader[64];

	struct boot_mmap_entry mmap[BOOT_MAX_MMAP];
	size_t mmap_count;

	struct boot_module modules[BOOT_MAX_MODULES];
	size_t module_count;

	bool has_framebuffer;
	struct boot_framebuffer fb;

	/* A copy of the ACPI RSDP (20 bytes for v1, 36 for v2); rsdp_len 0 if GRUB gave none. */
	uint8_t rsdp[36];
	size_t rsdp_len;

	/* Set when booted by UEFI: the EFI system table and memory map as GRUB left them. */
	bool efi;
	uint64_t efi_system_table;
	uint32_t efi_mmap_count;
	uint32_t efi_mmap_desc_size;

	/* Where the information block itself was (to keep it out of the allocator while parsing).
	 */
	uint64_t mbi_phys;
	uint64_t mbi_size;
};

extern struct boot_info boot_info;
