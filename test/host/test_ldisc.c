/*
 * Host unit test of the console's line discipline (servers/console/ldisc.c):
 * cooked-mode editing and its echo (erasing, Ctrl-U, caret notation),
 * Enter as \r, \n or \r\n, Ctrl-C, Ctrl-D, escape sequences dropped whole
 * even when cut into pieces, the line, input and record limits with their
 * bells, raw mode, switching modes with input waiting, and reads of lines
 * in small pieces.
 */
#include "../../servers/console/ldisc.h"
#include "check.h"
#include <string.h>

static struct ldisc ld;
static char echoed[64 * 1024];
static size_t nechoed;

static void capture(void *ctx, const char *s, size_t len)
{
	(void)ctx;
	if (len > sizeof(echoed) - nechoed)
		len = sizeof(echoed) - nechoed;
	memcpy(echoed + nechoed, s, len);
	nechoed += len;
}

static void reset(uint32_t mode)
{
	ldisc_init(&ld, capture, NULL);
	ldisc_set_mode(&ld, mode);
	nechoed = 0;
}

static unsigned type(const char *s)
{
	return ldisc_input(&ld, (const uint8_t *)s, strlen(s));
}

/* Typed n times. */
static void type_n(char c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ldisc_input(&ld, (const uint8_t *)&c, 1);
}

/* Whether the echo so far is exactly `want`; it is forgotten either way. */
static int echo_is(const char *want)
{
	int ok = nechoed == strlen(want) && memcmp(echoed, want, nechoed) == 0;
	if (!ok)
		printf("# echo was \"%.*s\" (%zu bytes), wanted \"%s\"\n", (int)nechoed, echoed,
		       nechoed, want);
	nechoed = 0;
	return ok;
}

static size_t bells(void)
{
	size_t n = 0;
	for (size_t i = 0; i < nechoed; i++)
		n += echoed[i] == LDISC_BEL;
	return n;
}

/* Whether the next read of up to max bytes gives exactly `want`. */
static int reads(size_t max, const char *want)
{
	uint8_t buf[LDISC_INPUT_MAX];
	long n = ldisc_read(&ld, buf, max);
	int ok = n == (long)strlen(want) && memcmp(buf, want, (size_t)n) == 0;
	if (!ok)
		printf("# read %ld bytes \"%.*s\", wanted \"%s\"\n", n, n > 0 ? (int)n : 0,
		       (const char *)buf, want);
	return ok;
}

static void test_cooked_editing(void)
{
	reset(LDISC_ECHO);
	CHECK(!ldisc_readable(&ld));
	CHECK(ldisc_read(&ld, (uint8_t[4]){ 0 }, 4) == -1);
	CHECK(type("hello") == 0);
	CHECK(!ldisc_readable(&ld));
	CHECK(ldisc_buffered(&ld) == 5);
	CHECK(type("\r") == 0);
	CHECK(echo_is("hello\n"));
	CHECK(ldisc_readable(&ld));
	CHECK(reads(100, "hello\n"));
	CHECK(!ldisc_readable(&ld));

	/* Backspace and DEL erase one byte each; nothing to erase: no echo. */
	type("\b\x7f"
	     "abc\b\x7f"
	     "d\n");
	CHECK(echo_is("abc\b \b\b \bd\n"));
	CHECK(reads(100, "ad\n"));

	/* Control characters: kept, shown as ^X, erased as two columns; Tab too. */
	type("a\x01\t\x7f\x7f"
	     "b\r");
	CHECK(echo_is("a^A^I\b \b\b \b\b \b\b \bb\n"));
	CHECK(reads(100, "ab\n"));
	type("x\x02y\r");
	CHECK(reads(100, "x\x02y\n"));
	nechoed = 0;

	/* Ctrl-U kills the line. */
	type("ab\x01\x15"
	     "z\r");
	CHECK(echo_is("ab^A\b \b\b \b\b \b\b \bz\n"));
	CHECK(reads(100, "z\n"));

	/* Bytes >= 0x80 are kept as they are. */
	type("\xc3\xa9\x7f\r");
	CHECK(echo_is("\xc3\xa9\b \b\n"));
	CHECK(reads(100, "\xc3\n"));
}

static void test_enter(void)
{
	reset(LDISC_ECHO);
	type("a\r\nb\n\nc\r\rd\n\r");
	CHECK(echo_is("a\nb\n\nc\n\nd\n\n"));
	CHECK(reads(100, "a\n"));
	CHECK(reads(100, "b\n"));
	CHECK(reads(100, "\n"));
	CHECK(reads(100, "c\n"));
	CHECK(reads(100, "\n"));
	CHECK(reads(100, "d\n"));
	CHECK(reads(100, "\n"));
	CHECK(!ldisc_readable(&ld));

	/* A \r\n cut between two inputs is still one Enter. */
	type("e\r");
	type("\nf\r");
	CHECK(reads(100, "e\n"));
	CHECK(reads(100, "f\n"));
	CHECK(!ldisc_readable(&ld));

	/* A line read in pieces: one record at a time. */
	type("hello\rworld\r");
	CHECK(reads(2, "he"));
	CHECK(reads(2, "ll"));
	CHECK(reads(2, "o\n"));
	CHECK(reads(100, "world\n"));
	CHECK(ldisc_read(&ld, (uint8_t[1]){ 0 }, 0) == -1);
}

static void test_ctrl_c_and_d(void)
{
	reset(LDISC_ECHO);
	type("done\rpartial");
	nechoed = 0;
	CHECK(type("\x03") == LDISC_EV_INTR);
	CHECK(echo_is("^C\n"));
	CHECK(!ldisc_readable(&ld));
	CHECK(ldisc_buffered(&ld) == 0);
	/* Input after the Ctrl-C in the same batch stays. */
	CHECK(type("x\x03y\r") == LDISC_EV_INTR);
	CHECK(reads(100, "y\n"));

	/* Ctrl-D: an end of input at the start of a line, ignored elsewhere; in order. */
	type("x\r\x04"
	     "ab\x04"
	     "c\r\x04");
	CHECK(reads(100, "x\n"));
	CHECK(reads(100, ""));
	CHECK(reads(100, "abc\n"));
	CHECK(reads(100, ""));
	CHECK(!ldisc_readable(&ld));
}

static void test_escapes(void)
{
	reset(LDISC_ECHO);
	/* Arrow keys (CSI and SS3), a modified key, Alt-x: dropped whole, no echo. */
	type("a\x1b[Ab\x1bOBc\x1b[1;5Cd\x1bxe\r");
	CHECK(echo_is("abcde\n"));
	CHECK(reads(100, "abcde\n"));

	/* The same cut into one-byte inputs. */
	const char *seq = "a\x1b[Ab\x1bOBc\x1b[1;5Cd\x1bxe\r";
	for (size_t i = 0; seq[i]; i++)
		ldisc_input(&ld, (const uint8_t *)&seq[i], 1);
	CHECK(reads(100, "abcde\n"));

	/* A control character ends a sequence and does its job; ESC ESC starts again. */
	type("a\x1b[1\rb\x1b\x1b[Dc\r");
	CHECK(reads(100, "a\n"));
	CHECK(reads(100, "bc\n"));
	CHECK(type("\x1b[\x03") == LDISC_EV_INTR);

	/* An overlong sequence is garbage: dropped for LDISC_ESC_MAX bytes, then text again. */
	char longseq[64] = "\x1b[";
	memset(longseq + 2, '1', 40);
	strcpy(longseq + 42, "z\r");
	type(longseq);
	CHECK(reads(100, "11111111z\n"));
	nechoed = 0;

	/* In raw mode sequences pass as they are. */
	ldisc_set_mode(&ld, LDISC_RAW);
	type("\x1b[A");
	CHECK(reads(100, "\x1b[A"));
	/* A sequence cut by a switch to raw mode is not resumed. */
	ldisc_set_mode(&ld, LDISC_ECHO);
	type("\x1b[");
	ldisc_set_mode(&ld, LDISC_RAW);
	type("1A");
	CHECK(reads(100, "1A"));
}

static void test_limits(void)
{
	reset(LDISC_ECHO);
	/* A line keeps LDISC_LINE_MAX - 1 bytes and its '\n'; the rest rings. */
	type_n('a', 2000);
	CHECK(bells() == 2000 - (LDISC_LINE_MAX - 1));
	CHECK(ldisc_buffered(&ld) == LDISC_LINE_MAX - 1);
	type("\r");
	size_t total = 0;
	uint8_t buf[LDISC_INPUT_MAX];
	long n;
	while ((n = ldisc_read(&ld, buf, 112)) > 0)
		total += (size_t)n;
	CHECK(total == LDISC_LINE_MAX && buf[(total - 1) % 112] == '\n');

	/* The input limit: four full lines fill it; then even Enter rings. */
	reset(0);
	for (int i = 0; i < 4; i++) {
		type_n('b', LDISC_LINE_MAX);
		type("\r");
	}
	CHECK(ldisc_buffered(&ld) == LDISC_INPUT_MAX);
	CHECK(bells() == 4);
	nechoed = 0;
	type("c\r");
	CHECK(echo_is("\a\a"));
	CHECK(ldisc_buffered(&ld) == LDISC_INPUT_MAX);
	CHECK(ldisc_read(&ld, buf, LDISC_INPUT_MAX) == LDISC_LINE_MAX);
	type("c\r");
	CHECK(echo_is(""));
	CHECK(ldisc_buffered(&ld) == 3 * LDISC_LINE_MAX + 2);

	/* The record limit: empty lines count. Without echo the bell still rings. */
	reset(0);
	type_n('\r', LDISC_RECORDS_MAX);
	CHECK(echo_is(""));
	type("\r\x04"
	     "a\r");
	CHECK(echo_is("\a\a\a"));
	for (int i = 0; i < LDISC_RECORDS_MAX; i++)
		CHECK(reads(100, "\n"));
	CHECK(!ldisc_readable(&ld));
	/* The line that could not end is still there. */
	type("\r");
	CHECK(reads(100, "a\n"));

	/* Raw input stops at LDISC_INPUT_MAX with a bell per byte dropped. */
	reset(LDISC_RAW);
	type_n('r', LDISC_INPUT_MAX + 10);
	CHECK(bells() == 10);
	CHECK(ldisc_buffered(&ld) == LDISC_INPUT_MAX);
}

static void test_raw(void)
{
	reset(LDISC_RAW);
	CHECK(ldisc_mode(&ld) == LDISC_RAW);
	CHECK(type("a\x03\x04\b\x7f\x15\r\n") == 0);
	CHECK(echo_is(""));
	CHECK(reads(3, "a\x03\x04"));
	CHECK(reads(100, "\b\x7f\x15\r\n"));
	CHECK(!ldisc_readable(&ld));

	/* Raw with echo: echoed as typed. */
	ldisc_set_mode(&ld, LDISC_RAW | LDISC_ECHO);
	type("x\r");
	CHECK(echo_is("x\r"));
	CHECK(reads(100, "x\r"));

	/* Into raw mode: completed lines and the edited line become raw input; ends of input go. */
	reset(LDISC_ECHO);
	type("l\r\x04"
	     "ab");
	ldisc_set_mode(&ld, LDISC_RAW);
	CHECK(ldisc_buffered(&ld) == 4);
	CHECK(reads(100, "l\nab"));
	CHECK(!ldisc_readable(&ld));

	/* Into cooked mode: raw input waiting is read first, then lines. */
	type("xyz");
	ldisc_set_mode(&ld, LDISC_ECHO);
	CHECK(ldisc_readable(&ld));
	type("q\r");
	CHECK(reads(2, "xy"));
	CHECK(reads(100, "z"));
	CHECK(reads(100, "q\n"));

	/* Unknown mode bits are ignored. */
	ldisc_set_mode(&ld, 0xfffffff0u | LDISC_ECHO);
	CHECK(ldisc_mode(&ld) == LDISC_ECHO);
}

static void test_no_echo(void)
{
	reset(0);
	type("secret\b\x15pw\x01\x1b[A\r\x03");
	CHECK(echo_is(""));
	reset(0);
	type("pw\r");
	CHECK(echo_is(""));
	CHECK(reads(100, "pw\n"));
	/* A callback is optional. */
	ldisc_init(&ld, NULL, NULL);
	type_n('z', 2000);
	type("\r");
	CHECK(ldisc_readable(&ld));
}

int main(void)
{
	test_cooked_editing();
	test_enter();
	test_ctrl_c_and_d();
	test_escapes();
	test_limits();
	test_raw();
	test_no_echo();
	return check_done("ldisc");
}
