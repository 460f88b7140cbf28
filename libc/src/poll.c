/*
 * Readiness and non-blocking calls emulated on rings (docs/rings.md, "poll
 * and select"): poll(), select() and async_trynow().
 *
 * poll() turns each handle into a SYS_POLL submission (its user_data is the
 * handle's index in fds), adds a SYS_TIMEOUT for a positive timeout, and
 * waits in the kernel for the first completion. Then it cancels every
 * operation (SYS_CANCEL: those already done answer -ENOENT) and waits for
 * all of them, so the ring is empty again when it returns; a readiness that
 * races the cancel is still reported. A zero timeout instead links each
 * SYS_POLL to a SYS_LINK_TIMEOUT of 0: ready now, or cancelled at once.
 * async_trynow() does the same to any one call.
 *
 * The rings come from a pool: a caller takes one for the length of the call
 * and gives it back, so threads never share a ring (there is no
 * thread-local storage yet) and rings are only made while all are in use.
 * A ring whose use failed half-way is destroyed, not given back.
 *
 * Descriptors 0, 1 and 2 are the standard streams (no handle is that small:
 * a handle's generation, at least 1, sits above its 10 slot bits). 1 and 2
 * are always writable (a write waits only for the terminal to draw). stdin
 * is readable without a terminal (at its end); with one, console/client.c
 * keeps a WAIT request outstanding and hands over the terminal's channel
 * endpoint, which poll() waits on with the other handles; a wake-up that was
 * not stdin's answer (another reply) makes it wait again for what is left
 * of the timeout.
 */
#include "console/client.h"
#include "internal.h"
#include <async.h>
#include <iris/ringbuf.h>
#include <iris/sys.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/select.h>
#include <unistd.h>

#define NS_PER_MS 1000000L
/* The smallest ring made: enough for poll() on a few handles. */
#define MIN_RING_ENTRIES 16
/* user_data beyond any index into fds: the timeout, and entries whose results do not matter. */
#define TAG_TIMER UINT64_MAX
#define TAG_AUX   (UINT64_MAX - 1)
#define TAG_CALL  0

struct pool_ring {
	struct pool_ring *next;
	struct iris_ringbuf rb;
};

static int pool_lock;
static struct pool_ring *pool;

/*
 * Takes a ring of at least `entries` SQ and CQ entries from the pool, or
 * makes one. Returns 0 and the ring in *out, or a negative errno.
 */
static int ring_get(uint32_t entries, struct pool_ring **out)
{
	libc_lock(&pool_lock);
	struct pool_ring **p = &pool;
	while (*p && (*p)->rb.sq_entries < entries)
		p = &(*p)->next;
	struct pool_ring *pr = *p;
	if (pr)
		*p = pr->next;
	libc_unlock(&pool_lock);
	if (!pr) {
		pr = malloc(sizeof(*pr));
		if (!pr)
			return -ENOMEM;
		uint32_t size = entries < MIN_RING_ENTRIES ? MIN_RING_ENTRIES : entries;
		int r = iris_ringbuf_setup(&pr->rb, size, size, 0);
		if (r < 0) {
			free(pr);
			return r;
		}
	}
	*out = pr;
	return 0;
}

/* Gives a ring back to the pool when `clean` (nothing in flight, CQ empty), else destroys it. */
static void ring_put(struct pool_ring *pr, bool clean)
{
	if (!clean) {
		iris_ringbuf_destroy(&pr->rb);
		free(pr);
		return;
	}
	libc_lock(&pool_lock);
	pr->next = pool;
	pool = pr;
	libc_unlock(&pool_lock);
}

/* Queues one submission: callers size the ring so that it always fits. */
static void push(struct iris_ringbuf *rb, uint32_t nr, uint32_t flags, uint64_t user_data,
                 uint64_t arg0, uint64_t arg1)
{
	struct iris_sqe sqe = {
		.nr = nr, .flags = flags, .user_data = user_data, .args = { arg0, arg1 }
	};
	iris_ringbuf_push(rb, &sqe);
}

typedef void (*apply_fn)(void *arg, const struct iris_cqe *cqe);

/* Takes up to `max` completions, handing each to apply(arg, cqe). Returns how many. */
static uint32_t reap(struct iris_ringbuf *rb, uint32_t max, apply_fn apply, void *arg)
{
	uint32_t n = 0;
	struct iris_cqe cqe;
	while (n < max && iris_ringbuf_pop(rb, &cqe)) {
		apply(arg, &cqe);
		n++;
	}
	return n;
}

/*
 * Submits what is queued and waits until `outstanding` completions have
 * come, handing each to apply(arg, cqe). Returns 0 or a negative errno.
 */
static long drain(struct iris_ringbuf *rb, uint32_t outstanding, apply_fn apply, void *arg)
{
	while (outstanding) {
		uint32_t want = outstanding < rb->cq_entries ? outstanding : rb->cq_entries;
		long r = iris_ringbuf_enter(rb, want, IRIS_ENTER_GETEVENTS, 0);
		if (r < 0)
			return r;
		outstanding -= reap(rb, outstanding, apply, arg);
	}
	return 0;
}

struct poll_set {
	struct pollfd *fds;
	nfds_t n;
	iris_handle_t terminal; /* what stdin waits on, or IRIS_HANDLE_INVALID: nothing */
};

static bool is_stdio(int fd)
{
	return fd >= STDIN_FILENO && fd <= STDERR_FILENO;
}

static bool wants_input(const struct pollfd *p)
{
	return p->fd == STDIN_FILENO && (p->events & (POLLIN | POLLRDNORM));
}

/* The handle entry i waits on in the kernel, or -1: none. */
static int handle_of(const struct poll_set *set, nfds_t i)
{
	const struct pollfd *p = &set->fds[i];
	if (!is_stdio(p->fd))
		return p->fd;
	return wants_input(p) ? set->terminal : -1;
}

/* The IRIS_POLL_* events to ask for: HUP always, as POSIX reports it unasked. */
static unsigned iris_events(short events)
{
	unsigned e = IRIS_POLL_HUP;
	if (events & (POLLIN | POLLRDNORM))
		e |= IRIS_POLL_IN;
	if (events & (POLLOUT | POLLWRNORM))
		e |= IRIS_POLL_OUT;
	return e;
}

/* revents for a SYS_POLL result: the events ready, or the error as POLLNVAL or POLLERR. */
static short revents_of(int64_t result, short events)
{
	if (result == -ECANCELED)
		return 0;
	if (result == -EBADF)
		return POLLNVAL;
	if (result < 0)
		return POLLERR;
	short r = 0;
	if (result & IRIS_POLL_IN)
		r |= events & (POLLIN | POLLRDNORM);
	if (result & IRIS_POLL_OUT)
		r |= events & (POLLOUT | POLLWRNORM);
	if (result & IRIS_POLL_HUP)
		r |= POLLHUP;
	return r;
}

static void apply_poll(void *arg, const struct iris_cqe *cqe)
{
	struct poll_set *set = arg;
	if (cqe->user_data >= set->n)
		return;
	struct pollfd *p = &set->fds[cqe->user_data];
	p->revents |= revents_of(cqe->result, p->events);
}

/* Timeout 0: each SYS_POLL linked to a SYS_LINK_TIMEOUT of 0. */
static long poll_now(struct iris_ringbuf *rb, struct poll_set *set)
{
	uint32_t ops = 0;
	for (nfds_t i = 0; i < set->n; i++) {
		int h = handle_of(set, i);
		if (h < 0)
			continue;
		push(rb, SYS_POLL, IRIS_SQE_LINK, i, (uint32_t)h, iris_events(set->fds[i].events));
		push(rb, SYS_LINK_TIMEOUT, 0, TAG_AUX, 0, 0);
		ops += 2;
	}
	return drain(rb, ops, apply_poll, set);
}

/* A poll() with nothing to wait for and no time limit waits forever, as POSIX has it. */
_Noreturn static void wait_forever(void)
{
	for (;;)
		sys_sleep(3600 * 1000 * NS_PER_MS);
}

/* Waits for the first completion, then cancels everything and drains. */
static long poll_wait(struct iris_ringbuf *rb, struct poll_set *set, int timeout_ms)
{
	uint32_t ops = 0;
	for (nfds_t i = 0; i < set->n; i++) {
		int h = handle_of(set, i);
		if (h < 0)
			continue;
		push(rb, SYS_POLL, 0, i, (uint32_t)h, iris_events(set->fds[i].events));
		ops++;
	}
	if (timeout_ms > 0) {
		push(rb, SYS_TIMEOUT, 0, TAG_TIMER, (uint64_t)timeout_ms * NS_PER_MS, 0);
		ops++;
	}
	if (!ops)
		wait_forever();
	long r = iris_ringbuf_enter(rb, 1, IRIS_ENTER_GETEVENTS, 0);
	if (r < 0)
		return r;
	uint32_t done = reap(rb, ops, apply_poll, set);
	for (nfds_t i = 0; i < set->n; i++) {
		if (handle_of(set, i) >= 0)
			push(rb, SYS_CANCEL, 0, TAG_AUX, i, 0);
	}
	if (timeout_ms > 0)
		push(rb, SYS_CANCEL, 0, TAG_AUX, TAG_TIMER, 0);
	return drain(rb, 2 * ops - done, apply_poll, set);
}

/* The revents of a standard stream's entry, stdin's readiness being `in`. */
static short stdio_revents(const struct pollfd *p, short in)
{
	if (p->fd != STDIN_FILENO)
		return p->events & (POLLOUT | POLLWRNORM);
	return (in & POLLIN ? p->events & (POLLIN | POLLRDNORM) : 0) | (in & (POLLHUP | POLLERR));
}

/*
 * One wait of poll(): fills each revents and returns how many are non-zero,
 * or -1 with errno. *again is set when stdin's channel woke it for
 * something else than stdin's answer.
 */
static int poll_once(struct pollfd *fds, nfds_t n, int timeout_ms, bool *again)
{
	struct poll_set set = { fds, n, IRIS_HANDLE_INVALID };
	bool input = false, ready_now = false;
	short in = 0;
	for (nfds_t i = 0; i < n; i++) {
		fds[i].revents = 0;
		input |= wants_input(&fds[i]);
	}
	if (input)
		in = libc_console_poll_begin(&set.terminal);
	for (nfds_t i = 0; i < n; i++) {
		if (is_stdio(fds[i].fd)) {
			fds[i].revents = stdio_revents(&fds[i], in);
			ready_now |= fds[i].revents != 0;
		}
	}
	if (ready_now)
		timeout_ms = 0;

	struct pool_ring *pr;
	int r = ring_get(2 * (uint32_t)n + 2, &pr);
	if (r < 0)
		return (int)libc_syscall_result(r);
	long e = timeout_ms ? poll_wait(&pr->rb, &set, timeout_ms) : poll_now(&pr->rb, &set);
	ring_put(pr, e == 0);
	if (e < 0)
		return (int)libc_syscall_result(e);

	short woke = 0;
	for (nfds_t i = 0; i < n; i++)
		if (wants_input(&fds[i]) && handle_of(&set, i) >= 0)
			woke |= fds[i].revents;
	if (set.terminal != IRIS_HANDLE_INVALID) {
		in = libc_console_poll_end(woke);
		*again = woke && !in;
		for (nfds_t i = 0; i < n; i++)
			if (wants_input(&fds[i]))
				fds[i].revents = stdio_revents(&fds[i], in);
	}
	int ready = 0;
	for (nfds_t i = 0; i < n; i++)
		ready += fds[i].revents != 0;
	return ready;
}

int poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	if (n > POLL_MAX_FDS) {
		errno = EINVAL;
		return -1;
	}
	int64_t deadline = timeout_ms > 0 ? sys_clock_get(IRIS_CLOCK_MONOTONIC) +
	                                            (int64_t)timeout_ms * NS_PER_MS
	                                  : 0;
	for (;;) {
		bool again = false;
		int r = poll_once(fds, n, timeout_ms, &again);
		if (r != 0 || !again || timeout_ms == 0)
			return r;
		if (timeout_ms > 0) {
			int64_t left = deadline - sys_clock_get(IRIS_CLOCK_MONOTONIC);
			if (left <= 0)
				return 0;
			timeout_ms = (int)((left + NS_PER_MS - 1) / NS_PER_MS);
		}
	}
}

struct trynow {
	int64_t call;    /* the call's result */
	int64_t timeout; /* the link timeout's: -ETIMEDOUT if it cancelled the call */
};

static void apply_trynow(void *arg, const struct iris_cqe *cqe)
{
	struct trynow *t = arg;
	if (cqe->user_data == TAG_CALL)
		t->call = cqe->result;
	else
		t->timeout = cqe->result;
}

long async_trynow(const struct async_cb *cb)
{
	if (cb->flags)
		return -EINVAL;
	struct pool_ring *pr;
	int r = ring_get(2, &pr);
	if (r < 0)
		return r;
	uint32_t nr = cb->number < 0 || cb->number > UINT32_MAX ? UINT32_MAX : (uint32_t)cb->number;
	struct iris_sqe sqe = { .nr = nr, .flags = IRIS_SQE_LINK, .user_data = TAG_CALL };
	for (int i = 0; i < 6; i++)
		sqe.args[i] = (uint64_t)cb->args[i];
	iris_ringbuf_push(&pr->rb, &sqe);
	push(&pr->rb, SYS_LINK_TIMEOUT, 0, TAG_AUX, 0, 0);
	struct trynow t = { 0, 0 };
	long e = drain(&pr->rb, 2, apply_trynow, &t);
	ring_put(pr, e == 0);
	if (e < 0)
		return e;
	return t.call == -ECANCELED && t.timeout == -ETIMEDOUT ? -EAGAIN : t.call;
}

/* Milliseconds for poll(): rounded up, at most INT_MAX; -1 for NULL. Returns 0 or EINVAL. */
static int timeout_ms_of(const struct timeval *tv, int *ms)
{
	*ms = -1;
	if (!tv)
		return 0;
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return EINVAL;
	long msec = (tv->tv_usec + 999) / 1000;
	*ms = tv->tv_sec >= (INT_MAX - msec) / 1000 ? INT_MAX : (int)(tv->tv_sec * 1000 + msec);
	return 0;
}

/* Adds the handles of `set` below nfds to fds[0..n) with `events`; returns the new n. */
static nfds_t add_set(struct pollfd *fds, nfds_t n, const fd_set *set, int nfds, short events)
{
	for (unsigned i = 0; set && i < set->count; i++) {
		int fd = set->fds[i];
		if (fd < 0 || fd >= nfds)
			continue;
		nfds_t j = 0;
		while (j < n && fds[j].fd != fd)
			j++;
		if (j == n)
			fds[n++] = (struct pollfd){ .fd = fd };
		fds[j].events |= events;
	}
	return n;
}

/* Leaves in `set` only the handles whose revents has one of `ready`; returns how many. */
static int keep_ready(fd_set *set, const struct pollfd *fds, nfds_t n, short ready)
{
	if (!set)
		return 0;
	unsigned kept = 0;
	for (unsigned i = 0; i < set->count; i++) {
		for (nfds_t j = 0; j < n; j++) {
			if (fds[j].fd == set->fds[i] && (fds[j].revents & ready)) {
				set->fds[kept++] = set->fds[i];
				break;
			}
		}
	}
	set->count = kept;
	return (int)kept;
}

int select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds, struct timeval *timeout)
{
	int ms;
	if (nfds < 0 || timeout_ms_of(timeout, &ms)) {
		errno = EINVAL;
		return -1;
	}
	struct pollfd fds[3 * FD_SETSIZE];
	nfds_t n = add_set(fds, 0, readfds, nfds, POLLIN);
	n = add_set(fds, n, writefds, nfds, POLLOUT);
	n = add_set(fds, n, exceptfds, nfds, POLLPRI);
	if (poll(fds, n, ms) < 0)
		return -1;
	for (nfds_t j = 0; j < n; j++) {
		if (fds[j].revents & POLLNVAL) {
			errno = EBADF;
			return -1;
		}
	}
	return keep_ready(readfds, fds, n, POLLIN | POLLHUP | POLLERR) +
	       keep_ready(writefds, fds, n, POLLOUT | POLLERR) +
	       keep_ready(exceptfds, fds, n, POLLPRI);
}
