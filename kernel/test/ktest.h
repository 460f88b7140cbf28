/*
 * In-kernel self tests, run with `test=kernel` (or `test=kernel:PREFIX` for
 * the tests whose names start with PREFIX). Results go out as KTAP on the
 * kernel log, then the kernel leaves QEMU through isa-debug-exit.
 *
 *	KTEST(frame_alloc_free)
 *	{
 *		paddr_t p = frame_alloc();
 *		KT_ASSERT(t, p != 0);
 *		KT_EXPECT(t, (p & 0xfff) == 0);
 *		frame_free(p);
 *	}
 *
 * A test with nothing to check on this machine (no memory above 4 GiB, one
 * CPU) says so with ktest_skip() and returns: it is reported
 * `ok N name # SKIP reason`, which the harness counts as skipped, never as
 * passed.
 */
#pragma once

#include <stdbool.h>

struct ktest_ctx {
	const char *name;
	unsigned failures;
	char skip[96]; /* why the test checked nothing here; "" if it ran */
};

struct ktest {
	const char *name;
	void (*fn)(struct ktest_ctx *t);
};

#define KTEST(tname)                                                                 \
	static void ktest_fn_##tname(struct ktest_ctx *t);                           \
	__attribute__((used, section("ktests"),                                      \
	               aligned(8))) static const struct ktest ktest_desc_##tname = { \
		#tname, ktest_fn_##tname                                             \
	};                                                                           \
	static void ktest_fn_##tname(struct ktest_ctx *t)

void ktest_fail(struct ktest_ctx *t, const char *file, int line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/*
 * Marks the running test skipped, for the reason `fmt` formats; the caller
 * returns at once. A test that also recorded a failure is reported failed.
 */
void ktest_skip(struct ktest_ctx *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records a failure and carries on. */
#define KT_EXPECT(t, cond)                                                         \
	do {                                                                       \
		if (!(cond))                                                       \
			ktest_fail((t), __FILE__, __LINE__, "expected %s", #cond); \
	} while (0)

/* Records a failure and returns from the test. */
#define KT_ASSERT(t, cond)                                                          \
	do {                                                                        \
		if (!(cond)) {                                                      \
			ktest_fail((t), __FILE__, __LINE__, "assertion %s", #cond); \
			return;                                                     \
		}                                                                   \
	} while (0)

/* Runs every registered test whose name starts with `prefix`; true if all passed. */
bool ktest_run_all(const char *prefix);
