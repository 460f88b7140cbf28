/*
 * Host unit test for the framebuffer text console (common/src/fbcon.c).
 * It renders into malloc'd fake framebuffers and checks the pixels. Build and run from the
 * repository root:
 *
 *   clang -std=c11 -Wall -Wextra -Werror -g -fsanitize=address,undefined \
 *       -fno-sanitize-recover=all -I common/include test/host/test_fbcon.c \
 *       common/src/fbcon.c common/src/font8x16.c \
 *       -o /tmp/test_fbcon && /tmp/test_fbcon
 *
 * (gcc accepts the same command.) Prints one `ok`/`not ok` line per test and exits non-zero
 * if any failed.
 */
#include <common/fbcon.h>
#include <common/font.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CANARY 0xa5 /* fills the bytes past each line's pixels and the guard after the buffer */
#define GUARD  64

/* A fake framebuffer: pitch * height bytes of screen followed by GUARD canary bytes. */
struct fake {
	uint8_t *mem;
	struct fb_info info;
	struct fbcon con;
};

static int failed_checks;

/* Records a failed expectation (a `#` diagnostic line) unless ok. */
static void expect(int ok, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	failed_checks++;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static uint32_t bytes_pp(const struct fake *f)
{
	return f->info.bpp / 8u;
}

/* Sets up the mode (xRGB 8:8:8, or RGB 5:6:5 at 16 bpp) without calling fbcon_init. */
static void fake_mode(struct fake *f, uint32_t w, uint32_t h, uint32_t pitch, uint8_t bpp)
{
	size_t size = (size_t)pitch * h + GUARD;

	memset(f, 0, sizeof(*f));
	f->mem = malloc(size);
	if (!f->mem)
		abort();
	memset(f->mem, CANARY, size);
	f->info = (struct fb_info){
		.base = f->mem, .width = w, .height = h, .pitch = pitch, .bpp = bpp
	};
	if (bpp == 16) {
		f->info.red_pos = 11, f->info.red_size = 5;
		f->info.green_pos = 5, f->info.green_size = 6;
		f->info.blue_pos = 0, f->info.blue_size = 5;
	} else {
		f->info.red_pos = 16, f->info.red_size = 8;
		f->info.green_pos = 8, f->info.green_size = 8;
		f->info.blue_pos = 0, f->info.blue_size = 8;
	}
}

/* A framebuffer of cols x rows cells, margins of mx/my pixels, pad spare bytes per line. */
static void fake_open(struct fake *f, uint32_t cols, uint32_t rows, uint32_t mx, uint32_t my,
                      uint32_t pad, uint8_t bpp)
{
	uint32_t w = cols * FONT_WIDTH + mx;

	fake_mode(f, w, rows * FONT_HEIGHT + my, w * (bpp / 8u) + pad, bpp);
	if (fbcon_init(&f->con, &f->info) != 0) {
		printf("# fbcon_init failed\n");
		abort();
	}
}

static void fake_close(struct fake *f)
{
	free(f->mem);
	f->mem = NULL;
}

static void put(struct fake *f, const char *s)
{
	fbcon_write(&f->con, s, strlen(s));
}

static uint32_t px(const struct fake *f, uint32_t x, uint32_t y)
{
	const uint8_t *p = f->mem + (size_t)y * f->info.pitch + (size_t)x * bytes_pp(f);
	uint32_t v = 0;

	for (uint32_t i = 0; i < bytes_pp(f); i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

/* An 8-bit-per-channel colour in the fake's pixel format. */
static uint32_t rgb(const struct fake *f, uint32_t r, uint32_t g, uint32_t b)
{
	if (f->info.bpp == 16)
		return (r >> 3) << 11 | (g >> 2) << 5 | b >> 3;
	return r << 16 | g << 8 | b;
}

static uint32_t white_mask(const struct fake *f)
{
	return f->info.bpp == 16 ? 0xffff : 0xffffff;
}

#define GREY(f)  rgb(f, 0xaa, 0xaa, 0xaa)
#define BLACK(f) rgb(f, 0, 0, 0)

/*
 * Whether cell (col, row) shows glyph c in colours fg on bg. The cursor cell is expected
 * inverted. Reports the first differing pixel.
 */
static int cell_is(const struct fake *f, uint32_t col, uint32_t row, unsigned char c, uint32_t fg,
                   uint32_t bg)
{
	const uint8_t *glyph = font_glyph(c);
	uint32_t inv = col == f->con.cx && row == f->con.cy ? white_mask(f) : 0;

	for (uint32_t y = 0; y < FONT_HEIGHT; y++) {
		for (uint32_t x = 0; x < FONT_WIDTH; x++) {
			uint32_t want = (glyph[y] & (0x80 >> x) ? fg : bg) ^ inv;
			uint32_t got = px(f, col * FONT_WIDTH + x, row * FONT_HEIGHT + y);

			if (got != want) {
				printf("# cell (%u,%u) '%c' pixel (%u,%u): got %#x want %#x\n", col,
				       row, c >= 0x20 && c < 0x7f ? c : '?', x, y, got, want);
				return 0;
			}
		}
	}
	return 1;
}

/* Whether text row `row` reads s (default colours) followed by blanks. */
static int row_is(const struct fake *f, uint32_t row, const char *s)
{
	size_t n = strlen(s);

	for (uint32_t col = 0; col < f->con.cols; col++) {
		unsigned char c = col < n ? (unsigned char)s[col] : ' ';

		if (!cell_is(f, col, row, c, GREY(f), BLACK(f)))
			return 0;
	}
	return 1;
}

/*
 * Whether nothing outside the text grid changed since fbcon_init: the margin pixels right of
 * and below the grid are still black, and every byte past each line's pixels and in the guard
 * still holds the canary.
 */
static int outside_untouched(const struct fake *f)
{
	uint32_t gw = f->con.cols * FONT_WIDTH, gh = f->con.rows * FONT_HEIGHT;
	size_t line_bytes = (size_t)f->info.width * bytes_pp(f);

	for (uint32_t y = 0; y < f->info.height; y++) {
		for (uint32_t x = 0; x < f->info.width; x++)
			if ((x >= gw || y >= gh) && px(f, x, y) != 0)
				return 0;
		for (size_t i = line_bytes; i < f->info.pitch; i++)
			if (f->mem[(size_t)y * f->info.pitch + i] != CANARY)
				return 0;
	}
	for (size_t i = 0; i < GUARD; i++)
		if (f->mem[(size_t)f->info.pitch * f->info.height + i] != CANARY)
			return 0;
	return 1;
}

static int cursor_at(const struct fake *f, uint32_t col, uint32_t row)
{
	if (f->con.cx == col && f->con.cy == row)
		return 1;
	printf("# cursor at (%u,%u), want (%u,%u)\n", f->con.cx, f->con.cy, col, row);
	return 0;
}

/* ---- tests ---- */

static void test_font_table(void)
{
	int blank = 1;

	for (int i = 0; i < FONT_HEIGHT; i++)
		blank &= font8x16[0][i] == 0;
	expect(blank, "space glyph is not blank");
	for (int c = FONT_FIRST + 1; c <= FONT_LAST + 1; c++) {
		int ink = 0;

		for (int i = 0; i < FONT_HEIGHT; i++)
			ink |= font8x16[c - FONT_FIRST][i];
		expect(ink != 0, "glyph %d is blank", c);
	}
	expect(font_glyph(0x80) == font8x16[FONT_UNKNOWN], "0x80 does not map to the box");
	expect(font_glyph('\n') == font8x16[FONT_UNKNOWN], "newline does not map to the box");
	expect(font_glyph('~') == font8x16[FONT_LAST - FONT_FIRST], "'~' maps to the wrong glyph");
	/* '_' sits on the bottom part of the cell; '^' at the top. */
	expect(font_glyph('_')[0] == 0 &&
	               (font_glyph('_')[13] | font_glyph('_')[14] | font_glyph('_')[15]),
	       "'_' is not at the bottom");
	expect(font_glyph('^')[15] == 0, "'^' reaches the bottom row");
}

static void test_init_rejects(void)
{
	struct fake f;
	struct fbcon con;

	fake_mode(&f, 64, 32, 256, 32);
	expect(fbcon_init(&con, &f.info) == 0, "valid 32 bpp mode rejected");
	f.info.bpp = 8;
	expect(fbcon_init(&con, &f.info) < 0, "8 bpp accepted");
	f.info.bpp = 15;
	expect(fbcon_init(&con, &f.info) < 0, "15 bpp accepted");
	f.info.bpp = 32;
	f.info.width = 7;
	expect(fbcon_init(&con, &f.info) < 0, "width 7 accepted");
	f.info.width = 64;
	f.info.height = 15;
	expect(fbcon_init(&con, &f.info) < 0, "height 15 accepted");
	f.info.height = 32;
	f.info.pitch = 64 * 4 - 4;
	expect(fbcon_init(&con, &f.info) < 0, "pitch < width * 4 accepted");
	f.info.pitch = 64 * 4 + 2;
	expect(fbcon_init(&con, &f.info) < 0, "pitch not a multiple of 4 accepted at 32 bpp");
	f.info.pitch = 256;
	f.info.base = f.mem + 1;
	expect(fbcon_init(&con, &f.info) < 0, "misaligned base accepted at 32 bpp");
	f.info.base = NULL;
	expect(fbcon_init(&con, &f.info) < 0, "NULL base accepted");
	f.info.base = f.mem;
	f.info.red_pos = 28;
	expect(fbcon_init(&con, &f.info) < 0, "red field past bit 31 accepted");
	f.info.red_pos = 16;
	f.info.green_size = 0;
	expect(fbcon_init(&con, &f.info) < 0, "zero-sized green field accepted");
	f.info.green_size = 8;
	f.info.bpp = 24;
	f.info.pitch = 64 * 3 + 1;
	f.info.blue_pos = 20;
	expect(fbcon_init(&con, &f.info) < 0, "blue field past bit 23 accepted at 24 bpp");
	f.info.blue_pos = 0;
	expect(fbcon_init(&con, &f.info) == 0, "24 bpp with an odd pitch rejected");
	fake_close(&f);
}

static void test_init_clears(uint8_t bpp)
{
	struct fake f;

	fake_open(&f, 5, 3, 3, 5, 12, bpp);
	expect(f.con.cols == 5 && f.con.rows == 3, "grid is %ux%u", f.con.cols, f.con.rows);
	for (uint32_t r = 0; r < 3; r++)
		expect(row_is(&f, r, ""), "%u bpp: row %u not blank (cursor at 0,0)", bpp, r);
	expect(px(&f, 0, 0) == white_mask(&f), "%u bpp: cursor is not a white block", bpp);
	expect(outside_untouched(&f), "%u bpp: init wrote outside the screen", bpp);
	fake_close(&f);
}

static void test_text_and_cursor(uint8_t bpp)
{
	struct fake f;

	fake_open(&f, 10, 4, 0, 0, 0, bpp);
	put(&f, "Hi!");
	expect(row_is(&f, 0, "Hi!"), "%u bpp: 'Hi!' not drawn", bpp);
	expect(cursor_at(&f, 3, 0), "cursor after 'Hi!'");
	/* The cursor moves off a cell without leaving a trace, and inverts the cell it lands on. */
	put(&f, "\x1b[1;2H");
	expect(cursor_at(&f, 1, 0), "cursor after ESC[1;2H");
	expect(row_is(&f, 0, "Hi!"), "%u bpp: old cursor cell not restored", bpp);
	expect(px(&f, 1 * FONT_WIDTH, 0) == (BLACK(&f) ^ white_mask(&f)),
	       "cursor cell not inverted");
	fbcon_write(&f.con, "x", 0);
	expect(row_is(&f, 0, "Hi!"), "an empty write changed the screen");
	put(&f, "\x80\xff");
	expect(row_is(&f, 0, "H\x80\xff"), "non-ASCII bytes do not draw the box");
	expect(outside_untouched(&f), "text wrote outside the grid");
	fake_close(&f);
}

static void test_controls(void)
{
	struct fake f;

	fake_open(&f, 20, 4, 0, 0, 0, 32);
	put(&f, "abc\rX\n");
	expect(row_is(&f, 0, "Xbc"), "\\r did not return to column 0");
	expect(cursor_at(&f, 0, 1), "\\n is not CR+LF");
	put(&f, "\tT\tU");
	expect(row_is(&f, 1, "        T       U"), "tabs not at multiples of 8");
	put(&f, "\t\t\tV");
	expect(row_is(&f, 1, "        T       U  V"), "tab past the last stop not clamped");
	put(&f, "\n\b\bab\bZ");
	expect(row_is(&f, 2, "aZ"), "\\b does not move left / clamp at column 0");
	put(&f, "\x01\x07\x7f\x1f");
	expect(row_is(&f, 2, "aZ") && cursor_at(&f, 2, 2), "other control bytes not ignored");
	fake_close(&f);
}

static void test_wrap(void)
{
	struct fake f;

	fake_open(&f, 4, 3, 0, 0, 0, 32);
	put(&f, "abcd");
	expect(cursor_at(&f, 3, 0), "cursor does not stay on the last column");
	put(&f, "e");
	expect(row_is(&f, 0, "abcd") && row_is(&f, 1, "e"), "no wrap at the right edge");
	put(&f, "fgh\nX");
	expect(row_is(&f, 1, "efgh") && row_is(&f, 2, "X"), "full line + \\n left a blank line");
	put(&f, "\rwxyz\b\bQ");
	expect(row_is(&f, 2, "wQyz"), "\\b after a full line");
	fake_close(&f);
}

static void test_scroll(uint8_t bpp)
{
	struct fake f;

	/* Odd margins and line padding: scrolling must move whole lines and nothing else. */
	fake_open(&f, 4, 3, 5, 9, 20, bpp);
	put(&f, "1\n2\n3\n4");
	expect(row_is(&f, 0, "2") && row_is(&f, 1, "3") && row_is(&f, 2, "4"),
	       "%u bpp: scroll by one", bpp);
	put(&f, "\n5\n6\n7\n8abcdefg");
	expect(row_is(&f, 0, "7") && row_is(&f, 1, "8abc") && row_is(&f, 2, "defg"),
	       "%u bpp: scroll by several, wrap into the last row", bpp);
	put(&f, "\x1b[44m\n\x1b[0m");
	expect(cell_is(&f, 1, 2, ' ', GREY(&f), rgb(&f, 0, 0, 0xaa)),
	       "%u bpp: scrolled-in row not in the background colour", bpp);
	expect(outside_untouched(&f), "%u bpp: scrolling wrote outside the grid", bpp);
	fake_close(&f);
}

static void test_sgr(uint8_t bpp)
{
	struct fake f;
	uint32_t red, bright_red, blue, bright_white, green;

	fake_open(&f, 16, 2, 0, 0, 0, bpp);
	red = rgb(&f, 0xaa, 0, 0);
	bright_red = rgb(&f, 0xff, 0x55, 0x55);
	blue = rgb(&f, 0, 0, 0xaa);
	bright_white = rgb(&f, 0xff, 0xff, 0xff);
	green = rgb(&f, 0, 0xaa, 0);
	put(&f, "\x1b[31mA\x1b[1mB\x1b[44mC\x1b[0mD\x1b[1;97;102mE\x1b[39;49mF\x1b[22mG");
	put(&f, "\x1b[32;38;5;1mH\x1b[mI");
	expect(cell_is(&f, 0, 0, 'A', red, BLACK(&f)), "31 red");
	expect(cell_is(&f, 1, 0, 'B', bright_red, BLACK(&f)), "1 bright");
	expect(cell_is(&f, 2, 0, 'C', bright_red, blue), "44 blue background");
	expect(cell_is(&f, 3, 0, 'D', GREY(&f), BLACK(&f)), "0 reset");
	expect(cell_is(&f, 4, 0, 'E', bright_white, rgb(&f, 0x55, 0xff, 0x55)), "97;102");
	expect(cell_is(&f, 5, 0, 'F', bright_white, BLACK(&f)), "39;49 defaults (bold stays)");
	expect(cell_is(&f, 6, 0, 'G', GREY(&f), BLACK(&f)), "22 normal intensity");
	expect(cell_is(&f, 7, 0, 'H', green, BLACK(&f)), "38;5;n must not apply 5 or n");
	expect(cell_is(&f, 8, 0, 'I', GREY(&f), BLACK(&f)), "ESC[m reset");
	put(&f, "\x1b[90;100mJ");
	expect(cell_is(&f, 9, 0, 'J', rgb(&f, 0x55, 0x55, 0x55), rgb(&f, 0x55, 0x55, 0x55)),
	       "90;100 bright black");
	fake_close(&f);
}

static void test_colour_layouts(void)
{
	struct fake f;

	/* Blue in the high byte (BGR order): red must land in the low byte. */
	fake_mode(&f, 16, 16, 64, 32);
	f.info.red_pos = 0;
	f.info.blue_pos = 16;
	expect(fbcon_init(&f.con, &f.info) == 0, "BGR mode rejected");
	put(&f, "\x1b[41m \x1b[0m");
	expect(px(&f, 0, 0) == 0x0000aa, "BGR red is %#x", px(&f, 0, 0));
	fake_close(&f);
	/* 10 bits per channel: intensities scale with the low bits replicated. */
	fake_mode(&f, 32, 16, 128, 32);
	f.info.red_pos = 20, f.info.red_size = 10;
	f.info.green_pos = 10, f.info.green_size = 10;
	f.info.blue_pos = 0, f.info.blue_size = 10;
	expect(fbcon_init(&f.con, &f.info) == 0, "10:10:10 mode rejected");
	put(&f, "\x1b[107m \x1b[43m ");
	expect(px(&f, 0, 0) == 0x3fffffff, "10-bit white is %#x", px(&f, 0, 0));
	expect(px(&f, 8, 0) == (0x2aau << 20 | 0x155u << 10), "10-bit brown is %#x", px(&f, 8, 0));
	fake_close(&f);
}

static void test_cursor_moves(void)
{
	struct fake f;

	fake_open(&f, 10, 5, 3, 7, 8, 32);
	put(&f, "\x1b[3;4H");
	expect(cursor_at(&f, 3, 2), "ESC[3;4H");
	put(&f, "\x1b[H");
	expect(cursor_at(&f, 0, 0), "ESC[H");
	put(&f, "\x1b[2;2f\x1b[B\x1b[2C");
	expect(cursor_at(&f, 3, 2), "f, B, 2C");
	put(&f, "\x1b[A\x1b[0D");
	expect(cursor_at(&f, 2, 1), "A, 0D (0 means 1)");
	put(&f, "\x1b[99;99H");
	expect(cursor_at(&f, 9, 4), "position clamped to the bottom right");
	put(&f, "X");
	expect(cell_is(&f, 9, 4, 'X', GREY(&f), BLACK(&f)), "glyph at the clamped corner");
	put(&f, "\x1b[65535;4294967296H");
	expect(cursor_at(&f, 9, 4), "huge position clamped");
	put(&f, "\x1b[99999999999999999999A\x1b[99999999999999999D");
	expect(cursor_at(&f, 0, 0), "huge A/D clamped at 0");
	put(&f, "\x1b[99999B\x1b[99999C");
	expect(cursor_at(&f, 9, 4), "huge B/C clamped at the edge");
	put(&f, "\x1b[0;0H");
	expect(cursor_at(&f, 0, 0), "ESC[0;0H is the top left");
	expect(outside_untouched(&f), "cursor moves wrote outside the grid");
	fake_close(&f);
}

/* Fills a 6x3 grid with "abcdef" / "ghijkl" / "mnopqr" and puts the cursor at (2, 1). */
static void fill_grid(struct fake *f)
{
	put(f, "\x1b[2J\x1b[Habcdefghijklmnopqr\x1b[2;3H");
}

static void test_erase(void)
{
	struct fake f;

	fake_open(&f, 6, 3, 0, 0, 0, 32);
	fill_grid(&f);
	put(&f, "\x1b[K");
	expect(row_is(&f, 0, "abcdef") && row_is(&f, 1, "gh") && row_is(&f, 2, "mnopqr"), "K");
	fill_grid(&f);
	put(&f, "\x1b[1K");
	expect(row_is(&f, 1, "   jkl"), "1K");
	fill_grid(&f);
	put(&f, "\x1b[2K");
	expect(row_is(&f, 0, "abcdef") && row_is(&f, 1, "") && row_is(&f, 2, "mnopqr"), "2K");
	fill_grid(&f);
	put(&f, "\x1b[J");
	expect(row_is(&f, 0, "abcdef") && row_is(&f, 1, "gh") && row_is(&f, 2, ""), "J");
	fill_grid(&f);
	put(&f, "\x1b[1J");
	expect(row_is(&f, 0, "") && row_is(&f, 1, "   jkl") && row_is(&f, 2, "mnopqr"), "1J");
	fill_grid(&f);
	put(&f, "\x1b[2J");
	expect(row_is(&f, 0, "") && row_is(&f, 1, "") && row_is(&f, 2, ""), "2J");
	expect(cursor_at(&f, 2, 1), "2J moved the cursor");
	fill_grid(&f);
	put(&f, "\x1b[3J\x1b[9K\x1b[42J");
	expect(row_is(&f, 0, "abcdef") && row_is(&f, 1, "ghijkl"), "unknown J/K modes erased");
	put(&f, "\x1b[41m\x1b[2K\x1b[0m");
	expect(cell_is(&f, 5, 1, ' ', GREY(&f), rgb(&f, 0xaa, 0, 0)), "erase ignores background");
	fake_close(&f);
}

static void test_malformed_escapes(void)
{
	struct fake f;

	fake_open(&f, 20, 3, 0, 0, 0, 32);
	/* A sequence split over several writes still works. */
	put(&f, "\x1b");
	put(&f, "[3");
	put(&f, "1mR\x1b[0m");
	expect(cell_is(&f, 0, 0, 'R', rgb(&f, 0xaa, 0, 0), BLACK(&f)), "split SGR");
	/* Nine parameters: dropped whole, final byte consumed. */
	put(&f, "\x1b[31;31;31;31;31;31;31;31;31mS");
	expect(cell_is(&f, 1, 0, 'S', GREY(&f), BLACK(&f)), "nine parameters not dropped");
	put(&f, "\x1b[1;1;1;1;1;1;1;31mT\x1b[0m");
	expect(cell_is(&f, 2, 0, 'T', rgb(&f, 0xff, 0x55, 0x55), BLACK(&f)),
	       "eight parameters dropped");
	/* Private, intermediate and sub-parameter forms are ignored, final byte included. */
	put(&f, "\x1b[?25l\x1b[>c\x1b[31:1m\x1b[1 q\x1b(B\x1b)0\x1b"
	        "cU");
	expect(cell_is(&f, 3, 0, 'U', GREY(&f), BLACK(&f)) && cursor_at(&f, 4, 0),
	       "ignored sequences printed something");
	/* A control character aborts the sequence and is executed; ESC restarts one. */
	put(&f, "\x1b[31\rV\x1b[31\x1b[32mW\x1b[0m");
	expect(cell_is(&f, 0, 0, 'V', GREY(&f), BLACK(&f)), "CR inside CSI");
	expect(cell_is(&f, 1, 0, 'W', rgb(&f, 0, 0xaa, 0), BLACK(&f)), "ESC inside CSI");
	/* A high byte aborts a sequence and draws the box, also right after ESC. */
	put(&f, "\x1b[3\xc3X\x1b\xc3");
	expect(cell_is(&f, 2, 0, 0xc3, GREY(&f), BLACK(&f)) &&
	               cell_is(&f, 3, 0, 'X', GREY(&f), BLACK(&f)) &&
	               cell_is(&f, 4, 0, 0xc3, GREY(&f), BLACK(&f)),
	       "high bytes in escapes");
	put(&f, "\x1b[");
	for (int i = 0; i < 10000; i++)
		put(&f, "9");
	put(&f, "DY");
	expect(cursor_at(&f, 1, 0) && cell_is(&f, 0, 0, 'Y', GREY(&f), BLACK(&f)),
	       "10000-digit parameter");
	expect(outside_untouched(&f), "escapes wrote outside the grid");
	fake_close(&f);
}

/* A malloc'd copy of the fake's memory, guard included. */
static uint8_t *snapshot(const struct fake *f)
{
	size_t size = (size_t)f->info.pitch * f->info.height + GUARD;
	uint8_t *copy = malloc(size);

	if (!copy)
		abort();
	return memcpy(copy, f->mem, size);
}

static void test_set_base(void)
{
	struct fake f;
	uint8_t *before, *moved;

	fake_open(&f, 6, 2, 0, 0, 0, 32);
	put(&f, "ab");
	before = snapshot(&f);
	moved = snapshot(&f);
	fbcon_set_base(&f.con, moved);
	put(&f, "c");
	expect(memcmp(f.mem, before, (size_t)f.info.pitch * f.info.height + GUARD) == 0,
	       "the old mapping changed after fbcon_set_base");
	free(before);
	free(f.mem);
	f.mem = moved;
	expect(row_is(&f, 0, "abc") && cursor_at(&f, 3, 0), "the new mapping lost state");
	fake_close(&f);
}

/* xorshift32: deterministic garbage. */
static uint32_t rng(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Bytes biased towards the ones the parser cares about, with plenty of plain noise. */
static char garbage_byte(uint32_t *s)
{
	static const char interesting[] = "\x1b\x1b\x1b[[[;;0123456789mHfABCDJK?\n\r\t\b\x80 ~";
	uint32_t r = rng(s);

	if (r % 4 == 0)
		return (char)(r >> 8);
	return interesting[(r >> 8) % (sizeof(interesting) - 1)];
}

static void test_garbage(uint8_t bpp)
{
	struct fake f;
	uint32_t seed = 0x1234567u + bpp;
	char buf[97];
	int ok = 1;

	fake_open(&f, 7, 4, 5, 11, 12, bpp);
	for (int round = 0; round < 20000 && ok; round++) {
		size_t n = rng(&seed) % sizeof(buf) + 1;

		for (size_t i = 0; i < n; i++)
			buf[i] = garbage_byte(&seed);
		fbcon_write(&f.con, buf, n);
		ok = f.con.cx < f.con.cols && f.con.cy < f.con.rows;
		if (round % 500 == 0)
			ok = ok && outside_untouched(&f);
	}
	expect(ok && outside_untouched(&f), "%u bpp: garbage broke an invariant", bpp);
	/* Whatever state the garbage left, this recovers a clean screen. */
	put(&f, "\x1b[0m\x1b[2J\x1b[Hok");
	expect(row_is(&f, 0, "ok") && row_is(&f, 3, ""), "%u bpp: no recovery after garbage", bpp);
	fake_close(&f);
}

/* ---- driver ---- */

static int test_number;
static int any_failed;

static void report(const char *name, uint8_t bpp)
{
	test_number++;
	any_failed |= failed_checks != 0;
	printf("%s %d - %s", failed_checks ? "not ok" : "ok", test_number, name);
	if (bpp)
		printf(" (%u bpp)", bpp);
	printf("\n");
	failed_checks = 0;
}

static void run(const char *name, void (*fn)(void))
{
	fn();
	report(name, 0);
}

static void run_each_bpp(const char *name, void (*fn)(uint8_t))
{
	static const uint8_t bpps[] = { 32, 24, 16 };

	for (size_t i = 0; i < sizeof(bpps); i++) {
		fn(bpps[i]);
		report(name, bpps[i]);
	}
}

int main(void)
{
	run("font table", test_font_table);
	run("fbcon_init rejects unusable modes", test_init_rejects);
	run_each_bpp("fbcon_init clears the screen and shows the cursor", test_init_clears);
	run_each_bpp("text, cursor drawing and non-ASCII", test_text_and_cursor);
	run_each_bpp("scrolling", test_scroll);
	run_each_bpp("SGR colours", test_sgr);
	run_each_bpp("random garbage", test_garbage);
	run("control characters", test_controls);
	run("wrapping", test_wrap);
	run("colour layouts", test_colour_layouts);
	run("cursor moves and clipping", test_cursor_moves);
	run("erase", test_erase);
	run("malformed escapes", test_malformed_escapes);
	run("fbcon_set_base keeps the screen", test_set_base);
	return any_failed;
}
