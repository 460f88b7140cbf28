/*
 * The "reached" counter of a libFuzzer target: how often its deep checks ran
 * (an accepted ELF image whose segments were checked, a multiboot2 block that
 * bootinfo_check saw, ...). A fuzz run that never got past the parser's first
 * refusal checked nothing, so it must not pass.
 *
 * A target includes this header once, defines its floor before it,
 *
 *     #define FUZZ_REACHED_MIN 100
 *     #include "fuzz_reached.h"
 *
 * and calls fuzz_reached() each time its deep checks run. When the process
 * exits (libFuzzer calls exit() after -runs or -max_total_time), it prints
 * "NAME: deep checks reached N times" and exits 1 if N is below the floor.
 * FUZZ_REACHED_MIN=0 in the environment lifts the floor, for runs that
 * execute few or no inputs by design (one reproducer, -merge).
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef FUZZ_REACHED_MIN
#error "define FUZZ_REACHED_MIN before including fuzz_reached.h"
#endif

static unsigned long fuzz_reached_count;

static inline void fuzz_reached(void)
{
	fuzz_reached_count++;
}

static void fuzz_reached_report(void)
{
	extern char *__progname;
	const char *env = getenv("FUZZ_REACHED_MIN");
	unsigned long min = env ? strtoul(env, NULL, 10) : FUZZ_REACHED_MIN;

	fprintf(stderr, "%s: deep checks reached %lu times\n", __progname, fuzz_reached_count);
	if (fuzz_reached_count < min) {
		fprintf(stderr, "%s: fewer than %lu: the run did not reach what it checks\n",
		        __progname, min);
		fflush(stderr);
		_exit(1);
	}
}

__attribute__((constructor)) static void fuzz_reached_init(void)
{
	atexit(fuzz_reached_report);
}
