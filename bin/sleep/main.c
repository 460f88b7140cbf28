/*
 * sleep: waits.
 *   sleep SECONDS    a whole number of seconds, or with a fraction (1.5)
 */
#include <iris/sys.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	char *end;
	unsigned long whole = argc == 2 ? strtoul(argv[1], &end, 10) : 0;
	uint64_t ns = 0;
	if (argc != 2 || end == argv[1] || whole > 100000000ul) {
		fprintf(stderr, "usage: sleep SECONDS\n");
		return 2;
	}
	ns = (uint64_t)whole * 1000000000ull;
	if (*end == '.') {
		uint64_t scale = 100000000ull;
		for (end++; *end >= '0' && *end <= '9' && scale; end++, scale /= 10)
			ns += (uint64_t)(*end - '0') * scale;
		while (*end >= '0' && *end <= '9')
			end++; /* finer than a nanosecond */
	}
	if (*end != '\0') {
		fprintf(stderr, "sleep: %s is not a number of seconds\n", argv[1]);
		return 2;
	}
	return sys_sleep(ns) < 0 ? 1 : 0;
}
