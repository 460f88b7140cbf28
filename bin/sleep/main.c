/*
 * sleep: waits.
 *   sleep SECONDS    a whole number of seconds, or with a fraction (1.5)
 */
#include <args.h>
#include <iris/sys.h>
#include <stdio.h>
#include <stdlib.h>

#define USAGE       "sleep SECONDS   (a whole number, or with a fraction: 1.5)\n"
#define SECONDS_MAX 100000000ul

int main(int argc, char **argv)
{
	char *end;
	if (argc != 2 || argv[1][0] < '0' || argv[1][0] > '9')
		return args_usage(USAGE);
	unsigned long whole = strtoul(argv[1], &end, 10);
	uint64_t ns = 0;
	if (whole > SECONDS_MAX)
		return args_usage(USAGE);
	ns = (uint64_t)whole * 1000000000ull;
	if (*end == '.') {
		uint64_t scale = 100000000ull;
		for (end++; *end >= '0' && *end <= '9' && scale; end++, scale /= 10)
			ns += (uint64_t)(*end - '0') * scale;
		while (*end >= '0' && *end <= '9')
			end++; /* finer than a nanosecond */
	}
	if (*end != '\0')
		return args_usage(USAGE);
	return sys_sleep(ns) < 0 ? 1 : 0;
}
