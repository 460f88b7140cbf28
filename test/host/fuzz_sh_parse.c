/*
 * libFuzzer target: arbitrary bytes as a shell command line
 * (bin/sh/parse.c), with variables whose values are empty, short, and
 * longer than the parser's buffer. The oracle: sh_parse returns 0 or an
 * SH_PARSE_* error; on 0, argc is within SH_WORDS_MAX, argv[argc] is NULL,
 * and every word starts inside cmd.text, in order, and ends with a NUL
 * inside it; sh_parse_error has a message for every result. A broken
 * promise traps.
 *
 * clang -std=c11 -Wall -Wextra -Werror -g -fsanitize=fuzzer,address,undefined \
 *   -fno-sanitize-recover=all test/host/fuzz_sh_parse.c bin/sh/parse.c \
 *   -o /tmp/fuzz_sh_parse && /tmp/fuzz_sh_parse -max_total_time=60
 */
#include "../../bin/sh/parse.h"
#include <stdint.h>
#include <string.h>

#define FUZZ_REACHED_MIN 1000
#include "fuzz_reached.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char huge[2 * SH_TEXT_MAX];

static void expect(bool cond)
{
	if (!cond)
		__builtin_trap();
}

static const char *lookup(void *ctx, const char *name, size_t n)
{
	(void)ctx;
	expect(n == 0 || name != NULL);
	switch (n % 4) {
	case 0:
		return NULL;
	case 1:
		return "";
	case 2:
		return "v a l";
	default:
		return huge;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sh_cmd cmd;
	if (!huge[0])
		memset(huge, 'h', sizeof(huge) - 1);
	int r = sh_parse((const char *)data, size, &cmd, lookup, NULL);
	expect(r <= 0 && r >= SH_PARSE_UNSUPPORTED);
	expect(sh_parse_error(r) != NULL);
	if (r < 0)
		return 0;
	expect(cmd.argc >= 0 && cmd.argc <= SH_WORDS_MAX && cmd.argv[cmd.argc] == NULL);
	const char *text_end = cmd.text + SH_TEXT_MAX;
	const char *prev_end = cmd.text;
	for (int i = 0; i < cmd.argc; i++) {
		expect(cmd.argv[i] >= prev_end && cmd.argv[i] < text_end);
		const char *z = memchr(cmd.argv[i], '\0', (size_t)(text_end - cmd.argv[i]));
		expect(z != NULL);
		prev_end = z + 1;
	}
	if (cmd.argc > 0)
		fuzz_reached();
	return 0;
}
