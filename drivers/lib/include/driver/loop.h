/*
 * The event loop of a driver: one ring (iris/ringbuf.h, docs/rings.md) on
 * which every wait is an operation. A struct loop_watch is one armed
 * operation — a poll on a handle (an IRQ, a channel) or a timer — and the
 * function to call when it completes. Watches are one-shot: the function
 * arms the watch again if it wants more. A driver is single-threaded: the
 * functions run one after the other on the thread that calls loop_run.
 */
#pragma once

#include <iris/chan.h>
#include <stdbool.h>
#include <stdint.h>

struct driver;
struct loop_watch;

/*
 * Called when the watch's operation completes with `result`: the ready
 * events of a poll, -ETIMEDOUT for a timer, -ECANCELED after loop_cancel,
 * or another negative errno.
 */
typedef void (*loop_fn)(struct driver *d, struct loop_watch *w, int64_t result);

struct loop_watch {
	loop_fn fn;
	void *arg;              /* for fn */
	struct iris_chan *chan; /* loop_chan: its consumer_sleeping flag is lowered before fn */
	bool armed;             /* its operation is in the ring: the watch must stay in memory */
};

static inline void loop_watch_init(struct loop_watch *w, loop_fn fn, void *arg)
{
	w->fn = fn;
	w->arg = arg;
	w->chan = 0;
	w->armed = false;
}

/* Arms w to complete once `events` (IRIS_POLL_*) are ready on `handle`. 0, -EBUSY (armed), or
 * -errno. */
int loop_poll(struct driver *d, struct loop_watch *w, iris_handle_t handle, unsigned events);

/*
 * Arms w for a message (or the peer's end) on channel c: raises c's
 * consumer_sleeping flag (docs/channels.md) so that the peer notifies, then
 * polls for IN | HUP. The flag is lowered again before w->fn runs, which
 * should then drain the channel with the non-blocking calls and arm w again,
 * unless the result has HUP: the non-blocking calls never tell that the
 * peer is gone (they say -EAGAIN), and a poll armed again would complete at
 * once, over and over.
 */
int loop_chan(struct driver *d, struct loop_watch *w, struct iris_chan *c);

/* Arms w to complete (-ETIMEDOUT) `ns` nanoseconds from now. */
int loop_timer(struct driver *d, struct loop_watch *w, uint64_t ns);

/* Cancels w if it is armed: its fn still runs, with -ECANCELED (or its own result if it won the
 * race). */
void loop_cancel(struct driver *d, struct loop_watch *w);

/* Runs the loop: waits for completions and calls their watches, forever. Returns only on a ring
 * failure (-errno). */
int loop_run(struct driver *d);
