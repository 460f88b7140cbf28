/*
 * The kernel services the channel library (chan.c) uses, behind functions of
 * their own so that host tests (test/host/test_chan.c) can compile chan.c
 * natively and supply a fake kernel. On Iris, chan_sys.c implements them with
 * the system calls. Each returns what the system call would: a result >= 0,
 * or a negative errno.
 */
#pragma once

#include <iris/abi/channel.h>
#include <iris/abi/handle.h>
#include <stddef.h>
#include <stdint.h>

/* SYS_CHANNEL_CREATE: the side-0 endpoint handle; *info with info->peer set. */
long libc_chan_create(uint32_t slots, struct iris_channel_info *info);

/* SYS_CHANNEL_INFO. */
long libc_chan_info(iris_handle_t endpoint, struct iris_channel_info *info);

/* Maps `size` bytes of the endpoint's channel memory, read-write, into *addr: 0 or -errno. */
long libc_chan_map(iris_handle_t endpoint, size_t size, void **addr);

/* Unmaps what libc_chan_map mapped. */
void libc_chan_unmap(void *addr, size_t size);

/* Closes a handle (an endpoint, or one that came over the channel). */
void libc_chan_close(iris_handle_t handle);

/* SYS_CHANNEL_NOTIFY: tells the peer about IRIS_POLL_IN (data) or IRIS_POLL_OUT (space). */
long libc_chan_notify(iris_handle_t endpoint, unsigned events);

/*
 * Waits until one of `events` (IRIS_POLL_*) is ready on the endpoint and
 * returns the ready ones, or -ETIMEDOUT after timeout_ns (> 0; negative: no
 * limit). The kernel works out IN and OUT from the shared indices when the
 * wait starts and again at every SYS_CHANNEL_NOTIFY from the peer.
 */
long libc_chan_wait(iris_handle_t endpoint, unsigned events, int64_t timeout_ns);

/* SYS_CHANNEL_SEND_HANDLE and SYS_CHANNEL_RECV_HANDLE. */
long libc_chan_send_handle(iris_handle_t endpoint, iris_handle_t handle, uint32_t rights);
long libc_chan_recv_handle(iris_handle_t endpoint);

/* The monotonic clock in nanoseconds. */
int64_t libc_chan_clock(void);
