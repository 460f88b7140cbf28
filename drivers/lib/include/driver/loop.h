/*
 * The event loop of a driver: one ring (iris/ringbuf.h, docs/rings.md) on
 * which every wait is an operation. A struct drv_loop_watch is one armed
 * operation — a poll on a handle (an IRQ, a channel) or a timer — and the
 * function to call when it completes. Watches are one-shot: the function
 * arms the watch again if it wants more. A driver is single-threaded: the
 * functions run one after the other on the thread that calls drv_loop_run.
 */
#pragma once

#include <iris/chan.h>
#include <stdbool.h>
#include <stdint.h>

struct drv;
struct drv_loop_watch;

/*
 * Called when the watch's operation completes with `result`: the ready
 * events of a poll, -ETIMEDOUT for a timer, -ECANCELED after drv_loop_cancel,
 * or another negative errno.
 */
typedef void (*drv_loop_fn)(struct drv *d, struct drv_loop_watch *w, int64_t result);

struct drv_loop_watch {
	drv_loop_fn fn;
	void *arg;              /* for fn */
	struct iris_chan *chan; /* drv_loop_chan: its consumer_sleeping flag is lowered before fn */
	bool armed;             /* its operation is in the ring: the watch must stay in memory */
};

static inline void drv_loop_watch_init(struct drv_loop_watch *w, drv_loop_fn fn, void *arg)
{
	w->fn = fn;
	w->arg = arg;
	w->chan = 0;
	w->armed = false;
}

/* Arms w to complete once `events` (IRIS_POLL_*) are ready on `handle`. 0, -EBUSY (armed), or
 * -errno. */
int drv_loop_poll(struct drv *d, struct drv_loop_watch *w, iris_handle_t handle, unsigned events);

/*
 * Arms w for a message (or the peer's end) on channel c: raises c's
 * consumer_sleeping flag (docs/channels.md) so that the peer notifies, then
 * polls for IN | HUP. The flag is lowered again before w->fn runs, which
 * should then drain the channel with the non-blocking calls and arm w again,
 * unless the result has HUP: the non-blocking calls never tell that the
 * peer is gone (they say -EAGAIN), and a poll armed again would complete at
 * once, over and over.
 */
int drv_loop_chan(struct drv *d, struct drv_loop_watch *w, struct iris_chan *c);

/* Arms w to complete (-ETIMEDOUT) `ns` nanoseconds from now. */
int drv_loop_timer(struct drv *d, struct drv_loop_watch *w, uint64_t ns);

/* Cancels w if it is armed: its fn still runs, with -ECANCELED (or its own result if it won the
 * race). */
void drv_loop_cancel(struct drv *d, struct drv_loop_watch *w);

/* Runs the loop: waits for completions and calls their watches, forever. Returns only on a ring
 * failure (-errno). */
int drv_loop_run(struct drv *d);
