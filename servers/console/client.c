/*
 * The console's channels: every client of CONSOLE_NAME (and every channel
 * CLIENT hands out) speaks the protocol of iris/proto/console.h, as a terminal,
 * an input source, an output sink, or several at once.
 *
 * One line discipline serves them all (the console is one terminal).
 * READs and WAITs that cannot be answered yet wait in one queue, oldest
 * first; each change of the input answers as many as it can. WRITEs are
 * drawn whole, one after the other, so output of several clients
 * interleaves per WRITE. While output is blocked (output.c: a sink is
 * behind) a client's WRITE is held with its channel left unread until the
 * sink catches up; everything else is answered at once.
 *
 * A client that leaves is closed once its channel is drained: what it sent
 * before it went is still served. Replies never wait: a client that keeps
 * more than IRIS_RPC_INFLIGHT_MAX requests unanswered (its reply queue is
 * full) or writes garbage into the channel is closed.
 */
#include "console.h"
#include <errno.h>
#include <iris/ns.h>
#include <iris/sys.h>
#include <string.h>

#define WAITING_MAX 256 /* READs and WAITs waiting, all clients together */

struct waiting {
	struct client *c;
	uint32_t id;
	uint16_t op; /* CONSOLE_OP_READ or _WAIT */
	uint32_t max;
};

static struct drv *drv;
static struct ldisc ld;
static struct iris_chan registration; /* ns sends new clients here */
static struct drv_loop_watch registration_watch;
static struct client clients[CLIENTS_MAX];
static struct waiting waiting[WAITING_MAX];
static unsigned nwaiting;
static struct client *parked_head, *parked_tail;
static bool resuming;

static void client_drain(struct client *c);
static int client_add(iris_handle_t endpoint);

/* Answers request id/op of c (nothing for a one-way message, id 0); `h` goes with it. */
static void reply(struct client *c, uint32_t id, uint16_t op, int status, const void *data,
                  size_t len, iris_handle_t h)
{
	if (id == 0 || c->state != CLIENT_OPEN) {
		if (h != IRIS_HANDLE_INVALID)
			sys_handle_close(h);
		return;
	}
	struct iris_rpc_msg m = { .hdr = { .id = id, .op = op } };
	int r = iris_rpc_reply(&c->chan, &m, status, data, len, h, 0);
	if (r < 0 && h != IRIS_HANDLE_INVALID)
		sys_handle_close(h);
	if (r < 0 && r != -EBADF)
		client_close(c); /* its reply queue is full or broken */
}

/* --- input and the requests waiting for it --- */

static void waiting_remove(unsigned i)
{
	memmove(&waiting[i], &waiting[i + 1], (nwaiting - i - 1) * sizeof(waiting[0]));
	nwaiting--;
}

/* Answers the waiting READs and WAITs, oldest first, while there is input for them. */
static void serve_waiting(void)
{
	unsigned i = 0;
	while (i < nwaiting && ldisc_readable(&ld)) {
		struct waiting w = waiting[i];
		waiting_remove(i);
		if (w.op == CONSOLE_OP_WAIT) {
			reply(w.c, w.id, w.op, 0, NULL, 0, IRIS_HANDLE_INVALID);
			continue;
		}
		uint8_t buf[CONSOLE_DATA_MAX];
		long n = ldisc_read(&ld, buf, w.max);
		reply(w.c, w.id, w.op, 0, buf, (size_t)n, IRIS_HANDLE_INVALID);
	}
}

/* Ctrl-C: the foreground process ends and every waiting READ and WAIT gets -EINTR. */
static void interrupt(void)
{
	foreground_interrupt();
	while (nwaiting > 0) {
		struct waiting w = waiting[0];
		waiting_remove(0);
		reply(w.c, w.id, w.op, -EINTR, NULL, 0, IRIS_HANDLE_INVALID);
	}
}

static void input(const uint8_t *s, size_t len)
{
	if (ldisc_input(&ld, s, len) & LDISC_EV_INTR)
		interrupt();
	serve_waiting();
}

static void echo(void *ctx, const char *s, size_t len)
{
	(void)ctx;
	output_write(s, len);
}

/* --- requests --- */

static bool u32_arg(const struct iris_rpc_msg *m, uint32_t *v)
{
	if (m->len != sizeof(*v))
		return false;
	memcpy(v, m->data, sizeof(*v));
	return true;
}

/* READ and WAIT: answered now, refused, or queued. */
static void do_read(struct client *c, const struct iris_rpc_msg *m)
{
	struct console_read rd = { .max = 1 };
	if (m->hdr.op == CONSOLE_OP_READ) {
		if (m->len != sizeof(rd)) {
			reply(c, m->hdr.id, m->hdr.op, -EINVAL, NULL, 0, IRIS_HANDLE_INVALID);
			return;
		}
		memcpy(&rd, m->data, sizeof(rd));
		if (rd.max == 0 || rd.max > CONSOLE_DATA_MAX ||
		    (rd.flags & ~CONSOLE_READ_NONBLOCK)) {
			reply(c, m->hdr.id, m->hdr.op, -EINVAL, NULL, 0, IRIS_HANDLE_INVALID);
			return;
		}
	}
	int status = 0;
	if (ldisc_readable(&ld)) {
		if (m->hdr.op == CONSOLE_OP_READ) {
			uint8_t buf[CONSOLE_DATA_MAX];
			long n = ldisc_read(&ld, buf, rd.max);
			reply(c, m->hdr.id, m->hdr.op, 0, buf, (size_t)n, IRIS_HANDLE_INVALID);
			return;
		}
	} else if (rd.flags & CONSOLE_READ_NONBLOCK) {
		status = -EAGAIN;
	} else if (nwaiting < WAITING_MAX) {
		if (m->hdr.id != 0) /* a one-way READ has nobody to answer */
			waiting[nwaiting++] = (struct waiting){ c, m->hdr.id, m->hdr.op, rd.max };
		return;
	} else {
		status = -EBUSY;
	}
	reply(c, m->hdr.id, m->hdr.op, status, NULL, 0, IRIS_HANDLE_INVALID);
}

/* CLIENT: a fresh channel served like this one; its peer end goes back in *out. */
static int do_client(iris_handle_t *out)
{
	struct iris_channel_info info;
	long mine = sys_channel_create(0, &info);
	if (mine < 0)
		return (int)mine;
	int r = client_add((iris_handle_t)mine);
	if (r < 0) {
		sys_handle_close(info.peer);
		return r;
	}
	*out = info.peer;
	return 0;
}

/* Serves one request (or one-way message) of c. */
static void client_request(struct client *c, struct iris_rpc_msg *m)
{
	iris_handle_t h = m->handle, out = IRIS_HANDLE_INVALID;
	uint32_t v = 0;
	int status = 0;
	const void *data = NULL;
	size_t len = 0;
	struct console_info info;

	m->handle = IRIS_HANDLE_INVALID;
	switch (m->hdr.op) {
	case CONSOLE_OP_WRITE:
		output_write((const char *)m->data, m->len);
		break;
	case CONSOLE_OP_READ:
	case CONSOLE_OP_WAIT:
		kernlog_want();
		do_read(c, m);
		goto done;
	case CONSOLE_OP_SET_MODE:
		if (!u32_arg(m, &v) || (v & ~(CONSOLE_MODE_RAW | CONSOLE_MODE_ECHO))) {
			status = -EINVAL;
			break;
		}
		ldisc_set_mode(&ld, v);
		serve_waiting();
		break;
	case CONSOLE_OP_GET_INFO:
		info = (struct console_info){ .mode = ldisc_mode(&ld) };
		screen_size(&info.cols, &info.rows);
		data = &info;
		len = sizeof(info);
		break;
	case CONSOLE_OP_FOREGROUND:
		status = foreground_set(h);
		h = IRIS_HANDLE_INVALID;
		break;
	case CONSOLE_OP_CLIENT:
		status = do_client(&out);
		break;
	case CONSOLE_OP_ATTACH:
		if (!u32_arg(m, &v) ||
		    (v & ~(CONSOLE_ATTACH_INPUT | CONSOLE_ATTACH_OUTPUT | CONSOLE_ATTACH_LOG)) ||
		    (v & (CONSOLE_ATTACH_LOG | CONSOLE_ATTACH_OUTPUT)) == CONSOLE_ATTACH_LOG) {
			status = -EINVAL;
			break;
		}
		if (v & CONSOLE_ATTACH_OUTPUT)
			status = output_sink_add(c);
		if (status == 0) {
			c->attach |= v;
			kernlog_update();
		}
		break;
	case CONSOLE_OP_INPUT:
		if (c->attach & CONSOLE_ATTACH_INPUT)
			input(m->data, m->len);
		else
			status = -EPERM;
		break;
	default:
		status = -ENOSYS;
		break;
	}
	reply(c, m->hdr.id, m->hdr.op, status, data, len, out);
done:
	if (h != IRIS_HANDLE_INVALID)
		sys_handle_close(h);
}

/* --- the life of a client --- */

static void park(struct client *c, const struct iris_rpc_msg *m)
{
	c->parked = true;
	c->parked_msg = *m;
	c->next_parked = NULL;
	if (parked_tail)
		parked_tail->next_parked = c;
	else
		parked_head = c;
	parked_tail = c;
}

static void unpark(struct client *c)
{
	if (!c->parked)
		return;
	struct client *prev = NULL;
	for (struct client *p = parked_head; p != c; p = p->next_parked)
		prev = p;
	if (prev)
		prev->next_parked = c->next_parked;
	else
		parked_head = c->next_parked;
	if (parked_tail == c)
		parked_tail = prev;
	c->parked = false;
	if (c->parked_msg.handle != IRIS_HANDLE_INVALID)
		sys_handle_close(c->parked_msg.handle);
}

void clients_resume(void)
{
	if (resuming)
		return; /* the outer call goes on */
	resuming = true;
	while (parked_head && !output_blocked()) {
		struct client *c = parked_head;
		parked_head = c->next_parked;
		if (!parked_head)
			parked_tail = NULL;
		c->parked = false;
		client_request(c, &c->parked_msg);
		client_drain(c);
	}
	resuming = false;
}

void client_reap(struct client *c)
{
	if (c->state != CLIENT_CLOSING || c->watch.armed || c->sink.space.armed)
		return;
	iris_chan_close(&c->chan);
	memset(c, 0, sizeof(*c));
	c->state = CLIENT_FREE;
}

void client_close(struct client *c)
{
	if (c->state != CLIENT_OPEN)
		return;
	c->state = CLIENT_CLOSING;
	unpark(c);
	for (unsigned i = 0; i < nwaiting;) {
		if (waiting[i].c == c)
			waiting_remove(i);
		else
			i++;
	}
	output_sink_remove(c);
	drv_loop_cancel(drv, &c->watch);
	client_reap(c);
}

/* Serves what c sent, up to a WRITE that has to wait; then waits for more. */
static void client_drain(struct client *c)
{
	while (c->state == CLIENT_OPEN && !c->parked) {
		struct iris_rpc_msg m;
		int r = iris_rpc_recv(&c->chan, &m, 0);
		if (r == -EAGAIN)
			break;
		if (r < 0) {
			client_close(c); /* -EPIPE: it left; -EBADMSG: it scribbled */
			return;
		}
		if (m.hdr.op == CONSOLE_OP_WRITE && output_blocked())
			park(c, &m);
		else
			client_request(c, &m);
	}
	if (c->state != CLIENT_OPEN || c->parked)
		return;
	if (c->hup || drv_loop_chan(drv, &c->watch, &c->chan) < 0)
		client_close(c);
}

static void client_event(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	struct client *c = w->arg;
	(void)d;
	if (c->state != CLIENT_OPEN) {
		client_reap(c);
		return;
	}
	if (result < 0 || (result & IRIS_POLL_HUP))
		c->hup = true;
	client_drain(c);
}

/* Serves the channel `endpoint` (owned from now on). 0, or a negative errno (it is closed). */
static int client_add(iris_handle_t endpoint)
{
	struct client *c = clients;
	while (c < clients + CLIENTS_MAX && c->state != CLIENT_FREE)
		c++;
	int r = c < clients + CLIENTS_MAX ? iris_chan_open(&c->chan, endpoint) : -ENOSPC;
	if (r < 0) {
		sys_handle_close(endpoint);
		return r;
	}
	c->state = CLIENT_OPEN;
	drv_loop_watch_init(&c->watch, client_event, c);
	if (drv_loop_chan(drv, &c->watch, &c->chan) < 0) {
		client_close(c);
		return -ENOMEM;
	}
	return 0;
}

/* ns hands over new clients (HUP, or a failed poll: ns is gone). */
static void accept_clients(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	for (;;) {
		iris_handle_t h;
		int r = iris_ns_accept(&registration, &h, 0);
		if (r == -EAGAIN && (result < 0 || (result & IRIS_POLL_HUP)))
			r = result < 0 ? (int)result : -EPIPE;
		if (r == -EAGAIN)
			break;
		if (r < 0) {
			drv_log(d, "the name service is gone (%d): no new clients", r);
			return;
		}
		r = client_add(h);
		if (r < 0)
			drv_log(d, "turning a client away (%d)", r);
	}
	if (drv_loop_chan(d, w, &registration) < 0)
		drv_log(d, "cannot wait for clients any more");
}

int clients_start(struct drv *d)
{
	drv = d;
	ldisc_init(&ld, echo, NULL);
	int r = iris_ns_register(CONSOLE_NAME, &registration);
	if (r < 0)
		return r;
	drv_loop_watch_init(&registration_watch, accept_clients, NULL);
	r = drv_loop_chan(d, &registration_watch, &registration);
	if (r < 0)
		iris_chan_close(&registration);
	return r;
}
