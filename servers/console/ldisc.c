/*
 * The line discipline (ldisc.h).
 *
 * Safety argument: q is a ring indexed modulo LDISC_INPUT_MAX and only
 * ever holds q_len <= LDISC_INPUT_MAX bytes; the edit line holds line_len
 * < LDISC_LINE_MAX bytes; q_len + line_len <= LDISC_INPUT_MAX; rec is a
 * ring of nrec <= LDISC_RECORDS_MAX lengths whose sum is q_len - loose.
 * Every place that adds a byte checks its limit first and rings the bell
 * instead; no input value is used as an index.
 */
#include "ldisc.h"
#include <string.h>

#define CTRL(c) ((c)&0x1f)
#define ESC     0x1b
#define DEL     0x7f

enum esc_state {
	ESC_NONE,  /* not in a sequence */
	ESC_START, /* after ESC */
	ESC_CSI,   /* after ESC [ : parameters and intermediates up to a final byte */
	ESC_SS3,   /* after ESC O : one final byte */
};

static void echo(struct ldisc *ld, const char *s, size_t len)
{
	if (ld->echo)
		ld->echo(ld->ctx, s, len);
}

/* Echo that the echo flag governs. */
static void echo_if(struct ldisc *ld, const char *s, size_t len)
{
	if (ld->mode & LDISC_ECHO)
		echo(ld, s, len);
}

static void bell(struct ldisc *ld)
{
	const char b = LDISC_BEL;
	echo(ld, &b, 1);
}

/* --- the ready queue --- */

static void q_push(struct ldisc *ld, const uint8_t *s, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		ld->q[(ld->q_head + ld->q_len + i) % LDISC_INPUT_MAX] = s[i];
	ld->q_len += n;
}

static void q_take(struct ldisc *ld, uint8_t *buf, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		buf[i] = ld->q[(ld->q_head + i) % LDISC_INPUT_MAX];
	ld->q_head = (ld->q_head + n) % LDISC_INPUT_MAX;
	ld->q_len -= n;
}

/* Completes the edit line (with `end` appended unless it is NULL) as a record. */
static bool record_add(struct ldisc *ld, const uint8_t *end)
{
	uint32_t n = ld->line_len + (end ? 1 : 0);
	if (ld->nrec == LDISC_RECORDS_MAX || ld->q_len + n > LDISC_INPUT_MAX)
		return false;
	q_push(ld, ld->line, ld->line_len);
	if (end)
		q_push(ld, end, 1);
	ld->rec[(ld->rec_head + ld->nrec) % LDISC_RECORDS_MAX] = n;
	ld->nrec++;
	ld->line_len = 0;
	return true;
}

/* --- editing --- */

/* Columns byte c takes on the screen in the edit line. */
static unsigned width(uint8_t c)
{
	return c < 0x20 ? 2 : 1;
}

/* Takes the last byte off the edit line and erases it from the screen. */
static void erase_last(struct ldisc *ld)
{
	static const char rub[] = "\b \b\b \b";
	if (ld->line_len == 0)
		return;
	uint8_t c = ld->line[--ld->line_len];
	echo_if(ld, rub, 3 * width(c));
}

static void line_add(struct ldisc *ld, uint8_t c)
{
	if (ld->line_len + 1 >= LDISC_LINE_MAX || ld->q_len + ld->line_len + 2 > LDISC_INPUT_MAX) {
		bell(ld);
		return;
	}
	ld->line[ld->line_len++] = c;
	if (c < 0x20) {
		const char caret[2] = { '^', (char)(c + 0x40) };
		echo_if(ld, caret, 2);
	} else {
		const char ch = (char)c;
		echo_if(ld, &ch, 1);
	}
}

/* Ctrl-C: everything waiting goes. */
static void interrupt(struct ldisc *ld)
{
	ld->q_head = ld->q_len = ld->loose = 0;
	ld->rec_head = ld->nrec = 0;
	ld->line_len = 0;
	echo_if(ld, "^C\n", 3);
}

/*
 * One byte of an escape sequence (ld->esc != ESC_NONE). Returns true when
 * it was consumed as part of the sequence; false when it aborted the
 * sequence and must be handled as an ordinary byte.
 */
static bool esc_byte(struct ldisc *ld, uint8_t c)
{
	if (c < 0x20 || c >= DEL) {
		ld->esc = ESC_NONE;
		return false;
	}
	if (++ld->esc_len > LDISC_ESC_MAX) {
		ld->esc = ESC_NONE; /* garbage: dropped up to here */
		return true;
	}
	switch (ld->esc) {
	case ESC_START:
		ld->esc = c == '[' ? ESC_CSI : c == 'O' ? ESC_SS3 : ESC_NONE;
		break;
	case ESC_CSI:
		if (c >= 0x40)
			ld->esc = ESC_NONE; /* the final byte */
		break;
	default:
		ld->esc = ESC_NONE;
		break;
	}
	return true;
}

static unsigned cooked_byte(struct ldisc *ld, uint8_t c)
{
	bool after_cr = ld->after_cr;
	ld->after_cr = false;
	if (ld->esc != ESC_NONE && esc_byte(ld, c))
		return 0;
	switch (c) {
	case '\n':
		if (after_cr)
			break;
		/* fall through */
	case '\r': {
		const uint8_t nl = '\n';
		if (!record_add(ld, &nl)) {
			bell(ld);
			break;
		}
		echo_if(ld, "\n", 1);
		ld->after_cr = c == '\r';
		break;
	}
	case CTRL('C'):
		interrupt(ld);
		return LDISC_EV_INTR;
	case CTRL('D'):
		if (ld->line_len == 0 && !record_add(ld, NULL))
			bell(ld);
		break;
	case '\b':
	case DEL:
		erase_last(ld);
		break;
	case CTRL('U'):
		while (ld->line_len > 0)
			erase_last(ld);
		break;
	case ESC:
		ld->esc = ESC_START;
		ld->esc_len = 0;
		break;
	default:
		line_add(ld, c);
		break;
	}
	return 0;
}

static void raw_byte(struct ldisc *ld, uint8_t c)
{
	if (ld->q_len == LDISC_INPUT_MAX) {
		bell(ld);
		return;
	}
	q_push(ld, &c, 1);
	ld->loose++;
	const char ch = (char)c;
	echo_if(ld, &ch, 1);
}

/* --- interface --- */

void ldisc_init(struct ldisc *ld, ldisc_echo_fn echo_fn, void *ctx)
{
	memset(ld, 0, sizeof(*ld));
	ld->mode = LDISC_ECHO;
	ld->echo = echo_fn;
	ld->ctx = ctx;
}

unsigned ldisc_input(struct ldisc *ld, const uint8_t *s, size_t len)
{
	unsigned events = 0;
	for (size_t i = 0; i < len; i++) {
		if (ld->mode & LDISC_RAW)
			raw_byte(ld, s[i]);
		else
			events |= cooked_byte(ld, s[i]);
	}
	return events;
}

void ldisc_set_mode(struct ldisc *ld, uint32_t mode)
{
	mode &= LDISC_RAW | LDISC_ECHO;
	if ((mode & LDISC_RAW) && !(ld->mode & LDISC_RAW)) {
		/* q_len + line_len <= LDISC_INPUT_MAX always holds: the line fits */
		q_push(ld, ld->line, ld->line_len);
		ld->line_len = 0;
		ld->loose = ld->q_len;
		ld->rec_head = ld->nrec = 0;
	}
	ld->esc = ESC_NONE;
	ld->after_cr = false;
	ld->mode = mode;
}

uint32_t ldisc_mode(const struct ldisc *ld)
{
	return ld->mode;
}

bool ldisc_readable(const struct ldisc *ld)
{
	return ld->loose > 0 || ld->nrec > 0;
}

long ldisc_read(struct ldisc *ld, uint8_t *buf, size_t max)
{
	if (max == 0 || !ldisc_readable(ld))
		return -1;
	if (ld->loose > 0) {
		uint32_t n = max < ld->loose ? (uint32_t)max : ld->loose;
		q_take(ld, buf, n);
		ld->loose -= n;
		return n;
	}
	uint32_t *r = &ld->rec[ld->rec_head];
	uint32_t n = max < *r ? (uint32_t)max : *r;
	q_take(ld, buf, n);
	*r -= n;
	if (*r == 0) { /* the record is done (an end of input at once) */
		ld->rec_head = (ld->rec_head + 1) % LDISC_RECORDS_MAX;
		ld->nrec--;
	}
	return n;
}

size_t ldisc_buffered(const struct ldisc *ld)
{
	return (size_t)ld->q_len + ld->line_len;
}
