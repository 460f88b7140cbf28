/*
 * libFuzzer target: the console's line discipline (servers/console/ldisc.c)
 * driven by a script made of the input's bytes: typed chunks of any bytes,
 * mode switches, reads of any size. The oracle, after every step:
 *  - the bytes waiting never exceed LDISC_INPUT_MAX, the line being edited
 *    stays under LDISC_LINE_MAX, every completed line is at most
 *    LDISC_LINE_MAX bytes and ends with '\n' (an end of input is empty),
 *    at most LDISC_RECORDS_MAX wait, and their bytes add up;
 *  - a read returns at most what was asked, -1 exactly when nothing is
 *    readable, and the rest of a cooked line ends with '\n';
 *  - echo stays within LDISC_ECHO_PER_BYTE bytes per byte typed;
 *  - in a raw, silent run no byte is lost or made up: every byte typed is
 *    read, still waiting, or dropped with exactly one bell.
 * ASan checks every access on the way. A broken promise traps.
 *
 * clang -std=c11 -Wall -Wextra -Werror -g -fsanitize=fuzzer,address,undefined \
 *   -fno-sanitize-recover=all test/host/fuzz_ldisc.c servers/console/ldisc.c \
 *   -o /tmp/fuzz_ldisc && /tmp/fuzz_ldisc -max_total_time=60
 */
#include "../../servers/console/ldisc.h"

#define FUZZ_REACHED_MIN 1000
#include "fuzz_reached.h"
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expect(bool cond)
{
	if (!cond)
		__builtin_trap();
}

static size_t echo_total, bell_total;

static void count_echo(void *ctx, const char *s, size_t len)
{
	(void)ctx;
	expect(len > 0 && len <= LDISC_ECHO_PER_BYTE);
	echo_total += len;
	for (size_t i = 0; i < len; i++)
		bell_total += s[i] == LDISC_BEL;
}

/* The invariants of the state, looked at from inside. */
static void check_state(const struct ldisc *ld)
{
	expect(ld->q_len <= LDISC_INPUT_MAX && ld->q_head < LDISC_INPUT_MAX);
	expect(ld->line_len < LDISC_LINE_MAX);
	expect(ldisc_buffered(ld) <= LDISC_INPUT_MAX);
	expect(ld->nrec <= LDISC_RECORDS_MAX && ld->rec_head < LDISC_RECORDS_MAX);
	expect(ld->loose <= ld->q_len);
	expect(!(ld->mode & LDISC_RAW) || (ld->nrec == 0 && ld->line_len == 0));
	size_t sum = ld->loose;
	for (uint32_t i = 0; i < ld->nrec; i++) {
		uint32_t len = ld->rec[(ld->rec_head + i) % LDISC_RECORDS_MAX];
		expect(len <= LDISC_LINE_MAX);
		sum += len;
		if (len > 0) /* the record's last byte */
			expect(ld->q[(ld->q_head + sum - 1) % LDISC_INPUT_MAX] == '\n');
	}
	expect(sum == ld->q_len);
	expect(ldisc_readable(ld) == (ld->q_len > 0 || ld->nrec > 0));
}

/* One read of up to max bytes, checked; returns what it gave (0 for nothing). */
static size_t checked_read(struct ldisc *ld, size_t max)
{
	static uint8_t buf[LDISC_INPUT_MAX + 16];
	bool readable = ldisc_readable(ld);
	bool from_line = ld->loose == 0 && ld->nrec > 0;
	uint32_t line_left = from_line ? ld->rec[ld->rec_head] : 0;
	long n = ldisc_read(ld, buf, max);
	expect(n == -1 ? !readable || max == 0 : (readable && (size_t)n <= max));
	if (n <= 0)
		return 0;
	if (from_line) {
		expect((uint32_t)n <= line_left);
		if ((uint32_t)n == line_left)
			expect(buf[n - 1] == '\n');
	}
	return (size_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ldisc ld;
	if (size == 0)
		return 0;
	bool conserve = data[0] & 1; /* a raw, silent run that counts every byte */
	size_t typed = 0, read_total = 0;
	echo_total = bell_total = 0;
	ldisc_init(&ld, count_echo, NULL);
	if (conserve)
		ldisc_set_mode(&ld, LDISC_RAW);
	size_t i = 1;
	while (i < size) {
		uint8_t op = data[i++];
		uint8_t arg = i < size ? data[i++] : 0;
		switch (op % 8) {
		case 5:
			if (!conserve)
				ldisc_set_mode(&ld, arg);
			break;
		case 6:
			read_total += checked_read(&ld, (size_t)arg * 17);
			break;
		case 7:
			read_total += checked_read(&ld, 1 + arg % 112);
			break;
		default: {
			size_t n = (size_t)arg * (op % 8 + 1);
			if (n > size - i)
				n = size - i;
			ldisc_input(&ld, data + i, n);
			typed += n;
			i += n;
			break;
		}
		}
		check_state(&ld);
		expect(echo_total <= LDISC_ECHO_PER_BYTE * typed);
		if (conserve) {
			expect(echo_total == bell_total);
			expect(typed == read_total + ldisc_buffered(&ld) + bell_total);
		}
	}
	/* Everything left can be read out, and then nothing is readable. */
	for (int guard = 0; ldisc_readable(&ld); guard++) {
		expect(guard <= LDISC_INPUT_MAX + LDISC_RECORDS_MAX);
		read_total += checked_read(&ld, LDISC_INPUT_MAX);
	}
	expect(ld.q_len == 0);
	if (conserve)
		expect(typed == read_total + bell_total);
	if (read_total > 0)
		fuzz_reached();
	return 0;
}
