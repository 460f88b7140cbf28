/*
 * select() over poll() (poll.h). Descriptors are Iris handles, which are
 * large sparse numbers (generation << 10 | slot), so an fd_set is not a
 * bitmap indexed by descriptor: it is a small set of up to FD_SETSIZE
 * handle values. Adding to a full set does nothing. Only handles below
 * nfds are looked at, as usual.
 */
#pragma once

#include <time.h>

#define FD_SETSIZE 128

typedef struct {
	unsigned count;
	int fds[FD_SETSIZE];
} fd_set;

typedef long suseconds_t;

struct timeval {
	time_t tv_sec;
	suseconds_t tv_usec;
};

static inline int __fd_find(const fd_set *set, int fd)
{
	for (unsigned i = 0; i < set->count; i++) {
		if (set->fds[i] == fd)
			return (int)i;
	}
	return -1;
}

static inline void __fd_add(int fd, fd_set *set)
{
	if (__fd_find(set, fd) < 0 && set->count < FD_SETSIZE)
		set->fds[set->count++] = fd;
}

static inline void __fd_remove(int fd, fd_set *set)
{
	int i = __fd_find(set, fd);
	if (i >= 0)
		set->fds[i] = set->fds[--set->count];
}

#define FD_ZERO(set)      ((void)((set)->count = 0))
#define FD_SET(fd, set)   __fd_add((fd), (set))
#define FD_CLR(fd, set)   __fd_remove((fd), (set))
#define FD_ISSET(fd, set) (__fd_find((set), (fd)) >= 0)

/*
 * Waits until a handle of readfds is readable (POLLIN or POLLHUP: an ended
 * process is readable), one of writefds writable, or one of exceptfds has
 * urgent data, or *timeout passes (NULL: no limit; rounded up to whole
 * milliseconds). Leaves in each set only its ready handles and returns how
 * many there are in all, 0 after a timeout, or -1 with errno: EBADF (a
 * handle that cannot be waited for), EINVAL (nfds < 0, a bad timeout), or
 * poll()'s errors.
 */
int select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds, struct timeval *timeout);
