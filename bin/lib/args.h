/*
 * Command-line checks shared by the programs in bin/. A program that does
 * not understand its command line prints its usage on stderr and exits with
 * ARGS_USAGE; a number is taken only when it is whole and in range (never
 * clamped).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define ARGS_USAGE 2 /* the exit status for a command line a program does not understand */

/*
 * Parses all of `s` as an unsigned number, decimal or hex with 0x, of at
 * most `max`. Returns false, leaving *out as it was, when `s` is empty,
 * signed, has anything after the digits, or is larger than `max`.
 */
bool args_number(const char *s, uint64_t max, uint64_t *out);

/* Prints "usage: " and `usage` (one or more lines) on stderr; returns ARGS_USAGE. */
int args_usage(const char *usage);
