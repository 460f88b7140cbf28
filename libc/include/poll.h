/*
 * poll(): readiness, emulated on the rings (docs/rings.md, "poll and
 * select"). There are no files yet: `fd` is an Iris handle (iris_handle_t),
 * or 0, 1 or 2 for the standard streams (no handle is that small); a
 * negative one is skipped. Processes and threads can be waited for (POLLIN |
 * POLLHUP once they have ended), channel endpoints (POLLIN: a message is
 * there; POLLOUT: room), stdin (POLLIN: a read would not wait; POLLHUP: the
 * terminal is gone), stdout and stderr (always POLLOUT); any other object
 * that becomes waitable later works without a change here.
 */
#pragma once

typedef unsigned long nfds_t;

struct pollfd {
	int fd;        /* an Iris handle (needs the READ right) */
	short events;  /* what to wait for: POLLIN, POLLOUT ... */
	short revents; /* what happened: a subset of events, or POLLHUP, POLLERR, POLLNVAL */
};

#define POLLIN     0x001 /* readable; a process or thread: it has ended */
#define POLLPRI    0x002 /* urgent data (nothing reports it yet) */
#define POLLOUT    0x004 /* writable */
#define POLLERR    0x008 /* the wait failed (always reported) */
#define POLLHUP    0x010 /* the peer or object is gone (always reported) */
#define POLLNVAL   0x020 /* not a handle that can be waited for (always reported) */
#define POLLRDNORM 0x040 /* the same as POLLIN */
#define POLLRDBAND 0x080 /* nothing reports it yet */
#define POLLWRNORM 0x100 /* the same as POLLOUT */
#define POLLWRBAND 0x200 /* nothing reports it yet */

/* The most handles one poll() takes (the size of a handle table). */
#define POLL_MAX_FDS 1024

/*
 * Waits until one of the handles in fds[0..n) is ready, or timeout_ms
 * milliseconds have passed (0: just look; negative: no limit). Fills each
 * revents and returns how many are non-zero, 0 after a timeout, or -1 with
 * errno: EINVAL (n > POLL_MAX_FDS), ENOMEM or EMFILE (no ring could be
 * made), or the kernel's error.
 */
int poll(struct pollfd *fds, nfds_t n, int timeout_ms);
