/*
 * ns: the name service (protocol in include/iris/proto/ns.h). It holds the
 * registry name → registration channel of the server, and one channel per
 * client process. init starts it first with one initial handle after the
 * boot modules (its index in IRIS_NS): init's own channel to ns, over which
 * init asks for a fresh channel (CLIENT) for every program it starts.
 *
 * One thread, one loop: drain every client channel without waiting, then
 * raise each one's consumer_sleeping flag (docs/channels.md, "Sleeping and
 * waking") and wait in poll() for a message on any client channel or a
 * closed peer on any channel. A closed client channel is dropped; a closed
 * registration channel (its server ended) forgets the name, as does a
 * LOOKUP that finds the server's end gone before ns noticed.
 */
#include <errno.h>
#include <iris/proto/ns.h>
#include <iris/rpc.h>
#include <iris/startup.h>
#include <iris/sys.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CLIENTS 64
#define MAX_NAMES   32
#define REPLY_NS    (1000000000LL) /* how long a reply may wait for a full client queue */

struct client {
	int used;
	struct iris_chan chan;
};

struct name {
	int used;
	char name[IRIS_NS_NAME_MAX];
	struct iris_chan reg; /* the registration channel: CONNECT goes here */
};

static struct client clients[MAX_CLIENTS];
static struct name names[MAX_NAMES];

/* Takes `endpoint` as a new client channel; closes it when there is no room. */
static void add_client(iris_handle_t endpoint)
{
	for (size_t i = 0; i < MAX_CLIENTS; i++) {
		if (!clients[i].used) {
			if (iris_chan_open(&clients[i].chan, endpoint) == 0) {
				clients[i].used = 1;
				return;
			}
			break;
		}
	}
	sys_handle_close(endpoint);
}

static void drop_client(struct client *c)
{
	iris_chan_close(&c->chan);
	c->used = 0;
}

static void forget(struct name *n)
{
	iris_chan_close(&n->reg);
	n->used = 0;
}

static struct name *find(const char *name)
{
	for (size_t i = 0; i < MAX_NAMES; i++)
		if (names[i].used && strcmp(names[i].name, name) == 0)
			return &names[i];
	return NULL;
}

/* The name in a request's arguments, NUL-terminated and not empty; NULL if it is not. */
static const char *name_arg(struct iris_rpc_msg *m)
{
	if (m->len < 2 || m->len > IRIS_NS_NAME_MAX || m->data[m->len - 1] != '\0' ||
	    strlen((const char *)m->data) != m->len - 1)
		return NULL;
	return (const char *)m->data;
}

/* REGISTER: returns the status; the request's handle is consumed either way. */
static int do_register(struct iris_rpc_msg *m)
{
	const char *s = name_arg(m);
	if (!s || m->handle == IRIS_HANDLE_INVALID)
		return -EINVAL;
	struct name *n = find(s);
	if (n)
		forget(n); /* the newest registration of a name wins */
	for (size_t i = 0; i < MAX_NAMES && !n; i++)
		if (!names[i].used)
			n = &names[i];
	if (!n)
		return -ENOSPC;
	int r = iris_chan_open(&n->reg, m->handle);
	if (r < 0)
		return r;
	m->handle = IRIS_HANDLE_INVALID;
	memcpy(n->name, s, m->len);
	n->used = 1;
	return 0;
}

/* A new channel: *mine and *theirs, its two endpoints. */
static int new_channel(iris_handle_t *mine, iris_handle_t *theirs)
{
	struct iris_channel_info info;
	long h = sys_channel_create(0, &info);
	if (h < 0)
		return (int)h;
	*mine = (iris_handle_t)h;
	*theirs = info.peer;
	return 0;
}

/* LOOKUP: on success *out is the client's end of a channel whose other end went to the server. */
static int do_lookup(struct iris_rpc_msg *m, iris_handle_t *out)
{
	const char *s = name_arg(m);
	if (!s)
		return -EINVAL;
	struct name *n = find(s);
	if (!n)
		return -ENOENT;
	iris_handle_t server_end, client_end;
	int r = new_channel(&server_end, &client_end);
	if (r < 0)
		return r;
	const struct iris_rpc_hdr connect = { .id = 0, .op = IRIS_NS_OP_CONNECT };
	r = iris_chan_send_handles(&n->reg, &connect, sizeof(connect), 0, &server_end, NULL, 1, 0);
	if (r != 1) { /* nothing sent, or sent without the handle: both ends are still ours */
		sys_handle_close(server_end);
		sys_handle_close(client_end);
		if (r < 0 && r != -EPIPE)
			return r;
		forget(n); /* the server is gone */
		return -ENOENT;
	}
	*out = client_end;
	return 0;
}

/* LIST: the index-th name in use in *name (its length with the NUL in *len). */
static int do_list(const struct iris_rpc_msg *m, const char **name, size_t *len)
{
	uint32_t index;
	if (m->len != sizeof(index))
		return -EINVAL;
	memcpy(&index, m->data, sizeof(index));
	for (size_t i = 0; i < MAX_NAMES; i++) {
		if (names[i].used && index-- == 0) {
			*name = names[i].name;
			*len = strlen(names[i].name) + 1;
			return 0;
		}
	}
	return -ENOENT;
}

/* Answers one request from client `c`. */
static void serve(struct client *c, struct iris_rpc_msg *m)
{
	iris_handle_t out = IRIS_HANDLE_INVALID;
	const char *data = NULL;
	size_t len = 0;
	int status;
	switch (m->hdr.op) {
	case IRIS_NS_OP_REGISTER:
		status = do_register(m);
		break;
	case IRIS_NS_OP_LOOKUP:
		status = do_lookup(m, &out);
		break;
	case IRIS_NS_OP_LIST:
		status = do_list(m, &data, &len);
		break;
	case IRIS_NS_OP_CLIENT: {
		iris_handle_t mine;
		status = new_channel(&mine, &out);
		if (status == 0)
			add_client(mine);
		break;
	}
	default:
		status = -ENOSYS;
		break;
	}
	if (m->handle != IRIS_HANDLE_INVALID)
		sys_handle_close(m->handle);
	if (iris_rpc_reply(&c->chan, m, status, data, len, out, REPLY_NS) < 0 &&
	    out != IRIS_HANDLE_INVALID)
		sys_handle_close(out);
}

/* Answers every request waiting on client `c`; drops it once it is closed or broken. */
static void drain(struct client *c)
{
	for (;;) {
		struct iris_rpc_msg m;
		int r = iris_rpc_recv(&c->chan, &m, 0);
		if (r == -EAGAIN)
			return;
		if (r < 0) {
			drop_client(c);
			return;
		}
		serve(c, &m);
	}
}

/* Raises or lowers the flag that makes a client's sends wake us (docs/channels.md). */
static void set_sleeping(struct client *c, uint32_t v)
{
	__atomic_store_n(&c->chan.rx->consumer_sleeping, v, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

int main(void)
{
	static struct pollfd fds[MAX_CLIENTS + MAX_NAMES];
	static void *owner[MAX_CLIENTS + MAX_NAMES];
	iris_handle_t first = iris_handle_from_env("IRIS_NS");
	if (first == IRIS_HANDLE_INVALID) {
		printf("ns: no channel from init (IRIS_NS)\n");
		return 1;
	}
	add_client(first);
	for (;;) {
		nfds_t n = 0;
		for (size_t i = 0; i < MAX_CLIENTS; i++) {
			if (!clients[i].used)
				continue;
			drain(&clients[i]);
			if (!clients[i].used)
				continue;
			set_sleeping(&clients[i], 1);
			fds[n] =
			        (struct pollfd){ .fd = clients[i].chan.endpoint, .events = POLLIN };
			owner[n++] = &clients[i];
		}
		for (size_t i = 0; i < MAX_NAMES; i++) {
			if (!names[i].used)
				continue;
			fds[n] = (struct pollfd){ .fd = names[i].reg.endpoint, .events = 0 };
			owner[n++] = &names[i];
		}
		if (poll(fds, n, -1) < 0) {
			printf("ns: poll failed: %s\n", strerror(errno));
			return 1;
		}
		for (nfds_t i = 0; i < n; i++) {
			if (owner[i] >= (void *)clients &&
			    owner[i] < (void *)(clients + MAX_CLIENTS)) {
				struct client *c = owner[i];
				set_sleeping(c, 0);
				if ((fds[i].revents & POLLHUP) && !(fds[i].revents & POLLIN))
					drop_client(c);
			} else if (fds[i].revents & (POLLHUP | POLLNVAL)) {
				forget(owner[i]);
			}
		}
	}
}
