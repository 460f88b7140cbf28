/* Command-line checks shared by the programs in bin/ (args.h). */
#include "args.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

bool args_number(const char *s, uint64_t max, uint64_t *out)
{
	if (!s || *s < '0' || *s > '9')
		return false; /* strtoull would also take spaces and a sign */
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (*end != '\0' || errno == ERANGE || v > max)
		return false;
	*out = v;
	return true;
}

int args_usage(const char *usage)
{
	fprintf(stderr, "usage: %s", usage);
	return ARGS_USAGE;
}
