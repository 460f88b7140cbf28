/*
 * What the standard streams and file descriptors 0..2 are connected to: the
 * terminal when the process has one (iris/console.h), else stdout
 * and stderr go to the kernel log (SYS_DEBUG_WRITE) and stdin is at its end.
 * Output whose terminal has gone away goes to the kernel log too, so that
 * a program's last words are not lost.
 */
#include "../console/client.h"
#include "../internal.h"
#include "file.h"
#include <iris/console.h>
#include <iris/sys.h>

static long debug_write(const void *buf, size_t len)
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

long libc_console_write(const void *buf, size_t len)
{
	long r = iris_console_write(buf, len);
	return r == -ENOTTY || r == -EPIPE ? debug_write(buf, len) : r;
}

/* stdin's source: the terminal (non-blocking as fcntl set it), or the end of input. */
static long stdin_read(void *buf, size_t len)
{
	long r = iris_console_read(buf, len,
	                           __atomic_load_n(&libc_stdin_read_flags, __ATOMIC_RELAXED));
	return r == -ENOTTY ? 0 : r;
}

/* Runs before main (this file is linked whenever stdio is: stdout writes through it). */
__attribute__((constructor)) static void stdin_attach(void)
{
	stdin->source = stdin_read;
}
