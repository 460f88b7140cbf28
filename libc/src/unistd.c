/*
 * The rest of <unistd.h> and <fcntl.h>: file descriptors 0, 1 and 2 are the
 * terminal (stdio/console.c), the process id.
 */
#include "console/client.h"
#include "internal.h"
#include <errno.h>
#include <fcntl.h>
#include <iris/console.h>
#include <iris/sys.h>
#include <stdarg.h>
#include <unistd.h>

ssize_t read(int fd, void *buf, size_t len)
{
	if (fd != STDIN_FILENO) {
		errno = EBADF;
		return -1;
	}
	long r = iris_console_read(buf, len,
	                           __atomic_load_n(&libc_stdin_read_flags, __ATOMIC_RELAXED));
	return libc_syscall_result(r == -ENOTTY ? 0 : r);
}

ssize_t write(int fd, const void *buf, size_t len)
{
	if (fd != STDOUT_FILENO && fd != STDERR_FILENO) {
		errno = EBADF;
		return -1;
	}
	return libc_syscall_result(libc_console_write(buf, len));
}

int isatty(int fd)
{
	if (fd < STDIN_FILENO || fd > STDERR_FILENO) {
		errno = EBADF;
		return 0;
	}
	if (!iris_console_present()) {
		errno = ENOTTY;
		return 0;
	}
	return 1;
}

int fcntl(int fd, int cmd, ...)
{
	if (fd < STDIN_FILENO || fd > STDERR_FILENO) {
		errno = EBADF;
		return -1;
	}
	bool nonblock = fd == STDIN_FILENO &&
	                __atomic_load_n(&libc_stdin_read_flags, __ATOMIC_RELAXED) != 0;
	if (cmd == F_GETFL)
		return (fd == STDIN_FILENO ? O_RDONLY : O_WRONLY) | (nonblock ? O_NONBLOCK : 0);
	if (cmd != F_SETFL) {
		errno = EINVAL;
		return -1;
	}
	va_list ap;
	va_start(ap, cmd);
	int flags = va_arg(ap, int);
	va_end(ap);
	/* Only stdin's reads can wait: O_NONBLOCK means nothing for 1 and 2, which refuse it. */
	if ((flags & O_NONBLOCK) && fd != STDIN_FILENO) {
		errno = EINVAL;
		return -1;
	}
	if (fd == STDIN_FILENO)
		__atomic_store_n(&libc_stdin_read_flags,
		                 flags & O_NONBLOCK ? CONSOLE_READ_NONBLOCK : 0, __ATOMIC_RELAXED);
	return 0;
}

pid_t getpid(void)
{
	return sys_process_self();
}
