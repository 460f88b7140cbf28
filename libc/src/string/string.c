/*
 * The mem* and str* functions of <string.h> (C locale) beyond the ones libc
 * shares with the kernel: memcmp, strlen, strnlen, strcmp, strncmp and strchr
 * come from common/src/string.c, built into libc.
 */
#include <stdint.h>
#include <string.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s || d >= s + n)
		return memcpy(dst, src, n);
	/* Overlapping with dst above src: copy backwards. */
	while (n > 0) {
		n--;
		d[n] = s[n];
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	for (size_t i = 0; i < n; i++)
		d[i] = (unsigned char)c;
	return dst;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == (unsigned char)c)
			return (void *)(p + i);
	}
	return NULL;
}

char *strcpy(char *restrict dst, const char *restrict src)
{
	stpcpy(dst, src);
	return dst;
}

/* Like strcpy, but returns a pointer to the terminating NUL it wrote. */
char *stpcpy(char *restrict dst, const char *restrict src)
{
	while ((*dst = *src++))
		dst++;
	return dst;
}

/* Copies at most n bytes of src, then pads with NULs up to n (no NUL if src is that long). */
char *strncpy(char *restrict dst, const char *restrict src, size_t n)
{
	size_t i = 0;
	for (; i < n && src[i]; i++)
		dst[i] = src[i];
	for (; i < n; i++)
		dst[i] = '\0';
	return dst;
}

char *strcat(char *restrict dst, const char *restrict src)
{
	stpcpy(dst + strlen(dst), src);
	return dst;
}

/* Appends at most n bytes of src, then always a NUL. */
char *strncat(char *restrict dst, const char *restrict src, size_t n)
{
	char *d = dst + strlen(dst);
	size_t i = 0;
	for (; i < n && src[i]; i++)
		d[i] = src[i];
	d[i] = '\0';
	return dst;
}

/* The C locale collates by byte value. */
int strcoll(const char *a, const char *b)
{
	return strcmp(a, b);
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;
	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

/* A plain scan: O(len(haystack) * len(needle)) in the worst case. */
char *strstr(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0)
		return (char *)haystack;
	for (; (haystack = strchr(haystack, *needle)); haystack++) {
		if (strncmp(haystack, needle, n) == 0)
			return (char *)haystack;
	}
	return NULL;
}

/* Marks the bytes of `set` in a 256-bit map. */
static void byteset_fill(uint64_t map[4], const char *set)
{
	map[0] = map[1] = map[2] = map[3] = 0;
	for (const unsigned char *p = (const unsigned char *)set; *p; p++)
		map[*p >> 6] |= 1ull << (*p & 63);
}

static int byteset_has(const uint64_t map[4], unsigned char c)
{
	return (map[c >> 6] >> (c & 63)) & 1;
}

size_t strspn(const char *s, const char *accept)
{
	uint64_t map[4];
	byteset_fill(map, accept);
	size_t n = 0;
	while (s[n] && byteset_has(map, (unsigned char)s[n]))
		n++;
	return n;
}

size_t strcspn(const char *s, const char *reject)
{
	uint64_t map[4];
	byteset_fill(map, reject);
	size_t n = 0;
	while (s[n] && !byteset_has(map, (unsigned char)s[n]))
		n++;
	return n;
}

char *strpbrk(const char *s, const char *accept)
{
	s += strcspn(s, accept);
	return *s ? (char *)s : NULL;
}

/*
 * Splits s at bytes of delim: returns the next token (NUL-terminated in
 * place) or NULL; *save holds the position between calls (s NULL: continue).
 */
char *strtok_r(char *restrict s, const char *restrict delim, char **restrict save)
{
	if (!s)
		s = *save;
	s += strspn(s, delim);
	if (!*s) {
		*save = s;
		return NULL;
	}
	char *end = s + strcspn(s, delim);
	if (*end)
		*end++ = '\0';
	*save = end;
	return s;
}

char *strtok(char *restrict s, const char *restrict delim)
{
	static char *save;
	return strtok_r(s, delim, &save);
}
