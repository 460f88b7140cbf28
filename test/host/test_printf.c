/* Host tests of the kernel's formatter, compared with the C library's printf. */
#include "check.h"
#include <common/printf.h>
#include <stdint.h>
#include <string.h>

#define SAME(...)                                                        \
	do {                                                             \
		char want[256], got[256];                                \
		int wn = snprintf(want, sizeof(want), __VA_ARGS__);      \
		int gn = fmt_snprintf(got, sizeof(got), __VA_ARGS__);    \
		CHECK(wn == gn);                                         \
		CHECK(strcmp(want, got) == 0);                           \
		if (strcmp(want, got) != 0)                              \
			printf("  want \"%s\" got \"%s\"\n", want, got); \
	} while (0)

int main(void)
{
	SAME("plain");
	SAME("%d %i %u", -5, 17, 4000000000u);
	SAME("%5d|%-5d|%05d|%+d|% d", 42, 42, 42, 42, 42);
	SAME("%x %X %#x %#X %o %#o", 255u, 255u, 255u, 255u, 8u, 8u);
	SAME("%lx %llu %zu %td %jd", 0xdeadbeefcafeul, 18446744073709551615ull, (size_t)99,
	     (ptrdiff_t)-3, (intmax_t)INT64_MIN);
	SAME("%hhu %hd %hhx", (unsigned char)44, (short)-7, (unsigned char)255);
	SAME("%.3d|%8.3d|%-8.3x|%.0d|", 7, 7, 10u, 0);
	SAME("%s|%10s|%-10s|%.2s|%*s|%-*s|", "abc", "abc", "abc", "abc", 6, "x", 6, "y");
	SAME("%c%c%3c|%-3c|", 'a', 'b', 'c', 'd');
	SAME("%p", (void *)0x1234);
	SAME("%%|%%");
	SAME("%*d|%-*d", -4, 1, 4, 2);
	SAME("%.*s", 3, "abcdef");
	SAME("%d", INT32_MIN);
	SAME("%ld", (long)INT64_MIN);

	/* Truncation: the return value is the full length; the buffer stays terminated. */
	char small[5];
	CHECK(fmt_snprintf(small, sizeof(small), "%s", "hello world") == 11);
	CHECK(strcmp(small, "hell") == 0);
	CHECK(fmt_snprintf(NULL, 0, "%d", 12345) == 5);

	/* Unknown conversions and a trailing '%' print as written and read no argument. */
	char buf[32];
	const char *unknown = "%q%d", *trailing = "end%";
	fmt_snprintf(buf, sizeof(buf), unknown, 5);
	CHECK(strcmp(buf, "%q5") == 0);
	fmt_snprintf(buf, sizeof(buf), trailing, 0);
	CHECK(strcmp(buf, "end") == 0);
	return check_done("printf");
}
