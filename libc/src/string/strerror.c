/* strerror: a message for each code of iris/abi/errno.h. */
#include <errno.h>
#include <string.h>

static const char *const messages[] = {
	[0] = "Success",
	[EPERM] = "Operation not permitted",
	[ENOENT] = "No such file, object or name",
	[ESRCH] = "No such process or thread",
	[EINTR] = "Interrupted",
	[EIO] = "Input/output error",
	[E2BIG] = "Argument list too long",
	[ENOEXEC] = "Exec format error",
	[EBADF] = "Bad handle or file descriptor",
	[ECHILD] = "Nothing to wait for",
	[EAGAIN] = "Resource temporarily unavailable",
	[ENOMEM] = "Out of memory",
	[EACCES] = "Permission denied",
	[EFAULT] = "Bad address",
	[EBUSY] = "Device or resource busy",
	[EEXIST] = "Already exists",
	[ENODEV] = "No such device",
	[ENOTTY] = "Not a terminal",
	[EINVAL] = "Invalid argument",
	[EMFILE] = "Too many open handles",
	[ENOSPC] = "No space left on device",
	[ESPIPE] = "Illegal seek",
	[EPIPE] = "Broken pipe (peer closed)",
	[EDOM] = "Numerical argument out of domain",
	[ERANGE] = "Numerical result out of range",
	[ENOSYS] = "Function not implemented",
	[EBADMSG] = "Bad message",
	[EMSGSIZE] = "Message too long",
	[ENOTSUP] = "Operation not supported",
	[ETIMEDOUT] = "Timed out",
	[ECANCELED] = "Operation canceled",
};

/* Returns the message; an unknown code gets "Unknown error N" in a buffer shared by all callers. */
char *strerror(int code)
{
	if (code >= 0 && (unsigned)code < sizeof(messages) / sizeof(messages[0]) && messages[code])
		return (char *)messages[code];

	static char unknown[32] = "Unknown error ";
	char digits[12];
	unsigned mag = code < 0 ? 0u - (unsigned)code : (unsigned)code;
	int n = 0;
	do {
		digits[n++] = (char)('0' + mag % 10);
		mag /= 10;
	} while (mag);
	char *p = unknown + sizeof("Unknown error ") - 1;
	if (code < 0)
		*p++ = '-';
	while (n)
		*p++ = digits[--n];
	*p = '\0';
	return unknown;
}
