/*
 * Host tests of the shell's line editor (bin/sh/ledit.c), drawn on a model
 * terminal: one row of `cols` cells that understands exactly what the
 * editor may send (printable ASCII, \r, \r\n, BEL, ESC [ K, ESC [ n C,
 * ESC [ n D, ESC [ 2 J, ESC [ H) and fails on anything else, on a cursor
 * moved off the row, and on a write to the last column (which would wrap).
 * After every key the row must show the prompt and the visible part of the
 * line with the cursor on the editing position, and the prompt must have
 * been sent once per line (redraws step over it: tests look for it in the
 * output).
 */
#include "../../bin/sh/ledit.h"
#include "check.h"
#include <stdlib.h>
#include <string.h>

#define COLS_MAX LEDIT_COLS_MAX

static struct ledit ed;

static struct {
	char row[COLS_MAX + 1];
	size_t cols, x;
	int bells, newlines;
	bool bad; /* something the model does not accept was sent */
	char esc[16];
	size_t esc_len;    /* > 0 inside an escape sequence */
	char recent[8];    /* the last bytes sent, newest last */
	int prompts, want; /* prompts sent since term_reset; how many there should be */
} term;

static void term_reset(size_t cols)
{
	memset(&term, 0, sizeof(term));
	term.cols = cols;
	term.want = 1;
	memset(term.row, ' ', cols);
}

static void term_escape(void)
{
	char final = term.esc[term.esc_len - 1];
	term.esc[term.esc_len] = '\0';
	if (strcmp(term.esc, "\x1b[K") == 0) {
		memset(term.row + term.x, ' ', term.cols - term.x);
	} else if (strcmp(term.esc, "\x1b[2J") == 0) {
		memset(term.row, ' ', term.cols);
	} else if (strcmp(term.esc, "\x1b[H") == 0) {
		term.x = 0;
	} else if (final == 'D' && term.esc[1] == '[') {
		size_t n = (size_t)atoi(term.esc + 2);
		term.bad |= n == 0 || n > term.x;
		term.x -= n > term.x ? term.x : n;
	} else if (final == 'C' && term.esc[1] == '[') {
		size_t n = (size_t)atoi(term.esc + 2);
		term.bad |= n == 0 || term.x + n >= term.cols;
		term.x += term.x + n >= term.cols ? 0 : n;
	} else {
		term.bad = true;
	}
	term.esc_len = 0;
}

static void term_write(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		memmove(term.recent, term.recent + 1, sizeof(term.recent) - 1);
		term.recent[sizeof(term.recent) - 1] = c;
		term.prompts += memcmp(term.recent + 2, "iris$ ", 6) == 0;
		if (term.esc_len) {
			term.bad |= term.esc_len == sizeof(term.esc) - 1;
			if (term.bad)
				return;
			term.esc[term.esc_len++] = c;
			if (term.esc_len > 2 && c >= 0x40 && c <= 0x7e)
				term_escape();
		} else if (c == '\x1b') {
			term.esc[term.esc_len++] = c;
		} else if (c == '\r') {
			term.x = 0;
		} else if (c == '\n') {
			term.newlines++;
			memset(term.row, ' ', term.cols);
		} else if (c == '\a') {
			term.bells++;
		} else if (c >= 0x20 && c < 0x7f && term.x + 1 < term.cols) {
			term.row[term.x++] = c;
		} else {
			term.bad = true;
		}
	}
}

/* The row shows the prompt and line[off..] as far as it fits, the cursor on pos. */
static bool screen_ok(void)
{
	size_t plen = strlen(ed.prompt);
	size_t room = term.cols - plen - 1;
	size_t shown = ed.len - ed.off < room ? ed.len - ed.off : room;
	bool ok = !term.bad && term.esc_len == 0 && memcmp(term.row, ed.prompt, plen) == 0 &&
	          memcmp(term.row + plen, ed.line + ed.off, shown) == 0 && ed.off <= ed.pos &&
	          ed.pos <= ed.len && term.x == plen + ed.pos - ed.off && ed.line[ed.len] == '\0' &&
	          term.prompts == term.want;
	for (size_t i = plen + shown; ok && i < term.cols; i++)
		ok = term.row[i] == ' ';
	if (!ok)
		printf("  screen \"%.*s\" x %zu, line \"%s\" pos %zu off %zu bad %d prompts %d\n",
		       (int)term.cols, term.row, term.x, ed.line, ed.pos, ed.off, term.bad,
		       term.prompts);
	return ok;
}

static void start(size_t cols, size_t term_cols)
{
	term_reset(term_cols);
	ledit_start(&ed, "iris$ ", cols);
}

/* Feeds s; every byte but the last must give LEDIT_MORE. Returns the last result. */
static int feed(const char *s)
{
	int r = LEDIT_MORE;
	for (size_t i = 0; s[i]; i++) {
		if (r != LEDIT_MORE)
			return -1;
		r = ledit_feed(&ed, (uint8_t)s[i]);
		if (r == LEDIT_MORE && !screen_ok())
			return -2;
	}
	return r;
}

static void test_typing(void)
{
	ledit_init(&ed, term_write, NULL);
	start(80, 80);
	CHECK(screen_ok());
	CHECK(feed("ls -l") == LEDIT_MORE);
	CHECK(strcmp(ed.line, "ls -l") == 0 && ed.pos == 5);
	CHECK(feed("\r") == LEDIT_DONE && strcmp(ed.line, "ls -l") == 0 && term.newlines == 1);

	/* Left twice, insert; Home, Delete; End, Backspace. */
	start(80, 80);
	CHECK(feed("abcd\x1b[D\x1b[DX") == LEDIT_MORE && strcmp(ed.line, "abXcd") == 0);
	CHECK(ed.pos == 3);
	CHECK(feed("\x1b[H\x1b[3~") == LEDIT_MORE && strcmp(ed.line, "bXcd") == 0 && ed.pos == 0);
	CHECK(feed("\x1bOF\x7f") == LEDIT_MORE && strcmp(ed.line, "bXc") == 0 && ed.pos == 3);
	CHECK(feed("\x01\x06\x06\b") == LEDIT_MORE && strcmp(ed.line, "bc") == 0 && ed.pos == 1);
	CHECK(feed("\x1b[1~") == LEDIT_MORE && ed.pos == 0);
	CHECK(feed("\x1b[4~") == LEDIT_MORE && ed.pos == 2);
	/* Right at the end and Backspace at the start ring the bell and change nothing. */
	int bells = term.bells;
	CHECK(feed("\x1b[C") == LEDIT_MORE && ed.pos == 2 && term.bells == bells);
	CHECK(feed("\x01\x7f") == LEDIT_MORE && strcmp(ed.line, "bc") == 0 &&
	      term.bells == bells + 1);
	/* Modified arrows (ESC [ 1 ; 5 C) still move; unknown sequences are swallowed. */
	CHECK(feed("\x1b[1;5C") == LEDIT_MORE && ed.pos == 1);
	CHECK(feed("\x1b[99Z\x1b[200~\x1bx") == LEDIT_MORE && strcmp(ed.line, "bc") == 0);
	/* Control bytes and bytes >= 0x80 ring the bell and are not inserted. */
	bells = term.bells;
	CHECK(feed("\t\x80\xff\x1f") == LEDIT_MORE && strcmp(ed.line, "bc") == 0);
	CHECK(term.bells == bells + 4);
}

static void test_kill_keys(void)
{
	start(80, 80);
	CHECK(feed("one two  three") == LEDIT_MORE);
	CHECK(feed("\x17") == LEDIT_MORE && strcmp(ed.line, "one two  ") == 0);
	CHECK(feed("\x17") == LEDIT_MORE && strcmp(ed.line, "one ") == 0);
	CHECK(feed("xyz\x02\x02\x0b") == LEDIT_MORE && strcmp(ed.line, "one x") == 0);
	CHECK(feed("\x02\x15") == LEDIT_MORE && strcmp(ed.line, "x") == 0 && ed.pos == 0);
	term.want = 2; /* Ctrl-L draws everything again */
	CHECK(feed("\x0c") == LEDIT_MORE && strcmp(ed.line, "x") == 0);
	/* Ctrl-D deletes under the cursor on a non-empty line. */
	CHECK(feed("\x04") == LEDIT_MORE && ed.len == 0);
}

static void test_line_ends(void)
{
	start(80, 80);
	CHECK(feed("abc\x03") == LEDIT_CANCEL && ed.len == 0 && ed.line[0] == '\0');
	start(80, 80);
	CHECK(feed("\x04") == LEDIT_EOF);
	/* \r\n is one Enter, even across ledit_start; a lone \n is one too. */
	start(80, 80);
	CHECK(feed("a\r") == LEDIT_DONE);
	start(80, 80);
	CHECK(feed("\n") == LEDIT_MORE);
	CHECK(feed("\n") == LEDIT_DONE && ed.len == 0);
	/* An escape sequence cut in half is finished by the next bytes. */
	start(80, 80);
	CHECK(feed("ab\x1b") == LEDIT_MORE);
	CHECK(feed("[") == LEDIT_MORE);
	CHECK(feed("D") == LEDIT_MORE && ed.pos == 1 && strcmp(ed.line, "ab") == 0);
}

static void test_history(void)
{
	ledit_init(&ed, term_write, NULL);
	const char *lines[] = { "first", "second", "second", "", "third" };
	for (size_t i = 0; i < 5; i++) {
		start(80, 80);
		CHECK(feed(lines[i]) == LEDIT_MORE);
		CHECK(feed("\r") == LEDIT_DONE);
	}
	CHECK(ed.hist_count == 3); /* the repeat and the empty line are not kept */
	start(80, 80);
	CHECK(feed("new") == LEDIT_MORE);
	CHECK(feed("\x1b[A") == LEDIT_MORE && strcmp(ed.line, "third") == 0);
	CHECK(feed("\x10") == LEDIT_MORE && strcmp(ed.line, "second") == 0);
	CHECK(feed("\x1b[A") == LEDIT_MORE && strcmp(ed.line, "first") == 0);
	int bells = term.bells;
	CHECK(feed("\x1b[A") == LEDIT_MORE && strcmp(ed.line, "first") == 0);
	CHECK(term.bells == bells + 1);
	CHECK(feed("\x1b[B\x0e") == LEDIT_MORE && strcmp(ed.line, "third") == 0);
	CHECK(feed("\x1b[B") == LEDIT_MORE && strcmp(ed.line, "new") == 0);
	CHECK(feed("\x1b[B") == LEDIT_MORE && term.bells == bells + 2);
	/* Editing a recalled line and entering it adds it; the history entry stays. */
	CHECK(feed("\x15\x1b[A!\r") == LEDIT_DONE && strcmp(ed.line, "third!") == 0);
	start(80, 80);
	CHECK(feed("\x1b[A\x1b[A") == LEDIT_MORE && strcmp(ed.line, "third") == 0);

	/* Only the last LEDIT_HISTORY lines are kept. */
	ledit_init(&ed, term_write, NULL);
	for (int i = 0; i < LEDIT_HISTORY + 8; i++) {
		char line[16];
		snprintf(line, sizeof(line), "cmd%d", i);
		start(80, 80);
		feed(line);
		CHECK(feed("\r") == LEDIT_DONE);
	}
	CHECK(ed.hist_count == LEDIT_HISTORY);
	start(80, 80);
	for (int i = 0; i < LEDIT_HISTORY; i++)
		CHECK(feed("\x1b[A") == LEDIT_MORE);
	CHECK(strcmp(ed.line, "cmd8") == 0);
	bells = term.bells;
	CHECK(feed("\x1b[A") == LEDIT_MORE && term.bells == bells + 1);
}

static void test_long_lines(void)
{
	/* A narrow terminal: the line scrolls sideways and the last column stays empty. */
	ledit_init(&ed, term_write, NULL);
	start(24, 24);
	char text[40];
	for (int i = 0; i < 39; i++)
		text[i] = (char)('a' + i % 26);
	text[39] = '\0';
	CHECK(feed(text) == LEDIT_MORE && ed.len == 39 && ed.off > 0);
	for (int i = 0; i < 39; i++)
		CHECK(feed("\x1b[D") == LEDIT_MORE);
	CHECK(ed.pos == 0 && ed.off == 0);
	CHECK(feed("\x1b[F") == LEDIT_MORE && ed.pos == 39);
	CHECK(feed("\x01\x0b") == LEDIT_MORE && ed.len == 0);

	/* Narrower than LEDIT_COLS_MIN, or unknown (0), or huge: clamped. */
	start(3, LEDIT_COLS_MIN + 6);
	CHECK(ed.cols == LEDIT_COLS_MIN + 6 && feed(text) == LEDIT_MORE);
	start(0, 80);
	CHECK(ed.cols == 80 && feed(text) == LEDIT_MORE);
	start(100000, LEDIT_COLS_MAX);
	CHECK(ed.cols == LEDIT_COLS_MAX && feed(text) == LEDIT_MORE);

	/* The line is full at LEDIT_LINE_MAX bytes; more rings the bell. */
	start(80, 80);
	int bells = term.bells;
	for (int i = 0; i < LEDIT_LINE_MAX + 10; i++)
		CHECK(ledit_feed(&ed, 'x') == LEDIT_MORE);
	CHECK(ed.len == LEDIT_LINE_MAX && term.bells == bells + 10 && screen_ok());
	CHECK(feed("\x01y") == LEDIT_MORE && ed.len == LEDIT_LINE_MAX && term.bells == bells + 11);
	CHECK(feed("\r") == LEDIT_DONE && strlen(ed.line) == LEDIT_LINE_MAX);
	/* A long line comes back from the history intact. */
	start(80, 80);
	CHECK(feed("\x1b[A") == LEDIT_MORE && ed.len == LEDIT_LINE_MAX);
}

int main(void)
{
	test_typing();
	test_kill_keys();
	test_line_ends();
	test_history();
	test_long_lines();
	return check_done("sh_ledit");
}
