/* The strto* integer conversions and the ato* shorthands, with C's full rules. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>

/* Returns the value of digit character c in bases up to 36, or 36 if it is none. */
static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 36;
}

struct parsed {
	unsigned long long magnitude;
	bool negative;
	bool overflow; /* the magnitude exceeded the limit; `magnitude` is the limit */
};

/*
 * Parses [whitespace][+|-][0x|0X|0]digits in `base` (0: from the prefix,
 * else 2..36), capping the magnitude at pos_limit (no sign or '+') or
 * neg_limit ('-'). Sets *end after the last digit, or to s when there is no
 * number (then the magnitude is 0). An invalid base gives EINVAL.
 */
static struct parsed parse_integer(const char *s, char **end, int base,
                                   unsigned long long pos_limit, unsigned long long neg_limit)
{
	struct parsed r = { 0, false, false };
	const char *p = s;

	if (end)
		*end = (char *)s;
	if (base < 0 || base == 1 || base > 36) {
		errno = EINVAL;
		return r;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		r.negative = *p++ == '-';
	/* "0x" is a prefix only when a hex digit follows; else the number is the "0". */
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}

	unsigned long long limit = r.negative ? neg_limit : pos_limit;
	const char *digits = p;
	for (int d; (d = digit_value(*p)) < base; p++) {
		if (r.magnitude > (limit - (unsigned)d) / (unsigned)base)
			r.overflow = true;
		else
			r.magnitude = r.magnitude * (unsigned)base + (unsigned)d;
	}
	if (p == digits) {
		r.negative = false;
		return r;
	}
	if (end)
		*end = (char *)p;
	if (r.overflow) {
		r.magnitude = limit;
		errno = ERANGE;
	}
	return r;
}

long long strtoll(const char *restrict s, char **restrict end, int base)
{
	struct parsed r = parse_integer(s, end, base, LLONG_MAX, (unsigned long long)LLONG_MAX + 1);
	if (!r.negative)
		return (long long)r.magnitude;
	if (r.magnitude == (unsigned long long)LLONG_MAX + 1)
		return LLONG_MIN;
	return -(long long)r.magnitude;
}

/* A '-' negates in unsigned arithmetic ("-1" is ULLONG_MAX); overflow gives ULLONG_MAX. */
unsigned long long strtoull(const char *restrict s, char **restrict end, int base)
{
	struct parsed r = parse_integer(s, end, base, ULLONG_MAX, ULLONG_MAX);
	if (r.overflow)
		return ULLONG_MAX;
	return r.negative ? 0 - r.magnitude : r.magnitude;
}

long strtol(const char *restrict s, char **restrict end, int base)
{
	struct parsed r = parse_integer(s, end, base, LONG_MAX, (unsigned long)LONG_MAX + 1);
	if (!r.negative)
		return (long)r.magnitude;
	if (r.magnitude == (unsigned long)LONG_MAX + 1)
		return LONG_MIN;
	return -(long)r.magnitude;
}

unsigned long strtoul(const char *restrict s, char **restrict end, int base)
{
	struct parsed r = parse_integer(s, end, base, ULONG_MAX, ULONG_MAX);
	if (r.overflow)
		return ULONG_MAX;
	return r.negative ? 0 - (unsigned long)r.magnitude : (unsigned long)r.magnitude;
}

intmax_t strtoimax(const char *restrict s, char **restrict end, int base)
{
	return strtoll(s, end, base);
}

uintmax_t strtoumax(const char *restrict s, char **restrict end, int base)
{
	return strtoull(s, end, base);
}

/* Out-of-range values are undefined in C; these return the clamped strtol result. */
int atoi(const char *s)
{
	long v = strtol(s, NULL, 10);
	return v > INT_MAX ? INT_MAX : v < INT_MIN ? INT_MIN : (int)v;
}

long atol(const char *s)
{
	return strtol(s, NULL, 10);
}

long long atoll(const char *s)
{
	return strtoll(s, NULL, 10);
}
