/* The rest of <unistd.h>: write to the console, the process id. */
#include "internal.h"
#include <errno.h>
#include <iris/sys.h>
#include <unistd.h>

ssize_t write(int fd, const void *buf, size_t len)
{
	if (fd != STDOUT_FILENO && fd != STDERR_FILENO) {
		errno = EBADF;
		return -1;
	}
	return libc_syscall_result(libc_console_write(buf, len));
}

pid_t getpid(void)
{
	return sys_process_self();
}
