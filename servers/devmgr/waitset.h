/*
 * devmgr's one place to sleep: a ring (iris/ringbuf.h, docs/rings.md) with
 * one SYS_POLL in flight per watched handle — the driver processes, their
 * control channels, the management service's channels — and the time of
 * the next heartbeat or restart as the wait's timeout.
 *
 * A poll stays in flight across waits until it completes; a completion
 * adds its events to the waiter's `seen`, and the poll is submitted again
 * at the next wait unless HUP was seen (the object cannot change any more:
 * its owner removes it). A channel's consumer_sleeping flag is raised for
 * the length of each wait (docs/channels.md, "Sleeping and waking"), so its
 * peer notifies only then; a message that arrived before the flag went up
 * makes the wait return at once. One thread only.
 */
#pragma once

#include <iris/chan.h>
#include <stdint.h>

#define WAITSET_MAX 96 /* waiters at once */

struct waiter {
	iris_handle_t handle;
	struct iris_chan *chan; /* when the handle is a channel endpoint: its library side */
	uint32_t events;        /* IRIS_POLL_* to wait for (HUP is always reported) */
	uint32_t seen;          /* IRIS_POLL_* reported so far; the owner may clear IN */
	uint32_t slot;          /* 1 + the index in the set; 0 when not in it */
	uint32_t tag;           /* of the SYS_POLL in flight; 0 when none */
};

/* Makes the ring. 0 or a negative errno. */
int waitset_init(void);

/*
 * Watches `handle` for `events` (chan: the opened channel when it is an
 * endpoint, else NULL). 0, or -ENOSPC when the set is full.
 */
int waitset_add(struct waiter *w, iris_handle_t handle, struct iris_chan *chan, uint32_t events);

/* Stops watching (a poll in flight is cancelled). The handle may be closed afterwards. */
void waitset_remove(struct waiter *w);

/*
 * Waits until some watched handle reports an event, a watched channel has
 * a message, or the monotonic clock reaches `deadline` (INT64_MAX: no
 * limit; a deadline in the past does not wait). 0 or a negative errno from
 * the ring.
 */
int waitset_wait(int64_t deadline);

/* The monotonic clock in nanoseconds. */
int64_t waitset_now(void);
