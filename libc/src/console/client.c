/*
 * The terminal client (iris/console_client.h): RPC (iris/rpc.h) on this
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
 */
#include "client.h"
#include "../internal.h"
#include <iris/console_client.h>
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

unsigned libc_stdin_read_flags;

static int lock;
static int state; /* 0: not tried yet, 1: open, < 0: no terminal (why) */
static struct iris_chan chan;
static struct iris_rpc_client client;
static uint32_t wait_id; /* the outstanding WAIT, 0: none */

/* The terminal, opened from IRIS_CONSOLE on first use; NULL when there is none. Lock held. */
static struct iris_rpc_client *terminal(void)
{
	if (state == 0) {
		state = iris_rpc_client_from_env("IRIS_CONSOLE", &chan, &client) == 0 ? 1 : -ENOTTY;
	}
	return state == 1 ? &client : NULL;
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

	libc_lock(&lock);
	struct iris_rpc_client *cl = terminal();
	if (!cl)
		err = -ENOTTY;
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
		if (!inflight)
			break;
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
	int r = -ENOTTY;
	if (cl) {
		r = iris_rpc_call(cl, CONSOLE_OP_READ, &rq, sizeof(rq), buf, rq.max,
		                  IRIS_CHAN_FOREVER);
		if (r > (int)rq.max)
			r = -EBADMSG; /* more than asked for: only rq.max bytes were copied */
		if (r >= 0)
			wait_forget(cl);
	}
	libc_unlock(&lock);
	return r;
}

/* A call with a small argument and no reply data. */
static int call_simple(uint16_t op, const void *args, size_t len)
{
	libc_lock(&lock);
	struct iris_rpc_client *cl = terminal();
	int r = cl ? iris_rpc_call(cl, op, args, len, NULL, 0, CALL_TIMEOUT_NS) : -ENOTTY;
	libc_unlock(&lock);
	return r < 0 ? r : 0;
}

int iris_console_set_mode(uint32_t mode)
{
	return call_simple(CONSOLE_OP_SET_MODE, &mode, sizeof(mode));
}

int iris_console_get_info(struct console_info *info)
{
	memset(info, 0, sizeof(*info));
	libc_lock(&lock);
	struct iris_rpc_client *cl = terminal();
	int r = cl ? iris_rpc_call(cl, CONSOLE_OP_GET_INFO, NULL, 0, info, sizeof(*info),
	                           CALL_TIMEOUT_NS)
	           : -ENOTTY;
	libc_unlock(&lock);
	return r < 0 ? r : 0;
}

int iris_console_foreground(iris_handle_t process)
{
	iris_handle_t dup = IRIS_HANDLE_INVALID;
	if (process != IRIS_HANDLE_INVALID) {
		long d = sys_handle_duplicate(process, IRIS_RIGHT_READ | IRIS_RIGHT_MANAGE |
		                                               IRIS_RIGHT_TRANSFER);
		if (d < 0)
			return (int)d;
		dup = (iris_handle_t)d;
	}
	libc_lock(&lock);
	struct iris_rpc_client *cl = terminal();
	long id = cl ? iris_rpc_send(cl, CONSOLE_OP_FOREGROUND, NULL, 0, dup, CALL_TIMEOUT_NS)
	             : -ENOTTY;
	int r = (int)id;
	if (id >= 0)
		r = iris_rpc_wait(cl, (uint32_t)id, NULL, 0, NULL, CALL_TIMEOUT_NS);
	if (r == -ETIMEDOUT)
		iris_rpc_forget(cl, (uint32_t)id);
	libc_unlock(&lock);
	if (id < 0 && dup != IRIS_HANDLE_INVALID)
		sys_handle_close(dup); /* not sent: still ours */
	return r < 0 ? r : 0;
}

int iris_console_client(iris_handle_t *endpoint)
{
	iris_handle_t h = IRIS_HANDLE_INVALID;
	libc_lock(&lock);
	struct iris_rpc_client *cl = terminal();
	int r = cl ? iris_rpc_call_handles(cl, CONSOLE_OP_CLIENT, NULL, 0, IRIS_HANDLE_INVALID,
	                                   NULL, 0, &h, CALL_TIMEOUT_NS)
	           : -ENOTTY;
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
 * 0 when it has not come. Lock held, wait_id outstanding.
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
	return r == -EPIPE ? POLLHUP : POLLERR;
}

short libc_console_poll_begin(iris_handle_t *wait_on)
{
	*wait_on = IRIS_HANDLE_INVALID;
	libc_lock(&lock);
	struct iris_rpc_client *cl = terminal();
	short ready = POLLIN; /* no terminal: at the end of input */
	if (cl && !wait_id) {
		long id = iris_rpc_send(cl, CONSOLE_OP_WAIT, NULL, 0, IRIS_HANDLE_INVALID,
		                        CALL_TIMEOUT_NS);
		if (id < 0)
			ready = id == -EPIPE ? POLLHUP : POLLERR;
		else
			wait_id = (uint32_t)id;
	}
	if (cl && wait_id) {
		ready = wait_check(cl);
		if (!ready)
			*wait_on = chan.endpoint;
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
	if (!ready && (woke & (POLLHUP | POLLERR | POLLNVAL)))
		ready = woke & POLLNVAL ? POLLERR : (woke & (POLLHUP | POLLERR));
	libc_unlock(&lock);
	return ready;
}
