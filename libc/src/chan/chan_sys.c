/*
 * The kernel services of the channel library (chan_sys.h) as Iris system
 * calls. A wait without a time limit is one blocking SYS_POLL; one with a
 * limit is poll(), which pairs a SYS_POLL with a SYS_TIMEOUT on a ring.
 */
#include "chan_sys.h"
#include <errno.h>
#include <iris/sys.h>
#include <limits.h>
#include <poll.h>

#define NS_PER_MS 1000000

long libc_chan_create(uint32_t slots, struct iris_channel_info *info)
{
	return sys_channel_create(slots, info);
}

long libc_chan_info(iris_handle_t endpoint, struct iris_channel_info *info)
{
	return sys_channel_info(endpoint, info);
}

long libc_chan_map(iris_handle_t endpoint, size_t size, void **addr)
{
	long r = sys_map(NULL, size, IRIS_PROT_READ | IRIS_PROT_WRITE, 0, endpoint, 0);
	if (r >= 0)
		*addr = (void *)r;
	return r < 0 ? r : 0;
}

void libc_chan_unmap(void *addr, size_t size)
{
	sys_unmap(addr, size);
}

void libc_chan_close(iris_handle_t handle)
{
	sys_handle_close(handle);
}

long libc_chan_notify(iris_handle_t endpoint, unsigned events)
{
	return sys_channel_notify(endpoint, events);
}

long libc_chan_wait(iris_handle_t endpoint, unsigned events, int64_t timeout_ns)
{
	if (timeout_ns < 0)
		return sys_poll(endpoint, events, 0);
	/* poll() counts whole milliseconds: round up, so that it never returns early. */
	int64_t ms = timeout_ns / NS_PER_MS + (timeout_ns % NS_PER_MS != 0);
	struct pollfd p = {
		.fd = endpoint,
		.events = (short)((events & IRIS_POLL_IN ? POLLIN : 0) |
		                  (events & IRIS_POLL_OUT ? POLLOUT : 0)),
	};
	int n = poll(&p, 1, ms > INT_MAX ? INT_MAX : (int)ms);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	if (p.revents & POLLNVAL)
		return -EBADF;
	if (p.revents & POLLERR)
		return -EIO;
	return (p.revents & POLLIN ? IRIS_POLL_IN : 0) | (p.revents & POLLOUT ? IRIS_POLL_OUT : 0) |
	       (p.revents & POLLHUP ? IRIS_POLL_HUP : 0);
}

long libc_chan_send_handle(iris_handle_t endpoint, iris_handle_t handle, uint32_t rights)
{
	return sys_channel_send_handle(endpoint, handle, rights);
}

long libc_chan_recv_handle(iris_handle_t endpoint)
{
	return sys_channel_recv_handle(endpoint);
}

int64_t libc_chan_clock(void)
{
	return sys_clock_get(IRIS_CLOCK_MONOTONIC);
}
