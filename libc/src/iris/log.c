/* Formatted messages to the kernel log at a level (iris/log.h). */
#include <iris/log.h>
#include <iris/sys.h>
#include <stdio.h>
#include <string.h>

long iris_vlog(unsigned level, const char *fmt, va_list ap)
{
	char msg[IRIS_LOG_MESSAGE_MAX];
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return n;
	size_t len = (size_t)n;
	size_t fmt_len = strlen(fmt);
	if (len >= sizeof(msg)) {
		len = sizeof(msg) - 1;
		if (fmt_len > 0 && fmt[fmt_len - 1] == '\n')
			msg[len - 1] = '\n';
	}
	return sys_debug_write_level(msg, len, level);
}

long iris_log(unsigned level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	long r = iris_vlog(level, fmt, ap);
	va_end(ap);
	return r;
}
