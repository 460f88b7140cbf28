/*
 * Host tests of libc's <string.h>, <strings.h> and <ctype.h>, compared with
 * the host C library. The libc sources are compiled against libc's own
 * headers with every public name prefixed iris_ (libc/src/host_test.h);
 * this file uses the host's headers and calls the iris_ functions.
 *
 * From the top of the repository:
 *   mkdir -p build/libc-host && cd build/libc-host &&
 *   clang -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
 *     -fno-sanitize-recover=all -ffreestanding -nostdlibinc -I ../../libc/include \
 *     -I ../../include -include ../../libc/src/host_test.h -c ../../libc/src/ctype.c \
 *     ../../libc/src/string/string.c ../../libc/src/string/strings.c \
 *     ../../libc/src/string/strerror.c ../../libc/src/string/strdup.c &&
 *   clang -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
 *     -fno-sanitize-recover=all -I ../../include ../../test/host/test_libc_string.c \
 *     ctype.o string.o strings.o strerror.o strdup.o -o test_libc_string && ./test_libc_string
 */
#define _DEFAULT_SOURCE
#include "check.h"
#include <ctype.h>
#include <iris/abi/errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

void *iris_memcpy(void *restrict dst, const void *restrict src, size_t n);
void *iris_memmove(void *dst, const void *src, size_t n);
void *iris_memset(void *dst, int c, size_t n);
int iris_memcmp(const void *a, const void *b, size_t n);
void *iris_memchr(const void *s, int c, size_t n);
size_t iris_strlen(const char *s);
size_t iris_strnlen(const char *s, size_t max);
char *iris_strcpy(char *restrict dst, const char *restrict src);
char *iris_stpcpy(char *restrict dst, const char *restrict src);
char *iris_strncpy(char *restrict dst, const char *restrict src, size_t n);
char *iris_strcat(char *restrict dst, const char *restrict src);
char *iris_strncat(char *restrict dst, const char *restrict src, size_t n);
int iris_strcmp(const char *a, const char *b);
int iris_strncmp(const char *a, const char *b, size_t n);
int iris_strcoll(const char *a, const char *b);
char *iris_strchr(const char *s, int c);
char *iris_strrchr(const char *s, int c);
char *iris_strstr(const char *haystack, const char *needle);
size_t iris_strspn(const char *s, const char *accept);
size_t iris_strcspn(const char *s, const char *reject);
char *iris_strpbrk(const char *s, const char *accept);
char *iris_strtok(char *restrict s, const char *restrict delim);
char *iris_strtok_r(char *restrict s, const char *restrict delim, char **restrict save);
char *iris_strdup(const char *s);
char *iris_strndup(const char *s, size_t max);
char *iris_strerror(int code);
int iris_strcasecmp(const char *a, const char *b);
int iris_strncasecmp(const char *a, const char *b, size_t n);

int iris_isalnum(int c);
int iris_isalpha(int c);
int iris_isblank(int c);
int iris_iscntrl(int c);
int iris_isdigit(int c);
int iris_isgraph(int c);
int iris_islower(int c);
int iris_isprint(int c);
int iris_ispunct(int c);
int iris_isspace(int c);
int iris_isupper(int c);
int iris_isxdigit(int c);
int iris_tolower(int c);
int iris_toupper(int c);

/* What the sources under test take from the rest of libc. */
void *iris_malloc(size_t n);
void *iris_malloc(size_t n)
{
	return malloc(n);
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static unsigned next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 16);
}

/* Fills s with len random letters from a small alphabet (so matches happen), NUL-terminated. */
static void random_string(char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		s[i] = "abcab\x80\xff"[next_random() % 7];
	s[len] = '\0';
}

static void test_memory(void)
{
	unsigned char a[300], b[300], want[300], got[300];
	for (int round = 0; round < 2000; round++) {
		size_t n = next_random() % 100, off_s = next_random() % 16,
		       off_d = next_random() % 16;
		for (size_t i = 0; i < sizeof(a); i++)
			a[i] = (unsigned char)next_random();
		memcpy(want, a, sizeof(a));
		memcpy(got, a, sizeof(a));
		memcpy(want + off_d + 150, a + off_s, n);
		CHECK(iris_memcpy(got + off_d + 150, a + off_s, n) == got + off_d + 150);
		CHECK(memcmp(want, got, sizeof(a)) == 0);

		/* Overlapping moves in both directions. */
		memcpy(want, a, sizeof(a));
		memcpy(got, a, sizeof(a));
		memmove(want + off_d, want + off_s, n);
		CHECK(iris_memmove(got + off_d, got + off_s, n) == got + off_d);
		CHECK(memcmp(want, got, sizeof(a)) == 0);

		int c = (int)(next_random() % 512) - 256;
		memset(want + off_d, c, n);
		CHECK(iris_memset(got + off_d, c, n) == got + off_d);
		CHECK(memcmp(want, got, sizeof(a)) == 0);

		memcpy(b, a, sizeof(a));
		if (n && next_random() % 2)
			b[off_s + next_random() % n] ^= (unsigned char)(1 + next_random() % 255);
		CHECK(sign(iris_memcmp(a + off_s, b + off_s, n)) ==
		      sign(memcmp(a + off_s, b + off_s, n)));

		CHECK(iris_memchr(a + off_s, a[off_s + n / 2], n) ==
		      memchr(a + off_s, a[off_s + n / 2], n));
		CHECK(iris_memchr(a + off_s, c, n) == memchr(a + off_s, c, n));
	}
	CHECK(iris_memcmp("\x80", "\x01", 1) > 0); /* bytes compare as unsigned */
}

static void test_strings(void)
{
	char s[64], t[64], want[160], got[160];
	for (int round = 0; round < 5000; round++) {
		random_string(s, next_random() % 20);
		random_string(t, next_random() % 6);
		size_t n = next_random() % 25;
		int c = "abc\x80\xffz"[next_random() % 6];

		CHECK(iris_strlen(s) == strlen(s));
		CHECK(iris_strnlen(s, n) == strnlen(s, n));
		CHECK(sign(iris_strcmp(s, t)) == sign(strcmp(s, t)));
		CHECK(sign(iris_strncmp(s, t, n)) == sign(strncmp(s, t, n)));
		CHECK(sign(iris_strcoll(s, t)) == sign(strcmp(s, t)));
		CHECK(iris_strchr(s, c) == strchr(s, c));
		CHECK(iris_strchr(s, 0) == strchr(s, 0));
		CHECK(iris_strrchr(s, c) == strrchr(s, c));
		CHECK(iris_strstr(s, t) == strstr(s, t));
		CHECK(iris_strspn(s, t) == strspn(s, t));
		CHECK(iris_strcspn(s, t) == strcspn(s, t));
		CHECK(iris_strpbrk(s, t) == strpbrk(s, t));
		CHECK(sign(iris_strcasecmp(s, t)) == sign(strcasecmp(s, t)));
		CHECK(sign(iris_strncasecmp(s, t, n)) == sign(strncasecmp(s, t, n)));

		memset(want, 'x', sizeof(want));
		memset(got, 'x', sizeof(got));
		CHECK(iris_strcpy(got, s) == got);
		strcpy(want, s);
		CHECK(memcmp(want, got, sizeof(want)) == 0);
		CHECK(iris_stpcpy(got, t) == got + strlen(t));
		strcpy(want, t);
		CHECK(memcmp(want, got, sizeof(want)) == 0);
		CHECK(iris_strncpy(got, s, n) == got);
		strncpy(want, s, n);
		CHECK(memcmp(want, got, sizeof(want)) == 0);
		got[n] = want[n] = '\0'; /* strncpy leaves no NUL when s is n bytes or longer */
		CHECK(iris_strcat(got, t) == got);
		strcat(want, t);
		CHECK(memcmp(want, got, sizeof(want)) == 0);
		CHECK(iris_strncat(got, s, n) == got);
		strncat(want, s, n);
		CHECK(memcmp(want, got, sizeof(want)) == 0);
	}
	CHECK(iris_strstr("abc", "") != NULL && *iris_strstr("abc", "") == 'a');
	CHECK(iris_strstr("", "a") == NULL);
	CHECK(iris_strcasecmp("HeLLo", "hello") == 0);
	CHECK(iris_strcasecmp("a", "B") < 0);
	CHECK(iris_strncasecmp("abcX", "ABCy", 3) == 0);
}

static void test_strtok(void)
{
	char buf[] = ",,one,two;;three,", *save = NULL;
	CHECK(strcmp(iris_strtok_r(buf, ",;", &save), "one") == 0);
	CHECK(strcmp(iris_strtok_r(NULL, ",;", &save), "two") == 0);
	CHECK(strcmp(iris_strtok_r(NULL, ",;", &save), "three") == 0);
	CHECK(iris_strtok_r(NULL, ",;", &save) == NULL);
	CHECK(iris_strtok_r(NULL, ",;", &save) == NULL);

	char empty[] = ";;;";
	CHECK(iris_strtok(empty, ";") == NULL);
	char words[] = "a b  c";
	CHECK(strcmp(iris_strtok(words, " "), "a") == 0);
	CHECK(strcmp(iris_strtok(NULL, " "), "b") == 0);
	CHECK(strcmp(iris_strtok(NULL, " "), "c") == 0);
	CHECK(iris_strtok(NULL, " ") == NULL);
}

static void test_dup(void)
{
	char *d = iris_strdup("hello");
	CHECK(d && strcmp(d, "hello") == 0);
	free(d);
	d = iris_strndup("hello", 3);
	CHECK(d && strcmp(d, "hel") == 0);
	free(d);
	d = iris_strndup("hi", 10);
	CHECK(d && strcmp(d, "hi") == 0);
	free(d);
}

static void test_strerror(void)
{
	static const int codes[] = { EPERM,  ENOENT, ESRCH,  EINTR,   EIO,       E2BIG,    ENOEXEC,
		                     EBADF,  ECHILD, EAGAIN, ENOMEM,  EACCES,    EFAULT,   EBUSY,
		                     EEXIST, ENODEV, EINVAL, EMFILE,  ENOSPC,    ESPIPE,   EPIPE,
		                     EDOM,   ERANGE, ENOSYS, ENOTSUP, ETIMEDOUT, ECANCELED };
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *m = iris_strerror(codes[i]);
		CHECK(m && *m && strncmp(m, "Unknown", 7) != 0);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(m, iris_strerror(codes[j])) != 0);
	}
	CHECK(strcmp(iris_strerror(0), "Success") == 0);
	CHECK(strcmp(iris_strerror(ENOMEM), "Out of memory") == 0);
	CHECK(strcmp(iris_strerror(6), "Unknown error 6") == 0);
	CHECK(strcmp(iris_strerror(4096), "Unknown error 4096") == 0);
	CHECK(strcmp(iris_strerror(-5), "Unknown error -5") == 0);
	CHECK(strcmp(iris_strerror(-2147483647 - 1), "Unknown error -2147483648") == 0);
}

static void test_ctype(void)
{
	for (int c = -1; c < 256; c++) {
		CHECK(!iris_isalnum(c) == !isalnum(c));
		CHECK(!iris_isalpha(c) == !isalpha(c));
		CHECK(!iris_isblank(c) == !isblank(c));
		CHECK(!iris_iscntrl(c) == !iscntrl(c));
		CHECK(!iris_isdigit(c) == !isdigit(c));
		CHECK(!iris_isgraph(c) == !isgraph(c));
		CHECK(!iris_islower(c) == !islower(c));
		CHECK(!iris_isprint(c) == !isprint(c));
		CHECK(!iris_ispunct(c) == !ispunct(c));
		CHECK(!iris_isspace(c) == !isspace(c));
		CHECK(!iris_isupper(c) == !isupper(c));
		CHECK(!iris_isxdigit(c) == !isxdigit(c));
		CHECK(iris_tolower(c) == tolower(c));
		CHECK(iris_toupper(c) == toupper(c));
	}
}

int main(void)
{
	test_memory();
	test_strings();
	test_strtok();
	test_dup();
	test_strerror();
	test_ctype();
	return check_done("libc_string");
}
