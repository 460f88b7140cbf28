/*
 * Host tests of libc's stdio (libc/src/stdio/file.c and vfprintf.c) with the
 * debug console replaced by a recorder: line buffering of stdout, stderr
 * unbuffered and flushing stdout first, full buffering and setvbuf, output
 * longer than the buffers, console failures, stdin at EOF, and the printf
 * family on the formatter it shares with the kernel (common/src/printf.c).
 *
 * Built by test/meson.build against libc_host (libc's sources with every
 * public name renamed); run it alone with `meson test -C build libc_stdio`.
 */
#include "check.h"
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* libc's FILE is opaque here; only pointers to it are used. */
struct libc_file;
typedef struct libc_file IFILE;
extern IFILE *iris_stdin, *iris_stdout, *iris_stderr;

int iris_printf(const char *restrict fmt, ...);
int iris_fprintf(IFILE *restrict f, const char *restrict fmt, ...);
int iris_sprintf(char *restrict buf, const char *restrict fmt, ...);
int iris_snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...);
int iris_vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap);
int iris_fputc(int c, IFILE *f);
int iris_putchar(int c);
int iris_fputs(const char *restrict s, IFILE *restrict f);
int iris_puts(const char *s);
size_t iris_fwrite(const void *restrict buf, size_t size, size_t count, IFILE *restrict f);
int iris_fflush(IFILE *f);
int iris_setvbuf(IFILE *restrict f, char *restrict buf, int mode, size_t size);
int iris_fgetc(IFILE *f);
int iris_getchar(void);
char *iris_fgets(char *restrict s, int size, IFILE *restrict f);
size_t iris_fread(void *restrict buf, size_t size, size_t count, IFILE *restrict f);
int iris_feof(IFILE *f);
int iris_ferror(IFILE *f);
void iris_clearerr(IFILE *f);

/* libc's <stdio.h> values. */
#define IRIS_EOF    (-1)
#define IRIS_BUFSIZ 1024
#define IRIS_IOFBF  0
#define IRIS_IOLBF  1
#define IRIS_IONBF  2

/* The console: every write is recorded; it can be told to fail or to take a few bytes at a time. */
static char console[65536];
static size_t console_len;
static int console_writes;
static long console_error;            /* returned (a -errno) instead of writing when nonzero */
static size_t console_max = SIZE_MAX; /* most bytes one write accepts */

long libc_console_write(const void *buf, size_t len);
long libc_console_write(const void *buf, size_t len)
{
	console_writes++;
	if (console_error)
		return console_error;
	if (len > console_max)
		len = console_max;
	CHECK(console_len + len <= sizeof(console));
	memcpy(console + console_len, buf, len);
	console_len += len;
	return (long)len;
}

static void console_reset(void)
{
	console_len = 0;
	console_writes = 0;
	console_error = 0;
	console_max = SIZE_MAX;
}

static bool console_is(const char *s)
{
	bool same = console_len == strlen(s) && memcmp(console, s, console_len) == 0;
	if (!same)
		printf("  console has \"%.*s\", want \"%s\"\n", (int)console_len, console, s);
	return same;
}

/* Single-threaded stand-ins that catch a lock taken twice (a self-deadlock in libc). */
void libc_lock(int *word);
void libc_unlock(int *word);
void libc_lock(int *word)
{
	CHECK(*word == 0);
	*word = 1;
}

void libc_unlock(int *word)
{
	CHECK(*word == 1);
	*word = 0;
}

static int iris_errno;
int *iris___errno_location(void);
int *iris___errno_location(void)
{
	return &iris_errno;
}

void *iris_malloc(size_t n);
void iris_free(void *p);
void *iris_malloc(size_t n)
{
	return malloc(n);
}

void iris_free(void *p)
{
	free(p);
}

static void test_line_buffering(void)
{
	console_reset();
	CHECK(iris_printf("hello %d", 42) == 8);
	CHECK(console_writes == 0); /* no newline yet */
	CHECK(iris_putchar(',') == ',');
	CHECK(iris_fputs(" world\nmore", iris_stdout) >= 0);
	CHECK(console_is("hello 42, world\nmore")); /* a newline flushes everything buffered */
	CHECK(console_writes == 1);
	CHECK(iris_puts("") >= 0);
	CHECK(console_is("hello 42, world\nmore\n"));
	CHECK(iris_fflush(iris_stdout) == 0);
	CHECK(console_writes == 2);
}

static void test_stderr(void)
{
	console_reset();
	iris_printf("out ");
	CHECK(console_writes == 0);
	iris_fprintf(iris_stderr, "err %s\n", "x");
	CHECK(console_is("out err x\n")); /* stdout flushed first, then stderr at once */
	iris_fputc('!', iris_stderr);
	CHECK(console_is("out err x\n!"));
}

static void test_full_buffering(void)
{
	static char buf[16];
	console_reset();
	CHECK(iris_setvbuf(iris_stdout, buf, IRIS_IOFBF, sizeof(buf)) == 0);
	iris_printf("0123456789\n");
	CHECK(console_writes == 0); /* newlines do not flush a fully buffered stream */
	iris_printf("abcde");
	CHECK(console_is("0123456789\nabcde")); /* 16 bytes: the buffer filled */
	iris_printf("xyz");
	CHECK(console_writes == 1);
	/* A write bigger than the buffer goes straight through, after what was waiting. */
	char big[100];
	memset(big, 'b', sizeof(big));
	CHECK(iris_fwrite(big, 1, sizeof(big), iris_stdout) == sizeof(big));
	CHECK(console_len == 16 + 3 + 100 && memcmp(console + 16, "xyz", 3) == 0);

	CHECK(iris_setvbuf(iris_stdout, NULL, IRIS_IONBF, 0) == 0);
	iris_putchar('u');
	CHECK(console_len == 120 && console[119] == 'u');
	CHECK(iris_setvbuf(iris_stdout, NULL, 7, 0) == -1);

	/* Line buffering in a full-size buffer again, for the tests that follow. */
	static char line[IRIS_BUFSIZ];
	CHECK(iris_setvbuf(iris_stdout, line, IRIS_IOLBF, sizeof(line)) == 0);
}

static void test_long_output(void)
{
	console_reset();
	char want[5000];
	for (int i = 0; i < 4999; i++)
		want[i] = (char)('a' + i % 26);
	want[4999] = '\0';
	/* Longer than vfprintf's stack buffer and than stdout's buffer. */
	CHECK(iris_printf("%s", want) == 4999);
	CHECK(iris_printf("\n") == 1);
	CHECK(console_len == 5000 && memcmp(console, want, 4999) == 0);

	/* Short console writes are retried until everything is out. */
	console_reset();
	console_max = 3;
	CHECK(iris_fprintf(iris_stderr, "%d-%s", 123456, "abcdefgh") == 15);
	CHECK(console_is("123456-abcdefgh"));
	CHECK(console_writes == 5);

	/* fwrite counts items; a zero size or count writes nothing. */
	console_reset();
	int words[3] = { 1, 2, 3 };
	CHECK(iris_fwrite(words, sizeof(int), 3, iris_stderr) == 3);
	CHECK(console_len == sizeof(words));
	CHECK(iris_fwrite(words, 0, 3, iris_stderr) == 0);
	CHECK(iris_fwrite(words, sizeof(int), 0, iris_stderr) == 0);
	CHECK(iris_fwrite(words, SIZE_MAX, 2, iris_stderr) == 0); /* size * count overflows */
	CHECK(console_len == sizeof(words));
}

static void test_errors(void)
{
	console_reset();
	console_error = -5; /* EIO */
	CHECK(iris_fprintf(iris_stderr, "lost") == -1);
	CHECK(iris_ferror(iris_stderr));
	CHECK(iris_errno == 5);
	CHECK(iris_fputc('x', iris_stderr) == IRIS_EOF);
	CHECK(iris_fputs("x", iris_stderr) == IRIS_EOF);
	iris_printf("buffered");
	CHECK(iris_fflush(iris_stdout) == IRIS_EOF);
	CHECK(iris_ferror(iris_stdout));
	console_error = 0;
	iris_clearerr(iris_stderr);
	iris_clearerr(iris_stdout);
	CHECK(!iris_ferror(iris_stderr) && !iris_ferror(iris_stdout));
	CHECK(iris_fflush(iris_stdout) == 0); /* what failed was dropped, not retried */
	CHECK(console_len == 0);

	/* stdin is not writable. */
	CHECK(iris_fputc('x', iris_stdin) == IRIS_EOF);
	CHECK(iris_ferror(iris_stdin));
	iris_clearerr(iris_stdin);
}

static void test_stdin(void)
{
	char buf[8] = "keep";
	CHECK(iris_getchar() == IRIS_EOF);
	CHECK(iris_feof(iris_stdin));
	CHECK(!iris_ferror(iris_stdin));
	CHECK(iris_fgets(buf, sizeof(buf), iris_stdin) == NULL);
	CHECK(strcmp(buf, "keep") == 0);
	CHECK(iris_fread(buf, 1, sizeof(buf), iris_stdin) == 0);
	CHECK(iris_fgetc(iris_stdin) == IRIS_EOF);
	iris_clearerr(iris_stdin);
	CHECK(!iris_feof(iris_stdin));
	CHECK(iris_fflush(iris_stdin) == 0);
	CHECK(iris_fflush(NULL) == 0);
}

static int call_vsnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = iris_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void test_formatting(void)
{
	char buf[64];
	CHECK(iris_sprintf(buf, "%5d|%-4s|%x|%c", -12, "ab", 255u, 'z') == 15);
	CHECK(strcmp(buf, "  -12|ab  |ff|z") == 0);
	CHECK(iris_snprintf(buf, 6, "%s", "truncated") == 9);
	CHECK(strcmp(buf, "trunc") == 0);
	CHECK(iris_snprintf(NULL, 0, "%lu", 18446744073709551615ul) == 20);
	CHECK(call_vsnprintf(buf, sizeof(buf), "%zu %p", (size_t)7, (void *)0x10) == 6);
	CHECK(strcmp(buf, "7 0x10") == 0);
}

int main(void)
{
	test_line_buffering();
	test_stderr();
	test_full_buffering();
	test_long_output();
	test_errors();
	test_stdin();
	test_formatting();
	return check_done("libc_stdio");
}
