#include <common/printf.h>
#include <common/string.h>
#include <test/ktest.h>

KTEST(printf_formats)
{
	char buf[64];

	fmt_snprintf(buf, sizeof(buf), "%d|%5u|%-4x|%#lx|%s", -42, 7u, 0xabu, 0x1000ul, "ok");
	KT_EXPECT(t, strcmp(buf, "-42|    7|ab  |0x1000|ok") == 0);
	int n = fmt_snprintf(buf, 4, "%s", "truncated");
	KT_EXPECT(t, n == 9 && strcmp(buf, "tru") == 0);
}
