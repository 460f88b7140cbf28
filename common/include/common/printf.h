/*
 * printf-style formatting with no dependency on the kernel, so host tests
 * can check it. Supports %d %i %u %x %X %o %p %s %c %% with flags "-0 +#",
 * width, precision (also '*') and the length modifiers hh h l ll z t j.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

/* Formats into buf (always NUL-terminated when size > 0); returns the full length. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
__attribute__((format(printf, 3, 4))) int fmt_snprintf(char *buf, size_t size, const char *fmt,
                                                       ...);
