/*
 * The kernel command line: space-separated words, each `key` or `key=value`.
 * Known options: loglevel=0..4 (or error/warn/info/debug) and test=NAME,
 * which the kernel reads, and run=PROGRAMS, which init reads (servers/init).
 * The kernel warns about any other word (cmdline_next_unknown).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * Looks up `key` in `cmdline`. Returns true if present and copies its value
 * ("" for a bare key) into val[len], truncating. The last occurrence wins.
 */
bool cmdline_get(const char *cmdline, const char *key, char *val, size_t len);

/* Parses a loglevel value; returns the level 0..4, or -1 if it is not one. */
int cmdline_parse_loglevel(const char *val);

/* Appends " extra" to cmdline[size] if it fits; returns false (unchanged) if not. */
bool cmdline_append(char *cmdline, size_t size, const char *extra);

/*
 * The first word at or after `p` whose key (the part before any '=') is not
 * a known option, and its length in *len; NULL when there is none. Calling
 * it again from the word's end finds the next one.
 */
const char *cmdline_next_unknown(const char *p, size_t *len);
