/*
 * The console's line discipline (docs/console.md): what happens to typed
 * bytes between an input source and a READ. Pure C with no Iris headers, so
 * it is a host unit test and a fuzz target; the server maps the protocol's
 * CONSOLE_MODE_* flags and limits onto these (the same values).
 *
 * Cooked mode edits one line: printable bytes (and bytes >= 0x80) are kept
 * and echoed; other control characters are kept and echoed in caret
 * notation (^A, two columns); backspace or DEL erases the last byte ("\b \b"
 * per column), Ctrl-U the whole line; \r or \n (a \n right after a \r is
 * the same Enter) completes it with a '\n'; Ctrl-D on an empty line is an
 * end of input (a READ of 0 bytes), elsewhere ignored; Ctrl-C discards
 * every byte waiting, echoes "^C\n" and reports LDISC_EV_INTR. Escape
 * sequences (ESC [ ... final, ESC O x, ESC x: arrow and function keys) are
 * dropped whole, also when they arrive in pieces. A completed line is one
 * record: a READ returns at most the rest of one record.
 *
 * Raw mode keeps every byte as it is and READ takes what there is.
 *
 * Limits: a line holds at most LDISC_LINE_MAX bytes with its '\n'; the
 * bytes waiting (completed lines, raw input, and the line being edited)
 * never exceed LDISC_INPUT_MAX; at most LDISC_RECORDS_MAX completed lines
 * and ends of input wait. Input beyond a limit is dropped and a bell (BEL,
 * 0x07) is echoed, whatever the echo flag says; everything else is echoed
 * only with LDISC_ECHO.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LDISC_LINE_MAX    1024
#define LDISC_INPUT_MAX   4096
#define LDISC_RECORDS_MAX 64
#define LDISC_ESC_MAX     32 /* bytes of one escape sequence; a longer one is dropped as garbage */
#define LDISC_ECHO_PER_BYTE \
	8 /* echo bytes one input byte can cause in all: "^X" now, "\b \b\b \b" when erased */

/* Modes (the values of CONSOLE_MODE_RAW and CONSOLE_MODE_ECHO). */
#define LDISC_RAW  (1u << 0)
#define LDISC_ECHO (1u << 1)

/* Events ldisc_input reports. */
#define LDISC_EV_INTR (1u << 0) /* Ctrl-C in cooked mode: the input was discarded */

#define LDISC_BEL 0x07

/* Where echo goes (the screen and its mirrors); called during ldisc_input. */
typedef void (*ldisc_echo_fn)(void *ctx, const char *s, size_t len);

/* The state; the fields are private. */
struct ldisc {
	uint32_t mode;
	ldisc_echo_fn echo;
	void *ctx;
	/* bytes ready for READ: a ring; `loose` raw bytes first, then nrec records */
	uint8_t q[LDISC_INPUT_MAX];
	uint32_t q_head, q_len;
	uint32_t loose;
	uint32_t rec[LDISC_RECORDS_MAX]; /* lengths; 0 is an end of input */
	uint32_t rec_head, nrec;
	/* the line being edited (cooked mode) */
	uint8_t line[LDISC_LINE_MAX];
	uint32_t line_len;
	uint8_t esc;     /* escape-sequence state */
	uint8_t esc_len; /* bytes of the sequence so far */
	bool after_cr;   /* the last byte was a \r completing a line */
};

/* Empty, cooked and echoing; echo goes to echo(ctx, ...) (echo may be NULL: none). */
void ldisc_init(struct ldisc *ld, ldisc_echo_fn echo, void *ctx);

/*
 * Takes len typed bytes (any values). Returns LDISC_EV_* events that
 * happened among them. Echo is written through the callback as it goes.
 */
unsigned ldisc_input(struct ldisc *ld, const uint8_t *s, size_t len);

/*
 * Switches mode (LDISC_RAW, LDISC_ECHO; other bits are ignored). Into raw
 * mode, the line being edited and the completed lines become raw input
 * (ends of input waiting are dropped); into cooked mode, raw input still
 * waiting is read before the next line.
 */
void ldisc_set_mode(struct ldisc *ld, uint32_t mode);

uint32_t ldisc_mode(const struct ldisc *ld);

/* Whether ldisc_read would return something now (bytes or an end of input). */
bool ldisc_readable(const struct ldisc *ld);

/*
 * Takes up to max bytes of input into buf: raw bytes waiting, else the rest
 * of the first completed line. Returns how many (0: an end of input), or -1
 * when nothing is ready (or max is 0).
 */
long ldisc_read(struct ldisc *ld, uint8_t *buf, size_t max);

/* Bytes waiting in all, the line being edited included (never above LDISC_INPUT_MAX). */
size_t ldisc_buffered(const struct ldisc *ld);
