#pragma once

#include <boot/bootinfo.h>
#include <stdint.h>

/*
 * Hands the usable RAM of the boot memory map to the frame allocator, keeping
 * out the first page, the kernel image [kernel_start, kernel_end), the boot
 * modules and the multiboot2 information block.
 */
void memmap_init_frames(const struct boot_info *bi, uint64_t kernel_start, uint64_t kernel_end);
