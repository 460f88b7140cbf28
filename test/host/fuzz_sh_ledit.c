/*
 * libFuzzer target: arbitrary bytes typed into the shell's line editor
 * (bin/sh/ledit.c). The first two bytes choose the terminal width (0 and
 * widths outside the editor's range included); the rest are keys, and a
 * finished line starts the next one. The oracle: after every byte the
 * editor's invariants hold (len <= LEDIT_LINE_MAX, line NUL-terminated at
 * len, off <= pos <= len, the cursor on the screen row), a finished line
 * is made of printable ASCII only, and everything drawn is printable ASCII
 * or \r \n BEL ESC. A broken promise traps.
 *
 * clang -std=c11 -Wall -Wextra -Werror -g -fsanitize=fuzzer,address,undefined \
 *   -fno-sanitize-recover=all test/host/fuzz_sh_ledit.c bin/sh/ledit.c \
 *   -o /tmp/fuzz_sh_ledit && /tmp/fuzz_sh_ledit -max_total_time=60
 */
#include "../../bin/sh/ledit.h"
#include <string.h>

#define FUZZ_REACHED_MIN 1000
#include "fuzz_reached.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ledit ed;

static void expect(bool cond)
{
	if (!cond)
		__builtin_trap();
}

static void sink(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		expect((c >= 0x20 && c < 0x7f) || c == '\r' || c == '\n' || c == '\a' || c == 0x1b);
	}
}

static void check_invariants(void)
{
	expect(ed.len <= LEDIT_LINE_MAX && ed.line[ed.len] == '\0' && strlen(ed.line) == ed.len);
	expect(ed.off <= ed.pos && ed.pos <= ed.len);
	expect(ed.cols >= LEDIT_COLS_MIN && ed.cols >= ed.prompt_len + LEDIT_COLS_MIN);
	expect(ed.pos - ed.off < ed.cols - ed.prompt_len);
	expect(ed.hist_count <= LEDIT_HISTORY && ed.hist_next < LEDIT_HISTORY);
	expect(ed.browse >= -1 && ed.browse < (int)LEDIT_HISTORY);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cols = size >= 2 ? (size_t)data[0] << 8 | data[1] : 0;
	size_t skip = size >= 2 ? 2 : size;
	ledit_init(&ed, sink, NULL);
	ledit_start(&ed, "$ ", cols);
	for (size_t i = skip; i < size; i++) {
		int r = ledit_feed(&ed, data[i]);
		if (r == LEDIT_DONE) {
			for (size_t k = 0; k < ed.len; k++)
				expect(ed.line[k] >= 0x20 && ed.line[k] < 0x7f);
			fuzz_reached();
		}
		if (r != LEDIT_MORE)
			ledit_start(&ed, "$ ", cols);
		check_invariants();
	}
	return 0;
}
