/*
 * The screen: BAR 0 of the "framebuffer" platform device (the framebuffer
 * the firmware and GRUB set up), mapped here and drawn by the renderer the
 * kernel uses too (common/src/fbcon.c with its 8x16 font, compiled into
 * this program): text, wrapping, scrolling, a block cursor and the ANSI
 * subset common/fbcon.h lists. Holding the device keeps the kernel's log off
 * the screen.
 *
 * Without a device (started by init), or with one that cannot be used (a
 * pixel format fbcon refuses, a BAR that does not map), there is no screen
 * and the console goes on with its mirrors alone: one line in the log says
 * why.
 */
#include "console.h"
#include <common/fbcon.h>
#include <driver/pci.h>
#include <errno.h>

#define NO_SCREEN_COLS 80 /* what GET_INFO says without a screen: a VT100's size */
#define NO_SCREEN_ROWS 24

static struct fbcon con;
static bool present;

void screen_init(struct drv *d)
{
	if (d->device == IRIS_HANDLE_INVALID)
		return;
	const struct iris_fb_format *f = &d->info.fb;
	uint64_t bytes = (uint64_t)f->pitch * f->height;
	struct drv_mmio m;
	int r = d->info.bus_type == IRIS_BUS_PLATFORM && bytes ? drv_pci_map_bar(d, 0, bytes, &m)
	                                                       : -ENODEV;
	if (r < 0) {
		drv_log(d, "no usable framebuffer (error %d): the mirrors alone", r);
		return;
	}
	struct fb_info fb = {
		.base = (void *)(uintptr_t)m.base,
		.width = f->width,
		.height = f->height,
		.pitch = f->pitch,
		.bpp = f->bpp,
		.red_pos = f->red_pos,
		.red_size = f->red_size,
		.green_pos = f->green_pos,
		.green_size = f->green_size,
		.blue_pos = f->blue_pos,
		.blue_size = f->blue_size,
	};
	if (fbcon_init(&con, &fb) < 0) {
		drv_log(d,
		        "framebuffer %ux%u, %u bits per pixel: a format the renderer refuses; "
		        "the mirrors alone",
		        f->width, f->height, f->bpp);
		drv_pci_unmap_bar(&m);
		return;
	}
	present = true;
	drv_log(d, "framebuffer %ux%u, %u bits per pixel: %ux%u text cells", f->width, f->height,
	        f->bpp, con.cols, con.rows);
}

bool screen_present(void)
{
	return present;
}

void screen_write(const char *s, size_t len)
{
	if (present)
		fbcon_write(&con, s, len);
}

void screen_size(uint32_t *cols, uint32_t *rows)
{
	*cols = present ? con.cols : NO_SCREEN_COLS;
	*rows = present ? con.rows : NO_SCREEN_ROWS;
}
