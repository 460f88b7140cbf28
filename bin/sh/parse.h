/*
 * The shell's command line, split into words (pure: no system calls; host
 * tested by test/host/test_sh_parse.c and fuzzed by fuzz_sh_parse.c).
 *
 *   words      separated by unquoted spaces and tabs
 *   '...'      literally what is between the quotes
 *   "..."      the same, but $ expands and \ escapes " \ $ (else it stays)
 *   \c         outside quotes: c itself
 *   $?  $NAME  ${NAME}   the value `lookup` gives (nothing if none); $
 *              before anything else is itself. An expansion is never split
 *              into several words, and an unquoted one that is empty makes
 *              no word.
 *   &          at the end: run in the background
 *   #          at the start of a word: the rest of the line is a comment
 *   | ; < >    unquoted: refused (no pipes, lists or redirections yet)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define SH_WORDS_MAX 64
#define SH_TEXT_MAX  4096 /* bytes of every word after expansion, with their NULs */

struct sh_cmd {
	int argc;                     /* 0: nothing to run (an empty line or a comment) */
	char *argv[SH_WORDS_MAX + 1]; /* argv[argc] is NULL; the words live in text */
	bool background;              /* a trailing & */
	char text[SH_TEXT_MAX];
};

enum {
	SH_PARSE_QUOTE = -1,       /* a quote is not closed */
	SH_PARSE_TOO_LONG = -2,    /* the words do not fit SH_TEXT_MAX */
	SH_PARSE_TOO_MANY = -3,    /* more than SH_WORDS_MAX words */
	SH_PARSE_AMPERSAND = -4,   /* & not at the end */
	SH_PARSE_UNSUPPORTED = -5, /* | ; < or > */
};

/*
 * The value of variable name[0..n) ("?" for $?), or NULL when it has none.
 * The string must stay valid until sh_parse returns.
 */
typedef const char *(*sh_lookup_fn)(void *ctx, const char *name, size_t n);

/*
 * Splits line[0..len) into *cmd, expanding variables through lookup(ctx,
 * ...). Returns 0 or an SH_PARSE_* error (then *cmd is unusable).
 */
int sh_parse(const char *line, size_t len, struct sh_cmd *cmd, sh_lookup_fn lookup, void *ctx);

/* Says what an SH_PARSE_* error means. */
const char *sh_parse_error(int err);
