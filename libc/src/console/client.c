/*
 * The terminal client (iris/console.h): RPC (iris/rpc.h) on this
 * process's channel to the console server, under one lock.
 *
 * Writes are pipelined: up to WRITE_PIPELINE chunks of CONSOLE_DATA_MAX
 * bytes are in flight before the oldest reply is waited for, so a long
 * printf costs one round trip per WRITE_PIPELINE chunks, not one per chunk.
 *
 * poll() on stdin keeps one WAIT request outstanding (wait_id) from call to
 * call; its reply may be parked by another call's wait (iris_rpc_wait parks
 * replies to other requests). To sleep in the same poll() as other handles,
 * the channel's receiver is armed the way iris_chan_recv arms it before it
 * sleeps (the consumer_sleeping flag, a full fence, then a last look at the
 * queue; libc/src/chan/chan.c explains why no wake-up is lost), and poll()
 * waits on the endpoint for IRIS_POLL_IN. A read that takes input forgets
 * the WAIT: readiness it reported may be stale now, and the next poll()
 * asks afresh.
 *
 * Reconnecting. The console server may restart (devmgr restarts it when it
 * fails, `drv restart console0`): its end of every channel closes, and the
 * next call that finds its channel closed (-EPIPE) connects to the server
 * that takes its place by name (iris/ns.h) and tells it again what this
 * process had asked of the terminal, the mode and the foreground program,
 * so the server keeps nothing about its clients across a restart. Then the
 * call goes on: WRITEs not known to be drawn are sent again (a chunk drawn
 * just before the server died may show twice; none is lost), control calls
 * are made again, a READ returns -EINTR (what was typed is gone, as after
 * Ctrl-C: a shell shows a fresh prompt), and poll() on stdin waits on the
 * new channel. Only when no console comes back within RECONNECT_WAIT_NS is
 * the terminal gone for good: -EPIPE from then on.
 */
#include "client.h"
#include "../internal.h"
#include <iris/console.h>
#include <iris/ns.h>
#include <iris/rpc.h>
#include <iris/startup.h>
#include <iris/sys.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_MS 1000000LL
/* Writes and control calls: the server answers once it has drawn, slowly under TCG. */
#define CALL_TIMEOUT_NS (30 * 1000 * NS_PER_MS)
/* How long poll() waits for the WAIT reply once a message has come in. */
#define CHECK_TIMEOUT_NS (50 * NS_PER_MS)
#define WRITE_PIPELINE   16
/* How long a call waits for a restarting console server to take the name again. */
#define RECONNECT_WAIT_NS (10 * 1000 * NS_PER_MS)
/* Reconnects within one call: a console that dies again each time is given up on. */
#define RECONNECTS_MAX 3
/* The rights of the foreground handle the server is sent (FOREGROUND), and of our copy. */
#define FOREGROUND_RIGHTS (IRIS_RIGHT_READ | IRIS_RIGHT_MANAGE | IRIS_RIGHT_TRANSFER)
#define FOREGROUND_KEPT   (FOREGROUND_RIGHTS | IRIS_RIGHT_DUPLICATE)

unsigned libc_stdin_read_flags;

static int lock;
static int state; /* 0: not tried yet, 1: open, < 0: no terminal (why) */
static struct iris_chan chan;
static struct iris_rpc_client client;
static uint32_t wait_id;         /* the outstanding WAIT, 0: none */
static unsigned generation;      /* reconnects so far: a channel handed out before is stale */
static unsigned poll_generation; /* the generation of the channel poll() waits on */
/* What this process asked of the terminal, told again to a restarted server. */
static bool mode_set;
static uint32_t mode;
static iris_handle_t foreground = IRIS_HANDLE_INVALID; /* our copy of the foreground's handle */

/* The terminal, opened from IRIS_CONSOLE on first use; NULL when there is none. Lock held. */
static struct iris_rpc_client *terminal(void)
{
	if (state == 0) {
		state = iris_rpc_client_from_env("IRIS_CONSOLE", &chan, &client) == 0 ? 1 : -ENOTTY;
	}
	return state == 1 ? &client : NULL;
}

/*
 * Sends FOREGROUND with a copy of `foreground` (none when it is invalid) and
 * waits for the answer. Returns 0 or a negative errno. Lock held, state 1.
 */
static int foreground_send(void)
{
	iris_handle_t dup = IRIS_HANDLE_INVALID;
	if (foreground != IRIS_HANDLE_INVALID) {
		long d = sys_handle_duplicate(foreground, FOREGROUND_RIGHTS);
		if (d < 0)
			return (int)d;
		dup = (iris_handle_t)d;
	}
	long id = iris_rpc_send(&client, CONSOLE_OP_FOREGROUND, NULL, 0, dup, CALL_TIMEOUT_NS);
	if (id < 0) {
		if (dup != IRIS_HANDLE_INVALID)
			sys_handle_close(dup); /* not sent: still ours */
		return (int)id;
	}
	int r = iris_rpc_wait(&client, (uint32_t)id, NULL, 0, NULL, CALL_TIMEOUT_NS);
	if (r == -ETIMEDOUT)
		iris_rpc_forget(&client, (uint32_t)id);
	return r < 0 ? r : 0;
}

/*
 * Tells a server this process has just connected to what it had asked of
 * the terminal before: the mode and the foreground program. Returns 0, or
 * -EPIPE when this server is gone too; other errors are the server's answer
 * and change nothing. Lock held, state 1.
 */
static int restore(void)
{
	int r = 0;
	if (mode_set)
		r = iris_rpc_call(&client, CONSOLE_OP_SET_MODE, &mode, sizeof(mode), NULL, 0,
		                  CALL_TIMEOUT_NS);
	if (r != -EPIPE && foreground != IRIS_HANDLE_INVALID)
		r = foreground_send();
	return r == -EPIPE ? -EPIPE : 0;
}

/*
 * The console server has gone (see the top of the file): connects to the
 * one that takes the name, waiting up to RECONNECT_WAIT_NS in all, and
 * restores this process's terminal state there. Returns 0, or -EPIPE when no
 * console came back (the terminal is then gone: state -EPIPE). Replies
 * outstanding on the old channel are dropped. Lock held, state 1.
 */
static int reconnect(void)
{
	int64_t deadline = sys_clock_get(IRIS_CLOCK_MONOTONIC) + RECONNECT_WAIT_NS;
	iris_chan_close(&chan);
	wait_id = 0;
	generation++;
	for (;;) {
		int64_t left = deadline - sys_clock_get(IRIS_CLOCK_MONOTONIC);
		if (left <= 0 || iris_ns_connect_wait(CONSOLE_NAME, left, &chan) < 0)
			break;
		iris_rpc_client_init(&client, &chan);
		if (restore() == 0)
			return 0;
		iris_chan_close(&chan); /* the lookup found a server on its way out: look again */
		sys_sleep(IRIS_NS_RETRY_NS);
	}
	state = -EPIPE;
	return -EPIPE;
}

/*
 * Whether a call that failed with `r` is to be made again: the server had
 * gone (-EPIPE), this is not the call's RECONNECTS_MAXth reconnect, and one
 * that took its place is connected now. Lock held, state 1.
 */
static bool reconnected(int r, unsigned *tries)
{
	return r == -EPIPE && (*tries)++ < RECONNECTS_MAX && reconnect() == 0;
}

bool iris_console_present(void)
{
	libc_lock(&lock);
	bool present = terminal() != NULL;
	libc_unlock(&lock);
	return present;
}

int iris_console_use(iris_handle_t endpoint)
{
	libc_lock(&lock);
	if (state == 1)
		iris_chan_close(&chan);
	wait_id = 0;
	generation++;
	mode_set = false;
	if (foreground != IRIS_HANDLE_INVALID)
		sys_handle_close(foreground);
	foreground = IRIS_HANDLE_INVALID;
	int r = iris_chan_open(&chan, endpoint);
	if (r < 0) {
		sys_handle_close(endpoint);
		state = r;
	} else {
		iris_rpc_client_init(&client, &chan);
		state = 1;
	}
	libc_unlock(&lock);
	return r;
}

long iris_console_write(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t ids[WRITE_PIPELINE];
	size_t lens[WRITE_PIPELINE];
	size_t sent = 0, drawn = 0, oldest = 0, inflight = 0;
	long err = 0;
	bool gap = false; /* a chunk failed: those after it do not count as drawn */
	unsigned tries = 0;

	libc_lock(&lock);
	struct iris_rpc_client *cl = terminal();
	if (!cl)
		err = state;
	while (cl) {
		if (!err && sent < len && inflight < WRITE_PIPELINE) {
			size_t n = len - sent < CONSOLE_DATA_MAX ? len - sent : CONSOLE_DATA_MAX;
			long id = iris_rpc_send(cl, CONSOLE_OP_WRITE, p + sent, n,
			                        IRIS_HANDLE_INVALID, CALL_TIMEOUT_NS);
			if (id >= 0) {
				size_t slot = (oldest + inflight) % WRITE_PIPELINE;
				ids[slot] = (uint32_t)id;
				lens[slot] = n;
				inflight++;
				sent += n;
				continue;
			}
			if (id != -EBUSY || !inflight)
				err = id;
		}
		if (!inflight) {
			/* The server went: send again, to its successor, what is not known to be
			 * drawn. */
			if (!reconnected((int)err, &tries))
				break;
			err = 0;
			gap = false;
			sent = drawn;
			continue;
		}
		int r = iris_rpc_wait(cl, ids[oldest], NULL, 0, NULL, CALL_TIMEOUT_NS);
		if (r == -ETIMEDOUT)
			iris_rpc_forget(cl, ids[oldest]);
		if (r < 0 && !err)
			err = r;
		gap |= r < 0;
		if (!gap)
			drawn += lens[oldest];
		oldest = (oldest + 1) % WRITE_PIPELINE;
		inflight--;
	}
	libc_unlock(&lock);
	return err && !drawn ? err : (long)drawn;
}

/* Gives up the outstanding WAIT (its reply, parked or to come, is dropped). Lock held. */
static void wait_forget(struct iris_rpc_client *cl)
{
	if (wait_id)
		iris_rpc_forget(cl, wait_id);
	wait_id = 0;
}

long iris_console_read(void *buf, size_t len, unsigned flags)
{
	struct console_read rq = {
		.max = len < CONSOLE_DATA_MAX ? (uint32_t)len : (uint32_t)CONSOLE_DATA_MAX,
		.flags = flags & CONSOLE_READ_NONBLOCK,
	};
	if (len == 0)
		return 0;
	libc_lock(&lock);
	struct iris_rpc_client *cl = terminal();
	int r = state;
	if (cl) {
		r = iris_rpc_call(cl, CONSOLE_OP_READ, &rq, sizeof(rq), buf, rq.max,
		                  IRIS_CHAN_FOREVER);
		if (r > (int)rq.max)
			r = -EBADMSG; /* more than asked for: only rq.max bytes were copied */
		if (r >= 0)
			wait_forget(cl);
		if (r == -EPIPE && reconnect() == 0)
			r = -EINTR; /* the input waiting went with the server, as after Ctrl-C */
	}
	libc_unlock(&lock);
	return r;
}

int iris_console_set_mode(uint32_t m)
{
	libc_lock(&lock);
	struct iris_rpc_client *cl = terminal();
	int r = state;
	if (cl) {
		mode = m;
		mode_set = true;
		r = iris_rpc_call(cl, CONSOLE_OP_SET_MODE, &m, sizeof(m), NULL, 0, CALL_TIMEOUT_NS);
		if (r == -EPIPE)
			r = reconnect(); /* which sets the mode */
	}
	libc_unlock(&lock);
	return r < 0 ? r : 0;
}

int iris_console_get_info(struct console_info *info)
{
	memset(info, 0, sizeof(*info));
	libc_lock(&lock);
	struct iris_rpc_client *cl = terminal();
	int r = state;
	unsigned tries = 0;
	do {
		if (cl)
			r = iris_rpc_call(cl, CONSOLE_OP_GET_INFO, NULL, 0, info, sizeof(*info),
			                  CALL_TIMEOUT_NS);
	} while (cl && reconnected(r, &tries));
	libc_unlock(&lock);
	return r < 0 ? r : 0;
}

int iris_console_foreground(iris_handle_t process)
{
	iris_handle_t copy = IRIS_HANDLE_INVALID;
	if (process != IRIS_HANDLE_INVALID) {
		long d = sys_handle_duplicate(process, FOREGROUND_KEPT);
		if (d < 0)
			return (int)d;
		copy = (iris_handle_t)d;
	}
	libc_lock(&lock);
	struct iris_rpc_client *cl = terminal();
	int r = state;
	if (cl) {
		if (foreground != IRIS_HANDLE_INVALID)
			sys_handle_close(foreground);
		foreground = copy;
		copy = IRIS_HANDLE_INVALID;
		r = foreground_send();
		if (r == -EPIPE)
			r = reconnect(); /* which sends the foreground */
		if (r < 0 && foreground != IRIS_HANDLE_INVALID) {
			sys_handle_close(
			        foreground); /* not the foreground: nothing to tell again */
			foreground = IRIS_HANDLE_INVALID;
		}
	}
	libc_unlock(&lock);
	if (copy != IRIS_HANDLE_INVALID)
		sys_handle_close(copy);
	return r < 0 ? r : 0;
}

int iris_console_client(iris_handle_t *endpoint)
{
	iris_handle_t h = IRIS_HANDLE_INVALID;
	libc_lock(&lock);
	struct iris_rpc_client *cl = terminal();
	int r = state;
	unsigned tries = 0;
	do {
		if (cl)
			r = iris_rpc_call_handles(cl, CONSOLE_OP_CLIENT, NULL, 0,
			                          IRIS_HANDLE_INVALID, NULL, 0, &h,
			                          CALL_TIMEOUT_NS);
	} while (cl && reconnected(r, &tries));
	libc_unlock(&lock);
	if (r >= 0 && h == IRIS_HANDLE_INVALID)
		r = -EBADMSG;
	if (r < 0) {
		if (h != IRIS_HANDLE_INVALID)
			sys_handle_close(h);
		return r;
	}
	*endpoint = h;
	return 0;
}

long iris_console_wait(iris_handle_t process, struct iris_exit_info *info)
{
	for (;;) {
		libc_lock(&lock);
		iris_handle_t ep = terminal() ? chan.endpoint : IRIS_HANDLE_INVALID;
		unsigned gen = generation;
		libc_unlock(&lock);
		if (ep == IRIS_HANDLE_INVALID)
			return sys_wait(process, info, 0);
		/* the process's end, or the terminal's channel closed (events 0: HUP alone) */
		struct pollfd p[2] = { { process, POLLIN, 0 }, { ep, 0, 0 } };
		if (poll(p, 2, -1) < 0)
			return -errno;
		if (p[0].revents)
			return sys_wait(process, info, 0);
		libc_lock(&lock);
		bool watch = state == 1;
		if (watch && generation == gen)
			watch = (p[1].revents & POLLHUP) && reconnect() == 0;
		libc_unlock(&lock);
		if (!watch)
			return sys_wait(process, info,
			                0); /* nothing left to watch but the process */
	}
}

/* Whether the reply to `id` has been parked by an earlier wait. */
static bool reply_parked(const struct iris_rpc_client *cl, uint32_t id)
{
	for (size_t i = 0; i < IRIS_RPC_INFLIGHT_MAX; i++)
		if (cl->slot[i].id == id)
			return cl->slot[i].parked;
	return false;
}

/*
 * Arms the receiver (see the top of the file), then takes the WAIT reply if
 * it is parked or a message has come. Returns POLLIN, POLLHUP, POLLERR, or
 * 0 when it has not come (also when the server went and its successor is
 * connected now: the WAIT is asked afresh). Lock held, wait_id outstanding.
 */
static short wait_check(struct iris_rpc_client *cl)
{
	__atomic_store_n(&chan.rx->consumer_sleeping, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	bool message = __atomic_load_n(&chan.rx->tail, __ATOMIC_ACQUIRE) != chan.rx_head;
	if (!message && !reply_parked(cl, wait_id))
		return 0;
	int r = iris_rpc_wait(cl, wait_id, NULL, 0, NULL, CHECK_TIMEOUT_NS);
	if (r == -ETIMEDOUT)
		return 0; /* the message was something else; the WAIT stays outstanding */
	wait_id = 0;
	if (r >= 0)
		return POLLIN;
	if (r == -EPIPE && reconnect() == 0)
		return 0;
	return r == -EPIPE ? POLLHUP : POLLERR;
}

short libc_console_poll_begin(iris_handle_t *wait_on)
{
	*wait_on = IRIS_HANDLE_INVALID;
	libc_lock(&lock);
	struct iris_rpc_client *cl = terminal();
	/* no terminal: at the end of input; a terminal gone for good: hung up */
	short ready = cl || state != -EPIPE ? POLLIN : POLLHUP;
	unsigned tries = 0;
	while (cl && !wait_id) {
		long id = iris_rpc_send(cl, CONSOLE_OP_WAIT, NULL, 0, IRIS_HANDLE_INVALID,
		                        CALL_TIMEOUT_NS);
		if (id >= 0)
			wait_id = (uint32_t)id;
		else if (!reconnected((int)id, &tries)) {
			ready = id == -EPIPE ? POLLHUP : POLLERR;
			break;
		}
	}
	if (cl && wait_id) {
		ready = wait_check(cl);
		if (!ready) {
			*wait_on = chan.endpoint;
			poll_generation = generation;
		}
	}
	libc_unlock(&lock);
	return ready;
}

short libc_console_poll_end(short woke)
{
	if (!woke)
		return 0;
	libc_lock(&lock);
	struct iris_rpc_client *cl = terminal();
	short ready = 0;
	if (cl && wait_id)
		ready = wait_check(cl);
	/* An error on a channel replaced since poll() took it is no news: poll() waits again. */
	if (!ready && (woke & (POLLHUP | POLLERR | POLLNVAL)) && generation == poll_generation) {
		if (!((woke & POLLHUP) && state == 1 && reconnect() == 0))
			ready = woke & POLLNVAL ? POLLERR : (woke & (POLLHUP | POLLERR));
	}
	libc_unlock(&lock);
	return ready;
}
