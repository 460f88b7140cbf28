/*
 * The boot screen: shows the kernel log on whatever display the boot loader
 * left — a linear framebuffer (through fbcon) or the EGA text screen — so a
 * real PC shows the boot and its errors.
 */
#pragma once

#include <boot/bootinfo.h>
#include <stdbool.h>

/*
 * Attaches the screen described by `bi` to the log, reaching it through the
 * boot page tables (so only a screen below 4 GiB shows messages this early).
 */
void bootcon_init(const struct boot_info *bi);

/*
 * While a process holds the framebuffer device, the kernel log stays off the
 * screen (a panic still draws on it).
 */
void bootcon_hand_over(bool to_user);

/* Once paging_init() has run: moves the screen to a write-combining mapping. */
void bootcon_remap(void);
