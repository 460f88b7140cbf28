/*
 * libFuzzer target for the framebuffer text console: arbitrary bytes go to fbcon_write() on a
 * small malloc'd framebuffer, so AddressSanitizer catches any write past it, and after each
 * input the target checks that nothing outside the text grid changed and that the cursor is
 * inside the grid. Build and run from the repository root:
 *
 *   clang -std=c11 -Wall -Wextra -Werror -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -fno-sanitize-recover=all -I common/include test/host/fuzz_fbcon.c \
 *       common/src/fbcon.c common/src/font8x16.c \
 *       -o /tmp/fuzz_fbcon && /tmp/fuzz_fbcon -max_total_time=60
 *
 * Input layout: byte 0 picks the pixel format and grid width, byte 1 the grid height and
 * margins, byte 2 the largest chunk passed to one fbcon_write(); the rest is console output.
 */
#include <common/fbcon.h>
#include <common/font.h>

#include <stdlib.h>
#include <string.h>

#define FUZZ_REACHED_MIN 100
#include "fuzz_reached.h"

#define CANARY 0xa5
#define GUARD  16

/* Whether the pixels right of and below the grid are still black (as fbcon_init left them). */
static int margins_black(const struct fb_info *fb, const struct fbcon *con)
{
	const uint8_t *mem = fb->base;
	uint32_t bytes_pp = fb->bpp / 8u;

	for (uint32_t y = 0; y < fb->height; y++)
		for (uint32_t x = 0; x < fb->width; x++)
			if (x >= con->cols * FONT_WIDTH || y >= con->rows * FONT_HEIGHT)
				for (uint32_t i = 0; i < bytes_pp; i++)
					if (mem[(size_t)y * fb->pitch + x * bytes_pp + i] != 0)
						return 0;
	return 1;
}

/* Whether the bytes past each line's pixels and past the buffer still hold the canary. */
static int canaries_intact(const struct fb_info *fb)
{
	const uint8_t *mem = fb->base;
	size_t line_bytes = (size_t)fb->width * (fb->bpp / 8u);

	for (uint32_t y = 0; y < fb->height; y++)
		for (size_t i = line_bytes; i < fb->pitch; i++)
			if (mem[(size_t)y * fb->pitch + i] != CANARY)
				return 0;
	for (size_t i = 0; i < GUARD; i++)
		if (mem[(size_t)fb->pitch * fb->height + i] != CANARY)
			return 0;
	return 1;
}

static void set_fields(struct fb_info *fb)
{
	if (fb->bpp == 16) {
		fb->red_pos = 11, fb->red_size = 5;
		fb->green_pos = 5, fb->green_size = 6;
		fb->blue_pos = 0, fb->blue_size = 5;
	} else {
		fb->red_pos = 16, fb->red_size = 8;
		fb->green_pos = 8, fb->green_size = 8;
		fb->blue_pos = 0, fb->blue_size = 8;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t bpps[] = { 32, 24, 16 };
	struct fb_info fb = { 0 };
	struct fbcon con;
	size_t mem_size, chunk;
	uint8_t *mem;

	if (size < 3)
		return 0;
	fb.bpp = bpps[data[0] % 3];
	fb.width = (1 + (data[0] >> 2) % 6) * FONT_WIDTH + (data[1] & 7);
	fb.height = (1 + (data[1] >> 3) % 4) * FONT_HEIGHT + (data[1] >> 5);
	fb.pitch = fb.width * (fb.bpp / 8u) + 4 * (data[0] >> 6);
	set_fields(&fb);
	mem_size = (size_t)fb.pitch * fb.height + GUARD;
	mem = malloc(mem_size);
	if (!mem)
		abort();
	memset(mem, CANARY, mem_size);
	fb.base = mem;
	if (fbcon_init(&con, &fb) != 0)
		abort();
	chunk = data[2] ? data[2] : 1;
	for (size_t i = 3; i < size; i += chunk)
		fbcon_write(&con, (const char *)data + i, size - i < chunk ? size - i : chunk);
	if (con.cx >= con.cols || con.cy >= con.rows || !margins_black(&fb, &con) ||
	    !canaries_intact(&fb))
		abort();
	free(mem);
	if (size > 3)
		fuzz_reached(); /* some text was drawn */
	return 0;
}
