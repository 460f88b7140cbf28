/*
 * A minimal <fcntl.h>: there are no files yet, only the standard streams
 * (descriptors 0, 1 and 2, unistd.h). fcntl takes F_GETFL and F_SETFL; the
 * only status flag that can change is O_NONBLOCK on stdin (a read then
 * fails with EAGAIN instead of waiting for input).
 */
#pragma once

#define O_RDONLY   0x0000
#define O_WRONLY   0x0001
#define O_RDWR     0x0002
#define O_ACCMODE  0x0003
#define O_NONBLOCK 0x0800

#define F_GETFL 3 /* () -> the access mode and status flags */
#define F_SETFL 4 /* (int flags) -> 0: sets or clears O_NONBLOCK; other bits are ignored */

/* F_GETFL or F_SETFL on descriptor 0, 1 or 2; -1 with errno EBADF or EINVAL otherwise. */
int fcntl(int fd, int cmd, ...);
