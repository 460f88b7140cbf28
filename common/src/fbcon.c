/*
 * Framebuffer text console. See fbcon.h for what it understands.
 *
 * Safety argument: every pixel address is computed from a cell inside the
 * grid (cx < cols, cy < rows is kept by every assignment) or, in
 * fbcon_init(), from a pixel inside width x height; fbcon_init() has checked
 * that such pixels lie inside pitch * height bytes. Escape parameters are
 * stored in a fixed array and saturate, and every use of one clamps it.
 */
#include <common/fbcon.h>
#include <common/font.h>
#include <common/string.h>

enum parser_state {
	ST_NORMAL, /* text and control characters */
	ST_ESC,    /* after ESC (and any intermediate bytes) */
	ST_CSI,    /* after ESC [ : parameters until a final byte */
};

#define ESC        0x1b
#define TAB_WIDTH  8
#define PARAM_MAX  9999 /* CSI parameters saturate here */
#define DEFAULT_FG 7    /* light grey */
#define DEFAULT_BG 0    /* black */

/* The VGA palette in ANSI order, 8 bits per channel: 0..7 normal, 8..15 bright. */
static const uint8_t ansi_rgb[16][3] = {
	{ 0x00, 0x00, 0x00 }, { 0xaa, 0x00, 0x00 }, { 0x00, 0xaa, 0x00 }, { 0xaa, 0x55, 0x00 },
	{ 0x00, 0x00, 0xaa }, { 0xaa, 0x00, 0xaa }, { 0x00, 0xaa, 0xaa }, { 0xaa, 0xaa, 0xaa },
	{ 0x55, 0x55, 0x55 }, { 0xff, 0x55, 0x55 }, { 0x55, 0xff, 0x55 }, { 0xff, 0xff, 0x55 },
	{ 0x55, 0x55, 0xff }, { 0xff, 0x55, 0xff }, { 0x55, 0xff, 0xff }, { 0xff, 0xff, 0xff },
};

/* --- mode set-up --- */

/* A colour field of size 1..16 bits at bit pos must fit in a bits-wide pixel. */
static bool field_ok(uint8_t pos, uint8_t size, uint32_t bits)
{
	return size >= 1 && size <= 16 && (uint32_t)pos + size <= bits;
}

static bool mode_ok(const struct fb_info *fb)
{
	uint32_t bytes_pp = fb->bpp / 8u;

	if (!fb->base || (fb->bpp != 16 && fb->bpp != 24 && fb->bpp != 32))
		return false;
	if (!field_ok(fb->red_pos, fb->red_size, fb->bpp) ||
	    !field_ok(fb->green_pos, fb->green_size, fb->bpp) ||
	    !field_ok(fb->blue_pos, fb->blue_size, fb->bpp))
		return false;
	if (fb->width < FONT_WIDTH || fb->height < FONT_HEIGHT)
		return false;
	if ((uint64_t)fb->width * bytes_pp > fb->pitch)
		return false;
	/* 16- and 32-bit pixels are stored whole, so they must be naturally aligned. */
	return bytes_pp == 3 || ((uintptr_t)fb->base % bytes_pp == 0 && fb->pitch % bytes_pp == 0);
}

/* The 8-bit intensity v scaled to a size-bit field (bits replicated), shifted to pos. */
static uint32_t channel(uint8_t v, uint8_t pos, uint8_t size)
{
	uint32_t x;

	if (size <= 8)
		x = (uint32_t)v >> (8 - size);
	else
		x = (uint32_t)v << (size - 8) | (uint32_t)v >> (16 - size);
	return x << pos;
}

static uint32_t field_mask(uint8_t pos, uint8_t size)
{
	return ((1u << size) - 1) << pos;
}

static void make_palette(struct fbcon *con, const struct fb_info *fb)
{
	for (int i = 0; i < 16; i++)
		con->palette[i] = channel(ansi_rgb[i][0], fb->red_pos, fb->red_size) |
		                  channel(ansi_rgb[i][1], fb->green_pos, fb->green_size) |
		                  channel(ansi_rgb[i][2], fb->blue_pos, fb->blue_size);
	con->invert_mask = field_mask(fb->red_pos, fb->red_size) |
	                   field_mask(fb->green_pos, fb->green_size) |
	                   field_mask(fb->blue_pos, fb->blue_size);
}

/* --- pixels --- */

static uint8_t *pixel_at(const struct fbcon *con, uint32_t x, uint32_t y)
{
	return con->base + (size_t)y * con->pitch + (size_t)x * con->bytes_pp;
}

static void put_pixel(const struct fbcon *con, uint8_t *p, uint32_t v)
{
	switch (con->bytes_pp) {
	case 4:
		*(uint32_t *)(void *)p = v;
		break;
	case 3:
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
		p[2] = (uint8_t)(v >> 16);
		break;
	default:
		*(uint16_t *)(void *)p = (uint16_t)v;
		break;
	}
}

static uint32_t get_pixel(const struct fbcon *con, const uint8_t *p)
{
	switch (con->bytes_pp) {
	case 4:
		return *(const uint32_t *)(const void *)p;
	case 3:
		return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
	default:
		return *(const uint16_t *)(const void *)p;
	}
}

/* Fills the w x h pixel rectangle at (x, y), which the caller keeps inside the screen. */
static void fill_rect(struct fbcon *con, uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t v)
{
	for (uint32_t j = 0; j < h; j++) {
		uint8_t *p = pixel_at(con, x, y + j);

		for (uint32_t i = 0; i < w; i++, p += con->bytes_pp)
			put_pixel(con, p, v);
	}
}

/* --- cells --- */

/* Clears cells col0..col1-1 of text row `row` to the current background colour. */
static void erase_cells(struct fbcon *con, uint32_t row, uint32_t col0, uint32_t col1)
{
	fill_rect(con, col0 * FONT_WIDTH, row * FONT_HEIGHT, (col1 - col0) * FONT_WIDTH,
	          FONT_HEIGHT, con->palette[con->bg]);
}

/* Clears text rows row0..row1-1 to the current background colour. */
static void erase_rows(struct fbcon *con, uint32_t row0, uint32_t row1)
{
	fill_rect(con, 0, row0 * FONT_HEIGHT, con->cols * FONT_WIDTH, (row1 - row0) * FONT_HEIGHT,
	          con->palette[con->bg]);
}

static uint8_t fg_index(const struct fbcon *con)
{
	return con->bold && con->fg < 8 ? con->fg + 8 : con->fg;
}

static void draw_glyph(struct fbcon *con, unsigned char c)
{
	const uint8_t *glyph = font_glyph(c);
	uint32_t fg = con->palette[fg_index(con)];
	uint32_t bg = con->palette[con->bg];

	for (uint32_t y = 0; y < FONT_HEIGHT; y++) {
		uint8_t *p = pixel_at(con, con->cx * FONT_WIDTH, con->cy * FONT_HEIGHT + y);

		for (uint32_t x = 0; x < FONT_WIDTH; x++, p += con->bytes_pp)
			put_pixel(con, p, glyph[y] & (0x80 >> x) ? fg : bg);
	}
}

/*
 * Shows or hides the block cursor by inverting every colour bit of the cursor
 * cell: a second call restores the cell exactly.
 */
static void toggle_cursor(struct fbcon *con)
{
	for (uint32_t y = 0; y < FONT_HEIGHT; y++) {
		uint8_t *p = pixel_at(con, con->cx * FONT_WIDTH, con->cy * FONT_HEIGHT + y);

		for (uint32_t x = 0; x < FONT_WIDTH; x++, p += con->bytes_pp)
			put_pixel(con, p, get_pixel(con, p) ^ con->invert_mask);
	}
}

/* Moves the text area up one row (whole pitch-wide lines) and clears the bottom row. */
static void scroll_up(struct fbcon *con)
{
	size_t row_bytes = (size_t)FONT_HEIGHT * con->pitch;

	memmove(con->base, con->base + row_bytes, (con->rows - 1) * row_bytes);
	erase_rows(con, con->rows - 1, con->rows);
}

/* --- cursor movement and text --- */

/* Moves the cursor to cell (x, y) clamped to the grid, cancelling a pending wrap. */
static void move_to(struct fbcon *con, uint32_t x, uint32_t y)
{
	con->cx = x < con->cols ? x : con->cols - 1;
	con->cy = y < con->rows ? y : con->rows - 1;
	con->wrap_pending = false;
}

static void line_feed(struct fbcon *con)
{
	if (con->cy + 1 < con->rows)
		con->cy++;
	else
		scroll_up(con);
}

/* Draws c at the cursor and advances it; past the last column the wrap waits for the next glyph. */
static void put_glyph(struct fbcon *con, unsigned char c)
{
	if (con->wrap_pending) {
		move_to(con, 0, con->cy);
		line_feed(con);
	}
	draw_glyph(con, c);
	if (con->cx + 1 < con->cols)
		con->cx++;
	else
		con->wrap_pending = true;
}

/* Handles a byte outside escape sequences: text, the few control characters, or ESC. */
static void normal_byte(struct fbcon *con, unsigned char c)
{
	switch (c) {
	case ESC:
		con->state = ST_ESC;
		break;
	case '\n':
		move_to(con, 0, con->cy);
		line_feed(con);
		break;
	case '\r':
		move_to(con, 0, con->cy);
		break;
	case '\t':
		move_to(con, (con->cx / TAB_WIDTH + 1) * TAB_WIDTH, con->cy);
		break;
	case '\b':
		move_to(con, con->cx > 0 ? con->cx - 1 : 0, con->cy);
		break;
	default:
		/* Other control characters and DEL are ignored; bytes >= 0x80 draw the box. */
		if (c >= 0x20 && c != 0x7f)
			put_glyph(con, c);
		break;
	}
}

/* --- escape sequences --- */

/* SGR: applies each parameter in order; an unsupported extended colour ends the sequence. */
static void sgr(struct fbcon *con)
{
	for (uint32_t i = 0; i < con->nparams; i++) {
		uint32_t p = con->params[i];

		if (p == 0) {
			con->fg = DEFAULT_FG;
			con->bg = DEFAULT_BG;
			con->bold = false;
		} else if (p == 1) {
			con->bold = true;
		} else if (p == 22) {
			con->bold = false;
		} else if (p >= 30 && p <= 37) {
			con->fg = (uint8_t)(p - 30);
		} else if (p == 39) {
			con->fg = DEFAULT_FG;
		} else if (p >= 40 && p <= 47) {
			con->bg = (uint8_t)(p - 40);
		} else if (p == 49) {
			con->bg = DEFAULT_BG;
		} else if (p >= 90 && p <= 97) {
			con->fg = (uint8_t)(p - 90 + 8);
		} else if (p >= 100 && p <= 107) {
			con->bg = (uint8_t)(p - 100 + 8);
		} else if (p == 38 || p == 48) {
			return; /* 256-colour or RGB: its sub-parameters are not attributes */
		}
	}
}

/* ED: 0 = cursor to end of screen, 1 = start of screen to cursor, 2 = whole screen. */
static void erase_display(struct fbcon *con, uint32_t mode)
{
	if (mode == 0) {
		erase_cells(con, con->cy, con->cx, con->cols);
		erase_rows(con, con->cy + 1, con->rows);
	} else if (mode == 1) {
		erase_rows(con, 0, con->cy);
		erase_cells(con, con->cy, 0, con->cx + 1);
	} else if (mode == 2) {
		erase_rows(con, 0, con->rows);
	}
	con->wrap_pending = false;
}

/* EL: 0 = cursor to end of line, 1 = start of line to cursor, 2 = whole line. */
static void erase_line(struct fbcon *con, uint32_t mode)
{
	if (mode == 0)
		erase_cells(con, con->cy, con->cx, con->cols);
	else if (mode == 1)
		erase_cells(con, con->cy, 0, con->cx + 1);
	else if (mode == 2)
		erase_cells(con, con->cy, 0, con->cols);
	con->wrap_pending = false;
}

/* Executes a complete CSI sequence ending in `final`; unknown finals are ignored. */
static void csi_dispatch(struct fbcon *con, unsigned char final)
{
	uint32_t p0 = con->params[0];
	uint32_t p1 = con->params[1];
	uint32_t n = p0 ? p0 : 1; /* count or 1-based row: 0 and missing mean 1 */

	switch (final) {
	case 'm':
		sgr(con);
		break;
	case 'H':
	case 'f':
		move_to(con, (p1 ? p1 : 1) - 1, n - 1);
		break;
	case 'A':
		move_to(con, con->cx, con->cy >= n ? con->cy - n : 0);
		break;
	case 'B':
		move_to(con, con->cx, con->cy + n);
		break;
	case 'C':
		move_to(con, con->cx + n, con->cy);
		break;
	case 'D':
		move_to(con, con->cx >= n ? con->cx - n : 0, con->cy);
		break;
	case 'J':
		erase_display(con, p0);
		break;
	case 'K':
		erase_line(con, p0);
		break;
	default:
		break;
	}
}

static void start_csi(struct fbcon *con)
{
	memset(con->params, 0, sizeof(con->params));
	con->nparams = 1;
	con->bad_seq = false;
	con->state = ST_CSI;
}

/*
 * One byte inside ESC [ ... : digits and ';' build the parameters; private
 * markers, sub-parameters, intermediates and a ninth parameter spoil the
 * sequence, which is then consumed up to its final byte without effect. A
 * control character or a byte >= 0x80 aborts the sequence and is handled as
 * ordinary output (ESC starts a new sequence).
 */
static void csi_byte(struct fbcon *con, unsigned char c)
{
	uint16_t *p = &con->params[con->nparams - 1];

	if (c >= '0' && c <= '9') {
		*p = *p > (PARAM_MAX - 9) / 10 ? PARAM_MAX : (uint16_t)(*p * 10 + (c - '0'));
	} else if (c == ';') {
		if (con->nparams < FBCON_MAX_PARAMS)
			con->nparams++;
		else
			con->bad_seq = true;
	} else if (c >= 0x20 && c <= 0x3f) {
		con->bad_seq = true;
	} else if (c >= 0x40 && c <= 0x7e) {
		con->state = ST_NORMAL;
		if (!con->bad_seq)
			csi_dispatch(con, c);
	} else {
		con->state = ST_NORMAL;
		normal_byte(con, c);
	}
}

/*
 * One byte after ESC: '[' starts a CSI sequence, intermediates (0x20..0x2f)
 * are skipped, any other printable byte ends the (unsupported) sequence, and
 * control characters or bytes >= 0x80 abort it and are handled as ordinary output.
 */
static void esc_byte(struct fbcon *con, unsigned char c)
{
	if (c == '[') {
		start_csi(con);
	} else if (c >= 0x20 && c <= 0x2f) {
		return;
	} else if (c >= 0x30 && c <= 0x7e) {
		con->state = ST_NORMAL;
	} else {
		con->state = ST_NORMAL;
		normal_byte(con, c);
	}
}

static void feed(struct fbcon *con, unsigned char c)
{
	switch (con->state) {
	case ST_ESC:
		esc_byte(con, c);
		break;
	case ST_CSI:
		csi_byte(con, c);
		break;
	default:
		normal_byte(con, c);
		break;
	}
}

/* --- interface --- */

int fbcon_init(struct fbcon *con, const struct fb_info *fb)
{
	if (!mode_ok(fb))
		return -1;
	memset(con, 0, sizeof(*con));
	con->base = fb->base;
	con->pitch = fb->pitch;
	con->cols = fb->width / FONT_WIDTH;
	con->rows = fb->height / FONT_HEIGHT;
	con->bytes_pp = fb->bpp / 8u;
	con->fg = DEFAULT_FG;
	con->bg = DEFAULT_BG;
	con->state = ST_NORMAL;
	make_palette(con, fb);
	fill_rect(con, 0, 0, fb->width, fb->height, con->palette[DEFAULT_BG]);
	toggle_cursor(con);
	return 0;
}

void fbcon_write(struct fbcon *con, const char *s, size_t len)
{
	toggle_cursor(con);
	for (size_t i = 0; i < len; i++)
		feed(con, (unsigned char)s[i]);
	toggle_cursor(con);
}

void fbcon_set_base(struct fbcon *con, void *base)
{
	con->base = base;
}
