/*
 * The async_* API (async.h) on one ring per context (iris/ringbuf.h).
 *
 * Producers share the SQ under sq_lock, consumers the CQ under cq_lock, so
 * any number of threads may submit and reap at once. Neither lock is held
 * across a wait in the kernel: a thread blocked in async_getevents stops
 * nobody. Entering the kernel to let it take queued submissions needs no
 * lock either: the kernel takes only published entries, each once, and
 * to_submit is only an upper bound.
 */
#include "../internal.h"
#include <async.h>
#include <iris/ringbuf.h>
#include <iris/sys.h>
#include <stdlib.h>

#define NS_PER_SEC 1000000000L
/* Looks at an empty CQ before async_check_events gives the CPU away. */
#define SPINS_BEFORE_YIELD 64
/* No deadline. */
#define FOREVER INT64_MAX

struct async_context {
	struct iris_ringbuf rb;
	int sq_lock; /* rb.sq_tail and the SQ slots */
	int cq_lock; /* rb.cq_head */
};

static int fail(int error)
{
	errno = error;
	return -1;
}

static int setup(unsigned long nr_events, unsigned flags, async_context_t *ctx)
{
	if (nr_events == 0 || nr_events > IRIS_RING_MAX_ENTRIES)
		return fail(EINVAL);
	struct async_context *c = calloc(1, sizeof(*c));
	if (!c)
		return fail(ENOMEM);
	int r = iris_ringbuf_setup(&c->rb, (uint32_t)nr_events, 0, flags);
	if (r < 0) {
		free(c);
		return fail(-r);
	}
	*ctx = c;
	return 0;
}

int async_setup(unsigned long nr_events, async_context_t *ctx)
{
	return setup(nr_events, 0, ctx);
}

int async_setup_sqpoll(unsigned long nr_events, async_context_t *ctx)
{
	return setup(nr_events, IRIS_RING_SQPOLL, ctx);
}

int async_destroy(async_context_t ctx)
{
	if (!ctx)
		return fail(EINVAL);
	iris_ringbuf_destroy(&ctx->rb);
	free(ctx);
	return 0;
}

/* Checks every cb before anything is queued. Returns 0 or an errno. */
static int check_cbs(long nr, struct async_cb *cbps[])
{
	if (nr < 0)
		return EINVAL;
	for (long i = 0; i < nr; i++) {
		if (!cbps[i])
			return EFAULT;
		if (cbps[i]->flags & ~ASYNC_CB_LINK)
			return EINVAL;
	}
	return 0;
}

/* The submission for `cb`: a number outside 32 bits becomes one the kernel does not know. */
static struct iris_sqe sqe_of(struct async_cb *cb)
{
	struct iris_sqe sqe = {
		.nr = cb->number < 0 || cb->number > UINT32_MAX ? UINT32_MAX : (uint32_t)cb->number,
		.flags = cb->flags & ASYNC_CB_LINK ? IRIS_SQE_LINK : 0,
		.user_data = (uintptr_t)cb,
	};
	for (int i = 0; i < 6; i++)
		sqe.args[i] = (uint64_t)cb->args[i];
	return sqe;
}

/*
 * The SQ is full: lets the kernel take what it can (an SQPOLL ring's thread
 * is woken if asleep, and given the CPU once). Stores the kernel's error, if
 * any, in *error. Returns whether a slot is free now.
 */
static bool make_room(struct async_context *c, long *error)
{
	long r = iris_ringbuf_enter(&c->rb, 0, 0, 0);
	if (r >= 0 && (c->rb.flags & IRIS_RING_SQPOLL))
		r = sys_yield();
	if (r < 0)
		*error = r;
	return iris_ringbuf_sq_space(&c->rb) > 0;
}

/*
 * Pushes cbps[0..nr) in order, making room whenever the SQ is full, until
 * all are in or no room can be made (the kernel takes nothing while its CQ
 * is full). Called with sq_lock held. Returns how many were pushed.
 */
static long push_all(struct async_context *c, long nr, struct async_cb *cbps[], long *error)
{
	long pushed = 0;
	*error = 0;
	for (; pushed < nr; pushed++) {
		if (!iris_ringbuf_sq_space(&c->rb) && !make_room(c, error))
			break;
		struct iris_sqe sqe = sqe_of(cbps[pushed]);
		iris_ringbuf_push(&c->rb, &sqe);
	}
	return pushed;
}

int async_submit(async_context_t ctx, long nr, struct async_cb *cbps[])
{
	int bad = check_cbs(nr, cbps);
	if (bad)
		return fail(bad);
	libc_lock(&ctx->sq_lock);
	long error;
	long pushed = push_all(ctx, nr, cbps, &error);
	long taken = iris_ringbuf_enter(&ctx->rb, 0, 0, 0);
	libc_unlock(&ctx->sq_lock);
	if (!error && taken < 0)
		error = taken;
	if (pushed || !nr)
		return (int)pushed;
	return fail(error ? (int)-error : EAGAIN);
}

/* Moves up to `max` completions into events[] under cq_lock; returns how many. */
static long reap(struct async_context *c, long max, struct async_event events[])
{
	long n = 0;
	struct iris_cqe cqe;
	libc_lock(&c->cq_lock);
	while (n < max && iris_ringbuf_pop(&c->rb, &cqe)) {
		events[n++] = (struct async_event){
			.cbp = (struct async_cb *)(uintptr_t)cqe.user_data,
			.res = cqe.result,
			.flags = cqe.flags & IRIS_CQE_MORE ? ASYNC_EVENT_MORE : 0,
		};
	}
	libc_unlock(&c->cq_lock);
	return n;
}

static int64_t now_ns(void)
{
	return sys_clock_get(IRIS_CLOCK_MONOTONIC);
}

/*
 * The monotonic deadline `timeout` from now (FOREVER for NULL or past
 * INT64_MAX) in *deadline. Returns 0, or EINVAL for a malformed timespec.
 */
static int deadline_of(const struct timespec *timeout, int64_t *deadline)
{
	*deadline = FOREVER;
	if (!timeout)
		return 0;
	if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= NS_PER_SEC)
		return EINVAL;
	int64_t now = now_ns();
	if (timeout->tv_sec < (FOREVER - now - timeout->tv_nsec) / NS_PER_SEC)
		*deadline = now + timeout->tv_sec * NS_PER_SEC + timeout->tv_nsec;
	return 0;
}

/* Whether `deadline` has passed (never for FOREVER, which needs no clock). */
static bool past(int64_t deadline)
{
	return deadline != FOREVER && now_ns() >= deadline;
}

static int check_counts(long min_nr, long max_nr)
{
	return min_nr < 0 || max_nr < min_nr ? EINVAL : 0;
}

/*
 * Published submissions the kernel has not taken, for SYS_RING_ENTER's
 * to_submit. Read from the header, so callers need not hold sq_lock (the
 * kernel takes only what is published; this is just an upper bound). An
 * SQPOLL ring's thread takes them itself: 0.
 */
static uint32_t to_submit(const struct iris_ringbuf *rb)
{
	if (rb->flags & IRIS_RING_SQPOLL)
		return 0;
	uint32_t tail = __atomic_load_n(&rb->hdr->sq_tail, __ATOMIC_ACQUIRE);
	uint32_t pending = tail - __atomic_load_n(&rb->hdr->sq_head, __ATOMIC_ACQUIRE);
	return pending > rb->sq_entries ? rb->sq_entries : pending;
}

/* Lets the kernel take queued submissions, without waiting. */
static void flush(struct async_context *c)
{
	uint32_t n = to_submit(&c->rb);
	if (n)
		sys_ring_enter(c->rb.ring, n, 0, 0, 0);
}

int async_check_events(async_context_t ctx, long min_nr, long max_nr, struct async_event events[],
                       struct timespec *timeout)
{
	int64_t deadline;
	int bad = check_counts(min_nr, max_nr);
	if (bad || (bad = deadline_of(timeout, &deadline)))
		return fail(bad);
	long got = reap(ctx, max_nr, events);
	for (unsigned spins = 0; got < min_nr; spins++) {
		if (spins < SPINS_BEFORE_YIELD) {
			__builtin_ia32_pause();
		} else {
			if (past(deadline))
				break;
			flush(ctx);
			sys_yield();
			spins = 0;
		}
		got += reap(ctx, max_nr - got, events + got);
	}
	return (int)got;
}

/*
 * One wait in the kernel for `want` more completions, until `deadline`,
 * handing it queued submissions on the way. Returns 0, or a negative errno
 * other than a timeout.
 */
static long wait_kernel(struct async_context *c, long want, int64_t deadline)
{
	uint64_t timeout_ns = 0;
	if (deadline != FOREVER) {
		int64_t left = deadline - now_ns();
		timeout_ns = left > 0 ? (uint64_t)left : 1;
	}
	uint32_t min = want > c->rb.cq_entries ? c->rb.cq_entries : (uint32_t)want;
	long r = sys_ring_enter(c->rb.ring, to_submit(&c->rb), min, IRIS_ENTER_GETEVENTS,
	                        timeout_ns);
	return r == -ETIMEDOUT || r >= 0 ? 0 : r;
}

int async_getevents(async_context_t ctx, long min_nr, long max_nr, struct async_event events[],
                    struct timespec *timeout)
{
	int64_t deadline;
	int bad = check_counts(min_nr, max_nr);
	if (bad || (bad = deadline_of(timeout, &deadline)))
		return fail(bad);
	long got = reap(ctx, max_nr, events);
	while (got < min_nr) {
		long r = wait_kernel(ctx, min_nr - got, deadline);
		got += reap(ctx, max_nr - got, events + got);
		if (r < 0)
			return got ? (int)got : fail((int)-r);
		if (past(deadline))
			break;
	}
	return (int)got;
}
