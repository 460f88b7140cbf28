/*
 * Framebuffer text console: draws the kernel log into a linear RGB
 * framebuffer (32, 24 or 16 bits per pixel) with the built-in 8x16 font.
 *
 * The grid is width/8 columns by height/16 rows; output wraps at the right
 * edge (the wrap is deferred until the next printable byte, as on a VT100)
 * and scrolls at the bottom. It understands \n (carriage return plus line
 * feed), \r, \t, \b and a subset of the ANSI/VT100 CSI escapes: SGR colours
 * (m), cursor position (H, f), cursor moves (A, B, C, D) and erasing (J, K).
 * Anything else is ignored; no byte sequence makes it write outside the
 * framebuffer.
 *
 * No allocation, no locks, no floating point: the caller serialises calls
 * (the kernel log calls it with the log lock held).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fb_info {                /* filled by the kernel from the multiboot2 framebuffer tag */
	void *base;             /* already mapped (write-combining) virtual address */
	uint32_t width, height; /* pixels */
	uint32_t pitch;         /* bytes per line */
	uint8_t bpp;            /* 32, 24 or 16 supported; others: fbcon_init fails */
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

#define FBCON_MAX_PARAMS 8

/* Console state. Defined here so the kernel can have a static one; the fields are private. */
struct fbcon {
	uint8_t *base;
	size_t pitch;
	uint32_t cols, rows;  /* text cells */
	uint32_t bytes_pp;    /* 4, 3 or 2 */
	uint32_t palette[16]; /* the 16 ANSI colours as pixel values */
	uint32_t invert_mask; /* every colour bit of a pixel: XORed to draw the cursor */
	uint32_t cx, cy;      /* cursor cell, always < cols and < rows */
	bool wrap_pending;    /* the last column was written; wrap before the next glyph */
	uint8_t fg, bg;       /* palette indices 0..15 */
	bool bold;            /* draw fg colours 0..7 as their bright variants */
	uint8_t state;        /* escape parser state (enum in fbcon.c) */
	uint8_t nparams;      /* CSI parameters seen so far, 1..FBCON_MAX_PARAMS */
	bool bad_seq;         /* the current CSI sequence will be ignored */
	uint16_t params[FBCON_MAX_PARAMS];
};

/*
 * Checks the mode, clears the screen to black and shows the cursor at the top
 * left. fb->base must map pitch * height bytes; the console keeps using it
 * (fb itself may be discarded). Returns 0, or a negative value if the mode is not usable (bpp
 * unsupported, colour fields that do not fit the pixel, fewer than 1x1 cells,
 * pitch < width * bytes per pixel, or a base/pitch misaligned for the pixel size).
 */
int fbcon_init(struct fbcon *con, const struct fb_info *fb);

/* Draws len bytes of s; escape sequences may be split across calls. */
void fbcon_write(struct fbcon *con, const char *s, size_t len);

/*
 * Moves an initialised console to another mapping of the same framebuffer
 * (e.g. the write-combining one that replaces the boot mapping), keeping the
 * screen contents, cursor and colours. base must show the same pixels at the
 * same page offset as the old mapping, so it has the same alignment.
 */
void fbcon_set_base(struct fbcon *con, void *base);
