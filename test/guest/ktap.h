/*
 * KTAP output for guest test programs: ktap_plan(n), then one ktap_check()
 * (or ktap_skip()) per test point, then ktap_done() as the exit status. The
 * QEMU harness reads the plan, so a point that never runs counts as a
 * failure, and a skipped one as skipped, never as passed.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int ktap_number, ktap_failed, ktap_skipped;

static inline void ktap_plan(int n)
{
	printf("KTAP version 1\n1..%d\n", n);
}

/* Reports one test point; returns `ok` so callers can stop early. */
__attribute__((format(printf, 2, 3))) static inline bool ktap_check(bool ok, const char *fmt, ...)
{
	va_list ap;
	printf("%s %d ", ok ? "ok" : "not ok", ++ktap_number);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	ktap_failed += !ok;
	return ok;
}

/*
 * Reports one test point that has nothing to check on this machine, for
 * `reason`: `ok N name # SKIP reason`.
 */
__attribute__((format(printf, 2, 3))) static inline void ktap_skip(const char *reason,
                                                                   const char *fmt, ...)
{
	va_list ap;
	printf("ok %d ", ++ktap_number);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", reason);
	ktap_skipped++;
}

static inline int ktap_done(void)
{
	printf("# %d passed, %d failed, %d skipped\n", ktap_number - ktap_failed - ktap_skipped,
	       ktap_failed, ktap_skipped);
	fflush(stdout);
	return ktap_failed ? 1 : 0;
}
