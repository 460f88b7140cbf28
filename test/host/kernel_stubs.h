/*
 * Host stand-ins for the kernel services the allocator sources use when a
 * host test #includes them: FAIL/CHECK, a spinlock that catches
 * self-deadlock, and a panic() a test can catch with setjmp (panic_catch).
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define FAIL(...)                                               \
	do {                                                    \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);                   \
		fputc('\n', stderr);                            \
		abort();                                        \
	} while (0)

#define CHECK(cond)                                      \
	do {                                             \
		if (!(cond))                             \
			FAIL("check failed: %s", #cond); \
	} while (0)

typedef struct spinlock {
	int locked;
} spinlock_t;

#define SPINLOCK_INIT \
	{             \
		0     \
	}

static bool spin_lock_irqsave(spinlock_t *l)
{
	if (l->locked)
		FAIL("spinlock taken twice");
	l->locked = 1;
	return false;
}

static void spin_unlock_irqrestore(spinlock_t *l, bool irq)
{
	(void)irq;
	CHECK(l->locked);
	l->locked = 0;
}

static jmp_buf *panic_catch;
static char panic_msg[1024];

__attribute__((noreturn, format(printf, 1, 2))) static void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(panic_msg, sizeof(panic_msg), fmt, ap);
	va_end(ap);
	if (panic_catch)
		longjmp(*panic_catch, 1);
	fprintf(stderr, "unexpected panic: %s\n", panic_msg);
	abort();
}

/* Runs stmt, which must panic (the message is then in panic_msg); FAILs if it returns. */
#define CATCH_PANIC(stmt)                                \
	do {                                             \
		jmp_buf jb;                              \
		panic_catch = &jb;                       \
		if (setjmp(jb) == 0) {                   \
			stmt;                            \
			panic_catch = NULL;              \
			FAIL("no panic from %s", #stmt); \
		}                                        \
		panic_catch = NULL;                      \
	} while (0)
