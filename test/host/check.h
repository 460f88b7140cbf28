/*
 * A minimal check library for host unit tests: CHECK() prints "not ok" with
 * the expression and location, and check_done() sets the exit status.
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                \
	do {                                                                       \
		check_count++;                                                     \
		if (!(cond)) {                                                     \
			check_failures++;                                          \
			printf("not ok - %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                  \
	} while (0)

static inline int check_done(const char *name)
{
	printf("%s %s: %d checks, %d failed\n", check_failures ? "not ok" : "ok", name, check_count,
	       check_failures);
	return check_failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
