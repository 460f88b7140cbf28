/* The debug console behind stdout, stderr and write(1/2, ...): SYS_DEBUG_WRITE. */
#include "../internal.h"
#include <iris/sys.h>

long libc_console_write(const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;
	while (done < len) {
		long r = sys_debug_write(p + done, len - done);
		if (r < 0)
			return r;
		if (r == 0)
			return -EIO;
		done += (size_t)r;
	}
	return (long)len;
}
