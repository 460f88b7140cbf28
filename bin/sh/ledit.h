/*
 * The shell's line editor: turns the bytes a raw-mode terminal sends into
 * an edited line, and says what to draw (pure: no system calls; host tested
 * by test/host/test_sh_ledit.c and fuzzed by fuzz_sh_ledit.c).
 *
 * Keys: printable ASCII inserts (other bytes ring the bell); Left/Right
 * (also Ctrl-B/Ctrl-F), Home/End (Ctrl-A/Ctrl-E); Backspace, Delete;
 * Ctrl-U and Ctrl-K delete before and after the cursor, Ctrl-W the word
 * before it; Up/Down (Ctrl-P/Ctrl-N) walk the history; Ctrl-L clears the
 * screen; Enter ends the line (a \n right after a \r is the same Enter);
 * Ctrl-C drops the line; Ctrl-D ends input on an empty line, else deletes
 * under the cursor. Escape sequences (ESC [ ... final, ESC O x) may arrive
 * split across calls; unknown ones are swallowed whole.
 *
 * Drawing: the prompt and the line stay on one screen row. A line longer
 * than the row scrolls sideways half a row at a time, so that the cursor
 * stays visible; the last column is never written, so the terminal never
 * wraps.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LEDIT_LINE_MAX   1023 /* bytes of one line (more rings the bell) */
#define LEDIT_HISTORY    32   /* lines remembered */
#define LEDIT_PROMPT_MAX 64
#define LEDIT_COLS_MIN   16 /* the width assumed of narrower terminals */
#define LEDIT_COLS_MAX   512

enum {
	LEDIT_MORE,   /* keep feeding */
	LEDIT_DONE,   /* Enter: the line is in line[0..len) */
	LEDIT_CANCEL, /* Ctrl-C: the line was dropped */
	LEDIT_EOF,    /* Ctrl-D on an empty line */
};

/* Sends bytes to the terminal. */
typedef void (*ledit_write_fn)(void *ctx, const char *s, size_t n);

struct ledit {
	char line[LEDIT_LINE_MAX + 1]; /* NUL-terminated */
	size_t len, pos;               /* bytes in line; the cursor, <= len */
	size_t off;                    /* the first byte of line shown */
	char prompt[LEDIT_PROMPT_MAX + 1];
	size_t prompt_len;
	size_t cols; /* terminal width, LEDIT_COLS_MIN..LEDIT_COLS_MAX */
	/* History: ring of `hist_count` lines, the newest at hist_next - 1. */
	char hist[LEDIT_HISTORY][LEDIT_LINE_MAX + 1];
	size_t hist_count, hist_next;
	int browse;                     /* -1: the new line; k: k + 1 lines back */
	char saved[LEDIT_LINE_MAX + 1]; /* the new line while browsing */
	uint8_t esc;                    /* escape sequence state */
	uint16_t esc_param;             /* its first numeric parameter (saturated) */
	bool after_cr;                  /* the last byte was \r */
	ledit_write_fn write;
	void *ctx;
};

/* Makes an editor with an empty history that draws through write(ctx, ...). */
void ledit_init(struct ledit *e, ledit_write_fn write, void *ctx);

/*
 * Starts a new, empty line and draws `prompt` (printable ASCII; cut at
 * LEDIT_PROMPT_MAX). `cols` is the terminal's width (0: unknown, 80).
 */
void ledit_start(struct ledit *e, const char *prompt, size_t cols);

/*
 * Takes one input byte. Returns LEDIT_MORE, or what ended the line:
 * LEDIT_DONE (a non-empty line also goes into the history unless it repeats
 * the newest one), LEDIT_CANCEL, LEDIT_EOF. Call ledit_start before feeding
 * again.
 */
int ledit_feed(struct ledit *e, uint8_t byte);
