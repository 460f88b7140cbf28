/*
 * Parsing the multiboot2 boot information block into struct boot_info. Pure
 * functions over memory the caller passes in, so host tests can feed them
 * hostile blocks.
 */
#pragma once

#include <boot/bootinfo.h>
#include <stddef.h>
#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289u

/* The least RAM Iris boots with. */
#define BOOT_MIN_MEMORY (32ull << 20)

/*
 * Parses the information block at `mbi`, of which at most `avail` bytes may
 * be read, into *out (cleared first). Returns 0, or a negative error code with
 * a human-readable reason in err[errlen]: truncated or malformed block or tag,
 * missing memory map. Unknown tags are skipped.
 */
int mb2_parse(const void *mbi, size_t avail, struct boot_info *out, char *err, size_t errlen);

/*
 * Checks what the kernel needs from a parsed block: at least BOOT_MIN_MEMORY of
 * usable RAM, modules that are well-formed and overlap neither the kernel
 * image [kernel_start, kernel_end) nor each other. Returns 0 or a negative
 * error code with the reason in err[errlen].
 */
int bootinfo_check(const struct boot_info *bi, uint64_t kernel_start, uint64_t kernel_end,
                   char *err, size_t errlen);

/* Sum of the lengths of usable memory map entries. */
uint64_t bootinfo_usable_bytes(const struct boot_info *bi);
