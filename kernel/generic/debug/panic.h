#pragma once

/*
 * Reports a broken kernel invariant and stops every CPU. Never call it for
 * anything user input or a device can cause: return an error instead.
 */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#define assert(cond)                                                                      \
	do {                                                                              \
		if (!(cond))                                                              \
			panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__); \
	} while (0)

#define static_assert _Static_assert

/*
 * The two halves of panic(), for fatal paths that print their own report
 * (the exception handler): panic_begin() makes this CPU the only one that
 * reports (a second CPU, or a fault inside the report, just halts);
 * panic_end() stops every other CPU, leaves QEMU when testing, and halts.
 */
void panic_begin(void);
__attribute__((noreturn)) void panic_end(void);

/* True once some CPU has begun to panic (the NMI handler then halts). */
int panic_in_progress(void);
