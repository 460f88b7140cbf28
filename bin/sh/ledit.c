/*
 * The line editor (ledit.h).
 *
 * Invariants, kept by every edit: len <= LEDIT_LINE_MAX, line[len] == 0,
 * pos <= len, off <= pos, and pos - off <= room() after each redraw. The
 * only indices that come from input are the history position (checked
 * against hist_count) and escape parameters (only compared).
 */
#include "ledit.h"
#include <stdio.h>
#include <string.h>

#define CTRL(c) ((c)&0x1f)
#define ESC     0x1b
#define DEL     0x7f
#define BEL     "\a"

enum { ESC_NONE, ESC_START, ESC_CSI, ESC_SS3 };

static void out(struct ledit *e, const char *s, size_t n)
{
	if (n)
		e->write(e->ctx, s, n);
}

static void outs(struct ledit *e, const char *s)
{
	out(e, s, strlen(s));
}

/* Columns for the line after the prompt; the last column stays empty. */
static size_t room(const struct ledit *e)
{
	return e->cols - e->prompt_len - 1;
}

/* Moves the cursor n columns: right (ESC [ n C) or left (ESC [ n D). */
static void cursor_move(struct ledit *e, size_t n, char dir)
{
	char seq[24];
	if (!n)
		return;
	int len = snprintf(seq, sizeof(seq), "\x1b[%zu%c", n, dir);
	out(e, seq, (size_t)len);
}

/*
 * Draws the visible part of the line after the prompt and puts the cursor
 * back. The prompt itself is stepped over, not drawn again, so a terminal's
 * output shows it once per line (tests look for it).
 */
static void redraw(struct ledit *e)
{
	size_t w = room(e), half = w / 2;
	/*
	 * The cursor left the window, or text is hidden on the left while the
	 * right half is empty: centre the cursor. Jumping half a row at a time
	 * lets the next half row of typing be echoed without a redraw (a slow
	 * serial line would otherwise carry a whole row per key).
	 */
	if (e->pos < e->off || e->pos - e->off > w || (e->off && e->len - e->off < half))
		e->off = e->pos > half ? e->pos - half : 0;
	size_t shown = e->len - e->off < w ? e->len - e->off : w;
	outs(e, "\r");
	cursor_move(e, e->prompt_len, 'C');
	out(e, e->line + e->off, shown);
	outs(e, "\x1b[K");
	cursor_move(e, e->off + shown - e->pos, 'D');
}

void ledit_init(struct ledit *e, ledit_write_fn write, void *ctx)
{
	memset(e, 0, sizeof(*e));
	e->write = write;
	e->ctx = ctx;
	e->browse = -1;
	e->cols = 80;
}

void ledit_start(struct ledit *e, const char *prompt, size_t cols)
{
	size_t n = strnlen(prompt, LEDIT_PROMPT_MAX);
	memcpy(e->prompt, prompt, n);
	e->prompt[n] = '\0';
	e->prompt_len = n;
	if (cols == 0)
		cols = 80;
	if (cols < LEDIT_COLS_MIN)
		cols = LEDIT_COLS_MIN;
	if (cols > LEDIT_COLS_MAX)
		cols = LEDIT_COLS_MAX;
	if (cols < n + LEDIT_COLS_MIN) /* a long prompt still leaves room to type */
		cols = n + LEDIT_COLS_MIN;
	e->cols = cols;
	e->len = e->pos = e->off = 0;
	e->line[0] = '\0';
	e->browse = -1;
	e->esc = ESC_NONE;
	out(e, e->prompt, e->prompt_len);
}

/* Replaces the line with s (the cursor at its end). */
static void set_line(struct ledit *e, const char *s)
{
	size_t n = strnlen(s, LEDIT_LINE_MAX);
	memcpy(e->line, s, n);
	e->line[n] = '\0';
	e->len = e->pos = n;
	redraw(e);
}

static void insert(struct ledit *e, char c)
{
	if (e->len == LEDIT_LINE_MAX) {
		outs(e, BEL);
		return;
	}
	memmove(e->line + e->pos + 1, e->line + e->pos, e->len - e->pos + 1);
	e->line[e->pos++] = c;
	e->len++;
	if (e->pos == e->len && e->pos - e->off <= room(e))
		out(e, &c, 1); /* typing at the end: no need to draw it all */
	else
		redraw(e);
}

/* Deletes line[from..to). */
static void erase(struct ledit *e, size_t from, size_t to)
{
	if (from >= to) {
		outs(e, BEL);
		return;
	}
	memmove(e->line + from, e->line + to, e->len - to + 1);
	e->len -= to - from;
	e->pos = from;
	redraw(e);
}

static void move_to(struct ledit *e, size_t pos)
{
	e->pos = pos;
	redraw(e);
}

/* The history line k + 1 lines back (k < hist_count). */
static const char *hist_get(const struct ledit *e, size_t k)
{
	return e->hist[(e->hist_next + LEDIT_HISTORY - 1 - k) % LEDIT_HISTORY];
}

static void hist_add(struct ledit *e)
{
	if (e->len == 0 || (e->hist_count && strcmp(hist_get(e, 0), e->line) == 0))
		return;
	memcpy(e->hist[e->hist_next], e->line, e->len + 1);
	e->hist_next = (e->hist_next + 1) % LEDIT_HISTORY;
	if (e->hist_count < LEDIT_HISTORY)
		e->hist_count++;
}

static void hist_older(struct ledit *e)
{
	if ((size_t)(e->browse + 1) >= e->hist_count) {
		outs(e, BEL);
		return;
	}
	if (e->browse < 0)
		memcpy(e->saved, e->line, e->len + 1);
	e->browse++;
	set_line(e, hist_get(e, (size_t)e->browse));
}

static void hist_newer(struct ledit *e)
{
	if (e->browse < 0) {
		outs(e, BEL);
		return;
	}
	e->browse--;
	set_line(e, e->browse < 0 ? e->saved : hist_get(e, (size_t)e->browse));
}

static void word_rubout(struct ledit *e)
{
	size_t from = e->pos;
	while (from && e->line[from - 1] == ' ')
		from--;
	while (from && e->line[from - 1] != ' ')
		from--;
	erase(e, from, e->pos);
}

/* The final byte of an escape sequence (CSI when `csi`, else SS3). */
static void escape_final(struct ledit *e, uint8_t c, bool csi)
{
	switch (c) {
	case 'A':
		hist_older(e);
		break;
	case 'B':
		hist_newer(e);
		break;
	case 'C':
		if (e->pos < e->len)
			move_to(e, e->pos + 1);
		break;
	case 'D':
		if (e->pos)
			move_to(e, e->pos - 1);
		break;
	case 'H':
		move_to(e, 0);
		break;
	case 'F':
		move_to(e, e->len);
		break;
	case '~':
		if (!csi)
			break;
		if (e->esc_param == 1 || e->esc_param == 7)
			move_to(e, 0);
		else if (e->esc_param == 4 || e->esc_param == 8)
			move_to(e, e->len);
		else if (e->esc_param == 3 && e->pos < e->len)
			erase(e, e->pos, e->pos + 1);
		break;
	default:
		break; /* not a key the editor knows: swallowed */
	}
}

/* Takes a byte inside an escape sequence. */
static void escape_byte(struct ledit *e, uint8_t c)
{
	switch (e->esc) {
	case ESC_START:
		e->esc = c == '[' ? ESC_CSI : c == 'O' ? ESC_SS3 : ESC_NONE;
		e->esc_param = 0;
		break;
	case ESC_SS3:
		e->esc = ESC_NONE;
		escape_final(e, c, false);
		break;
	default: /* ESC_CSI: parameters and intermediates, then a final byte 0x40..0x7e */
		if (c >= '0' && c <= '9') {
			e->esc_param = e->esc_param > 999
			                       ? 9999
			                       : (uint16_t)(e->esc_param * 10 + (c - '0'));
		} else if (c >= 0x40 && c <= 0x7e) {
			e->esc = ESC_NONE;
			escape_final(e, c, true);
		} else if (c < 0x20 || c > 0x7e) {
			e->esc = ESC_NONE; /* not a sequence after all: drop it */
		}
		break;
	}
}

int ledit_feed(struct ledit *e, uint8_t c)
{
	bool after_cr = e->after_cr;
	e->after_cr = c == '\r';
	if (e->esc != ESC_NONE) {
		escape_byte(e, c);
		return LEDIT_MORE;
	}
	switch (c) {
	case '\n':
	case '\r':
		if (c == '\n' && after_cr)
			return LEDIT_MORE; /* the \n of a \r\n */
		outs(e, "\r\n");
		hist_add(e);
		return LEDIT_DONE;
	case CTRL('C'):
		outs(e, "^C\r\n");
		e->len = e->pos = 0;
		e->line[0] = '\0';
		return LEDIT_CANCEL;
	case CTRL('D'):
		if (e->len == 0)
			return LEDIT_EOF;
		if (e->pos < e->len)
			erase(e, e->pos, e->pos + 1);
		break;
	case ESC:
		e->esc = ESC_START;
		break;
	case DEL:
	case '\b':
		erase(e, e->pos ? e->pos - 1 : 0, e->pos);
		break;
	case CTRL('A'):
		move_to(e, 0);
		break;
	case CTRL('E'):
		move_to(e, e->len);
		break;
	case CTRL('B'):
		escape_final(e, 'D', false);
		break;
	case CTRL('F'):
		escape_final(e, 'C', false);
		break;
	case CTRL('P'):
		hist_older(e);
		break;
	case CTRL('N'):
		hist_newer(e);
		break;
	case CTRL('U'):
		erase(e, 0, e->pos);
		break;
	case CTRL('K'):
		erase(e, e->pos, e->len);
		break;
	case CTRL('W'):
		word_rubout(e);
		break;
	case CTRL('L'):
		outs(e, "\x1b[2J\x1b[H");
		out(e, e->prompt, e->prompt_len);
		redraw(e);
		break;
	default:
		if (c >= 0x20 && c < 0x7f)
			insert(e, (char)c);
		else
			outs(e, BEL);
		break;
	}
	return LEDIT_MORE;
}
