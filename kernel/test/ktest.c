/*
 * The in-kernel test runner: every KTEST() lands in the "ktests" section;
 * ktest_run_all() runs those whose name matches and prints KTAP.
 */
#include <common/printf.h>
#include <common/string.h>
#include <console/log.h>
#include <test/ktest.h>

extern const struct ktest __ktests_start[], __ktests_end[];

void ktest_fail(struct ktest_ctx *t, const char *file, int line, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("    # %s: %s:%d: %s\n", t->name, file, line, msg);
	t->failures++;
}

void ktest_skip(struct ktest_ctx *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(t->skip, sizeof(t->skip), fmt, ap);
	va_end(ap);
}

/*
 * Tests named exception_* end the kernel on purpose (the harness checks the
 * crash report), so only a prefix that names them runs them.
 */
static bool matches(const struct ktest *k, const char *prefix)
{
	if (strncmp(k->name, "exception_", 10) == 0 && strncmp(prefix, "exception_", 10) != 0)
		return false;
	return strncmp(k->name, prefix, strlen(prefix)) == 0;
}

bool ktest_run_all(const char *prefix)
{
	unsigned planned = 0, n = 0, failed = 0, skipped = 0;

	for (const struct ktest *k = __ktests_start; k < __ktests_end; k++)
		planned += matches(k, prefix);
	kprintf("KTAP version 1\n1..%u\n", planned);
	for (const struct ktest *k = __ktests_start; k < __ktests_end; k++) {
		if (!matches(k, prefix))
			continue;
		struct ktest_ctx ctx = { .name = k->name, .failures = 0, .skip = "" };
		k->fn(&ctx);
		n++;
		if (ctx.failures) {
			failed++;
			kprintf("not ok %u %s\n", n, k->name);
		} else if (ctx.skip[0]) {
			skipped++;
			kprintf("ok %u %s # SKIP %s\n", n, k->name, ctx.skip);
		} else {
			kprintf("ok %u %s\n", n, k->name);
		}
	}
	kprintf("# %u passed, %u failed, %u skipped\n", n - failed - skipped, failed, skipped);
	return failed == 0;
}
