/*
 * Host tests of libc's strto* and ato* (compared with the host C library),
 * qsort and bsearch (including comparison counts on adversarial inputs),
 * abs/div, rand and getenv. The libc sources are compiled against libc's
 * own headers with every public name prefixed iris_ (libc/src/host_test.h).
 *
 * From the top of the repository:
 *   mkdir -p build/libc-host && cd build/libc-host &&
 *   clang -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
 *     -fno-sanitize-recover=all -ffreestanding -nostdlibinc -I ../../libc/include \
 *     -I ../../include -include ../../libc/src/host_test.h -c ../../libc/src/ctype.c \
 *     ../../libc/src/string/string.c ../../libc/src/stdlib/strtol.c \
 *     ../../libc/src/stdlib/qsort.c ../../libc/src/stdlib/arith.c \
 *     ../../libc/src/stdlib/rand.c ../../libc/src/stdlib/getenv.c &&
 *   clang -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
 *     -fno-sanitize-recover=all ../../test/host/test_libc_stdlib.c ctype.o string.o \
 *     strtol.o qsort.o arith.o rand.o getenv.o -o test_libc_stdlib && ./test_libc_stdlib
 */
#include "check.h"
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

long iris_strtol(const char *restrict s, char **restrict end, int base);
long long iris_strtoll(const char *restrict s, char **restrict end, int base);
unsigned long iris_strtoul(const char *restrict s, char **restrict end, int base);
unsigned long long iris_strtoull(const char *restrict s, char **restrict end, int base);
int iris_atoi(const char *s);
long iris_atol(const char *s);
long long iris_atoll(const char *s);
int iris_abs(int v);
long iris_labs(long v);
long long iris_llabs(long long v);
typedef struct {
	int quot, rem;
} iris_div_t;
iris_div_t iris_div(int num, int den);
void iris_qsort(void *base, size_t count, size_t size, int (*cmp)(const void *, const void *));
void *iris_bsearch(const void *key, const void *base, size_t count, size_t size,
                   int (*cmp)(const void *, const void *));
int iris_rand(void);
void iris_srand(unsigned seed);
char *iris_getenv(const char *name);
extern char **iris_environ;

/* libc's errno, for the sources under test. */
static int iris_errno;
int *iris___errno_location(void);
int *iris___errno_location(void)
{
	return &iris_errno;
}

static uint64_t rng = 0x243f6a8885a308d3ull;
static unsigned next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 16);
}

/* Runs one strto* function of libc and of the host on s and compares value, end and errno. */
#define SAME_STRTO(fn, s, base)                                                               \
	do {                                                                                  \
		char *want_end, *got_end;                                                     \
		errno = 0;                                                                    \
		iris_errno = 0;                                                               \
		__typeof__(fn(s, NULL, base)) want = fn(s, &want_end, base);                  \
		__typeof__(want) got = iris_##fn(s, &got_end, base);                          \
		CHECK(want == got);                                                           \
		CHECK(want_end == got_end);                                                   \
		CHECK(errno == iris_errno);                                                   \
		if (want != got || want_end != got_end || errno != iris_errno)                \
			printf("  %s(\"%s\", %d): want %lld end +%td errno %d, got %lld end " \
			       "+%td errno %d\n",                                             \
			       #fn, s, base, (long long)want, want_end - (s), errno,          \
			       (long long)got, got_end - (s), iris_errno);                    \
	} while (0)

/* For an invalid base the host leaves *end unset; libc sets it to s and gives 0 with EINVAL. */
static void check_bad_base(const char *s, int base)
{
	char *end = NULL;
	iris_errno = 0;
	CHECK(iris_strtol(s, &end, base) == 0 && end == s && iris_errno == EINVAL);
	end = NULL;
	iris_errno = 0;
	CHECK(iris_strtoull(s, &end, base) == 0 && end == s && iris_errno == EINVAL);
}

static void check_all_strto(const char *s, int base)
{
	if (base < 0 || base == 1 || base > 36) {
		check_bad_base(s, base);
		return;
	}
	SAME_STRTO(strtol, s, base);
	SAME_STRTO(strtoll, s, base);
	SAME_STRTO(strtoul, s, base);
	SAME_STRTO(strtoull, s, base);
}

static void test_strto(void)
{
	static const char *const cases[] = {
		"0",
		"1",
		"-1",
		"+1",
		"  \t\n\v\f\r42",
		"42abc",
		"abc",
		"",
		" ",
		"-",
		"+",
		"+-1",
		"0x",
		"0x1f",
		"0X1F",
		"-0x1f",
		"0xg",
		"0x 1",
		"010",
		"08",
		"0b101",
		"z",
		"Zz",
		"9223372036854775807",
		"9223372036854775808",
		"-9223372036854775808",
		"-9223372036854775809",
		"18446744073709551615",
		"18446744073709551616",
		"-18446744073709551615",
		"-18446744073709551616",
		"99999999999999999999999999",
		"-99999999999999999999999999",
		"0x7fffffffffffffff",
		"0x8000000000000000",
		"0xffffffffffffffff",
		"0x10000000000000000",
		"1777777777777777777777",
		"2000000000000000000000",
		"-2000000000000000000000",
		"0000000000000000000000000000012",
		"   -0",
		"1 2",
		("\xff"
		 "1"),
	};
	static const int bases[] = { 0, 2, 8, 10, 16, 36, 1, 37, -1 };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++)
			check_all_strto(cases[i], bases[b]);
		for (int base = 2; base <= 36; base++)
			check_all_strto(cases[i], base);
	}

	/* Random strings over a tricky alphabet, in every base. */
	char s[40];
	for (int round = 0; round < 20000; round++) {
		size_t len = next_random() % 30;
		for (size_t i = 0; i < len; i++)
			s[i] = " \t+-0000111789afzxX"[next_random() % 19];
		s[len] = '\0';
		int base = (int)(next_random() % 37);
		if (base == 1)
			base = 0;
		check_all_strto(s, base);
	}

	/* A NULL end pointer is allowed. */
	CHECK(iris_strtol("123", NULL, 10) == 123);
	CHECK(iris_atoi("  -77x") == -77);
	CHECK(iris_atol("9223372036854775807") == LONG_MAX);
	CHECK(iris_atoll("-12") == -12);
	CHECK(iris_atoi("99999999999") == INT_MAX);
}

static int cmp_count;
static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	cmp_count++;
	return (x > y) - (x < y);
}

struct record {
	int key;
	unsigned char
	        payload[19]; /* an odd size: 24 bytes with the key, no 8-byte multiple inside */
};

static int cmp_record(const void *a, const void *b)
{
	const struct record *x = a, *y = b;
	return (x->key > y->key) - (x->key < y->key);
}

static int cmp_byte(const void *a, const void *b)
{
	return *(const unsigned char *)a - *(const unsigned char *)b;
}

static int cmp_random(const void *a, const void *b)
{
	(void)a;
	(void)b;
	return (int)(next_random() % 3) - 1;
}

static int is_sorted(const int *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		if (v[i - 1] > v[i])
			return 0;
	}
	return 1;
}

/* Sorts v with libc's qsort and checks the result against the host's; returns the comparisons. */
static long sort_and_check(int *v, size_t n)
{
	int *want = malloc((n ? n : 1) * sizeof(int));
	memcpy(want, v, n * sizeof(int));
	qsort(want, n, sizeof(int), cmp_int);
	cmp_count = 0;
	iris_qsort(v, n, sizeof(int), cmp_int);
	CHECK(memcmp(want, v, n * sizeof(int)) == 0);
	free(want);
	return cmp_count;
}

static double n_log2_n(size_t n)
{
	double l = 0;
	for (size_t m = n; m > 1; m >>= 1)
		l++;
	return (double)n * (l + 1);
}

static void test_qsort(void)
{
	enum { N = 100000 };
	int *v = malloc(N * sizeof(int));

	for (size_t n = 0; n < 300; n++) {
		for (size_t i = 0; i < n; i++)
			v[i] = (int)(next_random() % (n / 2 + 1));
		sort_and_check(v, n);
	}

	/* Adversarial shapes, each within a small multiple of n log n comparisons. */
	for (int shape = 0; shape < 6; shape++) {
		for (size_t i = 0; i < N; i++) {
			switch (shape) {
			case 0: /* sorted */
				v[i] = (int)i;
				break;
			case 1: /* reversed */
				v[i] = (int)(N - i);
				break;
			case 2: /* all equal */
				v[i] = 7;
				break;
			case 3: /* organ pipe */
				v[i] = (int)(i < N / 2 ? i : N - i);
				break;
			case 4: /* few distinct keys */
				v[i] = (int)(next_random() % 4);
				break;
			case 5: /* sorted with every 100th element random */
				v[i] = i % 100 ? (int)i : (int)(next_random() % N);
				break;
			}
		}
		long cmps = sort_and_check(v, N);
		CHECK(cmps < 4 * n_log2_n(N));
		if (cmps >= 4 * n_log2_n(N))
			printf("  shape %d: %ld comparisons\n", shape, cmps);
	}

	/* The median-of-three killer (Musser's construction) falls back to heapsort. */
	size_t k = N / 2;
	for (size_t i = 0; i < k; i++) {
		v[i] = (int)(i % 2 ? k + i : i + 1);
		v[k + i] = (int)(2 * (i + 1));
	}
	long cmps = sort_and_check(v, N);
	CHECK(cmps < 4 * n_log2_n(N));

	/* Elements of odd sizes keep their payloads. */
	struct record recs[500];
	for (size_t i = 0; i < 500; i++) {
		recs[i].key = (int)(next_random() % 100);
		memset(recs[i].payload, recs[i].key, sizeof(recs[i].payload));
	}
	iris_qsort(recs, 500, sizeof(recs[0]), cmp_record);
	for (size_t i = 0; i < 500; i++) {
		CHECK(i == 0 || recs[i - 1].key <= recs[i].key);
		CHECK(recs[i].payload[0] == recs[i].key && recs[i].payload[18] == recs[i].key);
	}
	unsigned char bytes[1000];
	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (unsigned char)next_random();
	iris_qsort(bytes, sizeof(bytes), 1, cmp_byte);
	for (size_t i = 1; i < sizeof(bytes); i++)
		CHECK(bytes[i - 1] <= bytes[i]);

	/* An inconsistent comparator must not make qsort leave the array (ASan watches). */
	for (size_t i = 0; i < 5000; i++)
		v[i] = (int)i;
	iris_qsort(v, 5000, sizeof(int), cmp_random);
	long sum = 0;
	for (size_t i = 0; i < 5000; i++)
		sum += v[i];
	CHECK(sum == 5000L * 4999 / 2); /* still a permutation */

	iris_qsort(NULL, 0, sizeof(int), cmp_int);
	CHECK(is_sorted(v, 0));
	free(v);
}

static void test_bsearch(void)
{
	int v[101];
	for (int i = 0; i < 101; i++)
		v[i] = 2 * i;
	for (int n = 0; n <= 101; n++) {
		for (int key = -1; key <= 203; key++) {
			int *hit = iris_bsearch(&key, v, (size_t)n, sizeof(int), cmp_int);
			if (key % 2 == 0 && key >= 0 && key / 2 < n)
				CHECK(hit == &v[key / 2]);
			else
				CHECK(hit == NULL);
		}
	}
}

static void test_misc(void)
{
	CHECK(iris_abs(-5) == 5 && iris_abs(5) == 5 && iris_abs(0) == 0);
	CHECK(iris_labs(-LONG_MAX) == LONG_MAX);
	CHECK(iris_llabs(-3LL) == 3);
	iris_div_t d = iris_div(-7, 2);
	CHECK(d.quot == -3 && d.rem == -1);

	int first[5];
	for (int i = 0; i < 5; i++) {
		first[i] = iris_rand();
		CHECK(first[i] >= 0 && first[i] <= 0x7fffffff);
	}
	iris_srand(1); /* the default seed */
	for (int i = 0; i < 5; i++)
		CHECK(iris_rand() == first[i]);
	iris_srand(2);
	CHECK(iris_rand() != first[0]);
	long high = 0;
	for (int i = 0; i < 1000; i++)
		high += iris_rand() > 0x3fffffff;
	CHECK(high > 400 && high < 600);

	CHECK(iris_getenv("HOME") == NULL); /* no environment yet */
	char *env[] = { "HOME=/root", "EMPTY=", "PATH=/bin:/sbin", "HOMEDIR=x", NULL };
	iris_environ = env;
	CHECK(strcmp(iris_getenv("HOME"), "/root") == 0);
	CHECK(strcmp(iris_getenv("EMPTY"), "") == 0);
	CHECK(strcmp(iris_getenv("PATH"), "/bin:/sbin") == 0);
	CHECK(iris_getenv("HOM") == NULL);
	CHECK(iris_getenv("HOME=") == NULL);
	CHECK(iris_getenv("") == NULL);
	CHECK(iris_getenv("NOPE") == NULL);
}

int main(void)
{
	test_strto();
	test_qsort();
	test_bsearch();
	test_misc();
	return check_done("libc_stdlib");
}
