/* <strings.h>: ASCII case-insensitive comparisons. */
#include <ctype.h>
#include <strings.h>

int strcasecmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
	for (;; x++, y++) {
		int cx = tolower(*x), cy = tolower(*y);
		if (cx != cy || !cx)
			return cx - cy;
	}
}

int strncasecmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
	for (; n; n--, x++, y++) {
		int cx = tolower(*x), cy = tolower(*y);
		if (cx != cy || !cx)
			return cx - cy;
	}
	return 0;
}
