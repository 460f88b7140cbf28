/*
 * Asynchronous system calls (seed 001's API, on the kernel's rings: see
 * docs/rings.md). A context is one ring: any system call goes in as a
 * struct async_cb, exactly as its synchronous form takes it, and comes back
 * as a struct async_event carrying what the synchronous call would return.
 *
 *     async_context_t ctx;
 *     struct async_cb cb = { .number = SYS_SLEEP, .args = { 1000000 } };
 *     struct async_cb *cbs[] = { &cb };
 *     struct async_event ev;
 *     async_setup(8, &ctx);
 *     async_submit(ctx, 1, cbs);
 *     async_getevents(ctx, 1, 1, &ev, NULL);   // ev.cbp == &cb, ev.res == 0
 *     async_destroy(ctx);
 *
 * Every function but async_trynow returns -1 and sets errno on failure.
 * Any number of threads may submit and reap on one context at once. A
 * struct async_cb must stay valid until its last event has been reaped (its
 * address is the event's cbp), and so must whatever its arguments point to
 * until the call completes.
 */
#pragma once

#include <stdint.h>
#include <time.h>

typedef struct async_context *async_context_t;

/* One system call to run: `number` (SYS_*) and its six arguments. */
struct async_cb {
	long number;
	long args[6];
	unsigned flags; /* ASYNC_CB_* */
};

/*
 * The next cb of the same async_submit starts only after this one succeeds
 * (result >= 0); if it fails, the rest of the chain completes -ECANCELED.
 * The last cb of a chain is the first one without the flag.
 */
#define ASYNC_CB_LINK (1u << 0)

/* A completion: the cb it belongs to and the call's result (negative: -errno). */
struct async_event {
	struct async_cb *cbp;
	int64_t res;
	unsigned flags; /* ASYNC_EVENT_* */
};

/* More events will follow for this cb (a multishot SYS_POLL, for instance). */
#define ASYNC_EVENT_MORE (1u << 0)

/*
 * Creates a context whose submission queue holds nr_events calls (rounded up
 * to a power of two, at most IRIS_RING_MAX_ENTRIES) and whose completion
 * queue holds twice that. Returns 0 and stores it in *ctx. EINVAL: nr_events
 * is 0 or too large; ENOMEM, EMFILE: no memory or no free handle.
 */
int async_setup(unsigned long nr_events, async_context_t *ctx);

/*
 * The same with a kernel thread polling the submission queue (SQPOLL):
 * async_submit then makes no system call while that thread is busy, and
 * async_check_events never needs one. It costs a CPU while busy and falls
 * asleep after about a millisecond of idleness.
 */
int async_setup_sqpoll(unsigned long nr_events, async_context_t *ctx);

/*
 * Queues the nr calls of cbps, in order, and lets the kernel take them.
 * Returns how many were queued: all of them, or fewer when the queues are
 * full — the kernel takes a call only when a completion slot is free for it,
 * so a context whose events are not reaped fills up. Queued calls the kernel
 * could not take yet stay queued and are taken by the next async_submit,
 * async_getevents or waiting async_check_events once events have been reaped.
 * Fails (-1) with EINVAL (nr < 0, unknown flags), EFAULT (a NULL cb), EAGAIN
 * (nothing could be queued), or the kernel's error.
 */
int async_submit(async_context_t ctx, long nr, struct async_cb *cbps[]);

/*
 * Reaps up to max_nr events into events[] without blocking in the kernel:
 * if min_nr are there it returns at once, entering the kernel not at all.
 * Otherwise it polls the completion queue — spinning briefly, then yielding
 * the CPU (SYS_YIELD) between looks, and handing the kernel any queued calls
 * it has not taken — until min_nr events have come or *timeout (relative;
 * NULL: no limit) has passed. Returns the number reaped (possibly fewer than
 * min_nr after a timeout). EINVAL: min_nr < 0, max_nr < min_nr, or a bad
 * timeout.
 */
int async_check_events(async_context_t ctx, long min_nr, long max_nr, struct async_event events[],
                       struct timespec *timeout);

/*
 * The same, but waits in the kernel (SYS_RING_ENTER with
 * IRIS_ENTER_GETEVENTS) for the events: the thread sleeps until min_nr
 * events have come or *timeout (NULL: no limit) has passed. Returns the
 * number reaped.
 */
int async_getevents(async_context_t ctx, long min_nr, long max_nr, struct async_event events[],
                    struct timespec *timeout);

/*
 * Destroys the context: calls still in flight are cancelled, events not
 * reaped are lost. No other thread may use it any more.
 */
int async_destroy(async_context_t ctx);

/*
 * Non-blocking I/O, emulated (seed 000): runs the call in cb if it can
 * complete at once, linked to a timeout of zero that cancels it otherwise.
 * Returns what the synchronous call would (>= 0, or a negative errno), or
 * -EAGAIN if the call would have blocked. cb->flags must be 0. Uses a ring
 * of its own (shared with poll()), so it needs no context; -ENOMEM or
 * -EMFILE if no ring could be made.
 */
long async_trynow(const struct async_cb *cb);
