/*
 * The printf family, on the formatter the kernel uses too (fmt_vsnprintf,
 * common/src/printf.c): one formatter for the whole tree.
 */
#include "../internal.h"
#include "file.h"
#include <common/printf.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
{
	return fmt_vsnprintf(buf, size, fmt, ap);
}

/* The caller promises room for everything; the int result cannot describe more than INT_MAX. */
int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
{
	return fmt_vsnprintf(buf, (size_t)INT_MAX + 1, fmt, ap);
}

/*
 * Formats into a stack buffer, or a malloc'd one when the text is longer,
 * then writes it with one locked write, so concurrent printfs do not
 * interleave. Returns the length, or -1 (errno set) on failure.
 */
int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	char small[256];
	char *text = small;
	va_list again;

	va_copy(again, ap);
	int n = fmt_vsnprintf(small, sizeof(small), fmt, ap);
	if ((size_t)n >= sizeof(small)) {
		text = malloc((size_t)n + 1);
		if (text)
			fmt_vsnprintf(text, (size_t)n + 1, fmt, again);
	}
	va_end(again);
	if (!text) {
		libc_lock(&f->lock);
		f->flags |= FILE_ERROR;
		libc_unlock(&f->lock);
		errno = ENOMEM;
		return -1;
	}

	libc_lock(&f->lock);
	int r = file_write_locked(f, text, (size_t)n);
	libc_unlock(&f->lock);
	if (text != small)
		free(text);
	return r ? -1 : n;
}

int vprintf(const char *restrict fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

int printf(const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}

int fprintf(FILE *restrict f, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int sprintf(char *restrict buf, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsprintf(buf, fmt, ap);
	va_end(ap);
	return n;
}

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
