/*
 * Host tests of the shell's command-line parser (bin/sh/parse.c): words and
 * blanks, both quotes and their mixing, backslashes, $? $NAME ${NAME} and
 * their empty cases, a trailing &, comments, what is refused, and the
 * limits (words, bytes, expansions longer than the buffer).
 */
#include "../../bin/sh/parse.h"
#include "check.h"
#include <string.h>

static struct sh_cmd cmd;
static char long_value[2 * SH_TEXT_MAX];

static const char *lookup(void *ctx, const char *name, size_t n)
{
	(void)ctx;
	if (n == 1 && name[0] == '?')
		return "42";
	if (n == 4 && memcmp(name, "HOME", 4) == 0)
		return "/h";
	if (n == 5 && memcmp(name, "EMPTY", 5) == 0)
		return "";
	if (n == 4 && memcmp(name, "LONG", 4) == 0)
		return long_value;
	return NULL;
}

static int parse(const char *line)
{
	return sh_parse(line, strlen(line), &cmd, lookup, NULL);
}

/* The line parses to exactly the words in want[] (NULL-terminated), in the foreground. */
static bool words_are(const char *line, const char *const *want)
{
	int r = parse(line);
	int n = 0;
	while (want[n])
		n++;
	bool ok = r == 0 && cmd.argc == n && cmd.argv[n] == NULL && !cmd.background;
	for (int i = 0; ok && i < n; i++)
		ok = strcmp(cmd.argv[i], want[i]) == 0;
	if (!ok) {
		printf("  \"%s\": r %d, %d words:", line, r, cmd.argc);
		for (int i = 0; r == 0 && i < cmd.argc; i++)
			printf(" [%s]", cmd.argv[i]);
		printf("\n");
	}
	return ok;
}

#define WORDS(line, ...) words_are(line, (const char *const[]){ __VA_ARGS__, NULL })

static void test_words(void)
{
	CHECK(parse("") == 0 && cmd.argc == 0 && cmd.argv[0] == NULL);
	CHECK(parse(" \t  ") == 0 && cmd.argc == 0);
	CHECK(WORDS("ls", "ls"));
	CHECK(WORDS("  ps   -a\tb  ", "ps", "-a", "b"));
}

static void test_quotes(void)
{
	CHECK(WORDS("echo 'a  b' \"c d\"", "echo", "a  b", "c d"));
	CHECK(WORDS("a'b'\"c\"d", "abcd"));
	CHECK(WORDS("x '' \"\"", "x", "", ""));
	CHECK(WORDS("echo '$? \"x\" \\n'", "echo", "$? \"x\" \\n"));
	CHECK(WORDS("echo \"it's\"", "echo", "it's"));
	CHECK(WORDS("echo \"a\\\"b\\\\c\\d\\$?\"", "echo", "a\"b\\c\\d$?"));
	CHECK(WORDS("echo '|;<>&#'", "echo", "|;<>&#"));
	CHECK(WORDS("echo \\\" \\' \\\\ \\&", "echo", "\"", "'", "\\", "&"));
	CHECK(WORDS("a\\ b", "a b"));
	CHECK(WORDS("end\\", "end\\"));
	CHECK(parse("echo 'abc") == SH_PARSE_QUOTE);
	CHECK(parse("echo \"abc") == SH_PARSE_QUOTE);
	CHECK(parse("echo \"abc\\\"") == SH_PARSE_QUOTE);
	CHECK(parse("'") == SH_PARSE_QUOTE);
}

static void test_variables(void)
{
	CHECK(WORDS("echo $?", "echo", "42"));
	CHECK(WORDS("echo $?$?", "echo", "4242"));
	CHECK(WORDS("echo \"[$?]\"", "echo", "[42]"));
	CHECK(WORDS("echo $HOME/x", "echo", "/h/x"));
	CHECK(WORDS("echo ${HOME}y $HOMEy", "echo", "/hy"));
	CHECK(WORDS("echo $NOPE $EMPTY", "echo"));
	CHECK(WORDS("echo \"$NOPE\" \"$EMPTY\"", "echo", "", ""));
	CHECK(WORDS("echo a$NOPE", "echo", "a"));
	CHECK(WORDS("echo $ a $1 $-", "echo", "$", "a", "$1", "$-"));
	CHECK(WORDS("echo \"$\"", "echo", "$"));
	CHECK(WORDS("echo ${}x", "echo", "x"));
	CHECK(parse("echo ${HOME") == SH_PARSE_QUOTE);
	/* An expansion is one word, spaces and all. */
	CHECK(WORDS("$HOME$HOME", "/h/h"));
}

static void test_background(void)
{
	CHECK(parse("sleep 5 &") == 0 && cmd.background && cmd.argc == 2);
	CHECK(strcmp(cmd.argv[0], "sleep") == 0 && strcmp(cmd.argv[1], "5") == 0);
	CHECK(cmd.argv[2] == NULL);
	CHECK(parse("sleep 5&") == 0 && cmd.background && cmd.argc == 2);
	CHECK(parse("sleep&  # later") == 0 && cmd.background && cmd.argc == 1);
	CHECK(parse("a & b") == SH_PARSE_AMPERSAND);
	CHECK(parse("a && b") == SH_PARSE_AMPERSAND);
	CHECK(parse("a &&") == SH_PARSE_AMPERSAND);
	CHECK(parse("&") == 0 && cmd.background && cmd.argc == 0);
	CHECK(parse("ls") == 0 && !cmd.background); /* reset by each parse */
}

static void test_refused_and_comments(void)
{
	CHECK(parse("a | b") == SH_PARSE_UNSUPPORTED);
	CHECK(parse("a;b") == SH_PARSE_UNSUPPORTED);
	CHECK(parse("a > f") == SH_PARSE_UNSUPPORTED);
	CHECK(parse("a <f") == SH_PARSE_UNSUPPORTED);
	CHECK(WORDS("echo a#b # the rest ' is ignored", "echo", "a#b"));
	CHECK(parse("# only a comment") == 0 && cmd.argc == 0);
	CHECK(strcmp(sh_parse_error(SH_PARSE_QUOTE), sh_parse_error(SH_PARSE_TOO_LONG)) != 0);
	CHECK(sh_parse_error(0) != NULL);
}

static void test_limits(void)
{
	static char line[4 * SH_TEXT_MAX];
	/* SH_WORDS_MAX words fit, one more does not. */
	line[0] = '\0';
	for (int i = 0; i < SH_WORDS_MAX; i++)
		strcat(line, "w ");
	CHECK(parse(line) == 0 && cmd.argc == SH_WORDS_MAX && cmd.argv[SH_WORDS_MAX] == NULL);
	strcat(line, "w");
	CHECK(parse(line) == SH_PARSE_TOO_MANY);
	line[0] = '\0';
	for (int i = 0; i <= SH_WORDS_MAX; i++)
		strcat(line, "'' ");
	CHECK(parse(line) == SH_PARSE_TOO_MANY);

	/* One word of SH_TEXT_MAX - 1 bytes fits with its NUL; one more byte does not. */
	memset(line, 'x', SH_TEXT_MAX - 1);
	line[SH_TEXT_MAX - 1] = '\0';
	CHECK(parse(line) == 0 && cmd.argc == 1 && strlen(cmd.argv[0]) == SH_TEXT_MAX - 1);
	line[SH_TEXT_MAX - 1] = 'x';
	line[SH_TEXT_MAX] = '\0';
	CHECK(parse(line) == SH_PARSE_TOO_LONG);
	/* Many short words fill the buffer with their NULs: 2 bytes each. */
	line[0] = '\0';
	for (int i = 0; i < SH_WORDS_MAX; i++)
		strcat(line, "a ");
	CHECK(parse(line) == 0);
	/* Empty words at the very end of the buffer. */
	memset(line, 'x', SH_TEXT_MAX - 1);
	strcpy(line + SH_TEXT_MAX - 1, " ''");
	CHECK(parse(line) == SH_PARSE_TOO_LONG);

	/* An expansion longer than the buffer. */
	memset(long_value, 'v', sizeof(long_value) - 1);
	CHECK(parse("echo $LONG") == SH_PARSE_TOO_LONG);
	CHECK(parse("echo \"$LONG\"") == SH_PARSE_TOO_LONG);
	long_value[100] = '\0';
	CHECK(parse("echo $LONG") == 0 && strlen(cmd.argv[1]) == 100);

	/* The length given is what counts, not a NUL. */
	CHECK(sh_parse("ab cd", 2, &cmd, lookup, NULL) == 0 && cmd.argc == 1);
	CHECK(strcmp(cmd.argv[0], "ab") == 0);
	CHECK(sh_parse("'ab'", 3, &cmd, lookup, NULL) == SH_PARSE_QUOTE);
}

int main(void)
{
	test_words();
	test_quotes();
	test_variables();
	test_background();
	test_refused_and_comments();
	test_limits();
	return check_done("sh_parse");
}
