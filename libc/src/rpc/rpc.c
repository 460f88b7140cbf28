/* Requests and replies over a channel (iris/rpc.h). */
#include <errno.h>
#include <iris/rpc.h>
#include <iris/startup.h>
#include <iris/sys.h>
#include <string.h>

/*
 * Receives one message as an RPC message: `want_reply` says which kind is
 * expected. Returns 0, the channel's error, or 1 for a message of the wrong
 * kind, too short, or with more than one handle (dropped, handles closed).
 */
static int recv_msg(struct iris_chan *c, struct iris_rpc_msg *m, int want_reply, int64_t timeout_ns)
{
	uint8_t buf[IRIS_CHANNEL_MSG_MAX];
	iris_handle_t h[IRIS_CHANNEL_HANDLES_MAX];
	struct iris_msg_meta meta;
	int r = iris_chan_recv_handles(c, buf, sizeof(buf), &meta, h, IRIS_CHANNEL_HANDLES_MAX,
	                               timeout_ns);
	if (r < 0)
		return r;
	int reply = (meta.flags & IRIS_RPC_REPLY) != 0;
	if (meta.len < sizeof(m->hdr) || meta.handles > 1 || reply != want_reply) {
		for (size_t i = 0; i < meta.handles; i++)
			sys_handle_close(h[i]);
		return 1;
	}
	memcpy(&m->hdr, buf, sizeof(m->hdr));
	m->len = meta.len - (uint32_t)sizeof(m->hdr);
	memcpy(m->data, buf + sizeof(m->hdr), m->len);
	m->handle = meta.handles ? h[0] : IRIS_HANDLE_INVALID;
	return 0;
}

/* Sends header + data[0..len) with `handle` (unless invalid); 0 or a negative errno. */
static int send_msg(struct iris_chan *c, const struct iris_rpc_hdr *hdr, uint16_t flags,
                    const void *data, size_t len, iris_handle_t handle, int64_t timeout_ns)
{
	uint8_t buf[IRIS_CHANNEL_MSG_MAX];
	if (len > IRIS_RPC_ARGS_MAX)
		return -EMSGSIZE;
	if (len && !data)
		return -EINVAL;
	memcpy(buf, hdr, sizeof(*hdr));
	if (len)
		memcpy(buf + sizeof(*hdr), data, len);
	size_t n = handle == IRIS_HANDLE_INVALID ? 0 : 1;
	int r = iris_chan_send_handles(c, buf, sizeof(*hdr) + len, flags, &handle, NULL, n,
	                               timeout_ns);
	if (r < 0)
		return r;
	return (size_t)r == n ? 0
	                      : -EBADF; /* the handle was refused: the message went without it */
}

int iris_rpc_client_from_env(const char *var, struct iris_chan *chan, struct iris_rpc_client *cl)
{
	iris_handle_t h = iris_handle_from_env(var);
	if (h == IRIS_HANDLE_INVALID || iris_chan_open(chan, h) < 0)
		return -ENOENT;
	iris_rpc_client_init(cl, chan);
	return 0;
}

void iris_rpc_client_init(struct iris_rpc_client *cl, struct iris_chan *chan)
{
	memset(cl, 0, sizeof(*cl));
	cl->chan = chan;
	cl->next_id = 1;
}

static struct iris_rpc_slot *find(struct iris_rpc_client *cl, uint32_t id)
{
	for (size_t i = 0; i < IRIS_RPC_INFLIGHT_MAX; i++)
		if (cl->slot[i].id == id)
			return &cl->slot[i];
	return NULL;
}

long iris_rpc_send(struct iris_rpc_client *cl, uint16_t op, const void *args, size_t len,
                   iris_handle_t handle, int64_t timeout_ns)
{
	struct iris_rpc_slot *s = find(cl, 0);
	if (!s)
		return -EBUSY;
	uint32_t id = cl->next_id;
	cl->next_id = id + 1 > INT32_MAX ? 1 : id + 1; /* ids stay positive as a long */
	struct iris_rpc_hdr hdr = { .id = id, .op = op, .status = 0 };
	int r = send_msg(cl->chan, &hdr, 0, args, len, handle, timeout_ns);
	if (r < 0)
		return r; /* -EBADF: sent without the handle; its reply will be dropped */
	s->id = id;
	s->parked = 0;
	return (long)id;
}

/* Closes the handle a parked or dropped reply holds. */
static void drop(struct iris_rpc_msg *m)
{
	if (m->handle != IRIS_HANDLE_INVALID)
		sys_handle_close(m->handle);
	m->handle = IRIS_HANDLE_INVALID;
}

void iris_rpc_forget(struct iris_rpc_client *cl, uint32_t id)
{
	struct iris_rpc_slot *s = id ? find(cl, id) : NULL;
	if (!s)
		return;
	if (s->parked)
		drop(&s->msg);
	s->id = 0;
	s->parked = 0;
}

int iris_rpc_wait(struct iris_rpc_client *cl, uint32_t id, void *reply, size_t cap,
                  iris_handle_t *handle, int64_t timeout_ns)
{
	struct iris_rpc_slot *s = id ? find(cl, id) : NULL;
	if (!s)
		return -ENOENT;
	while (!s->parked) {
		struct iris_rpc_msg m;
		int r = recv_msg(cl->chan, &m, 1, timeout_ns);
		if (r > 0)
			continue;
		if (r < 0) {
			if (r != -ETIMEDOUT && r != -EAGAIN)
				iris_rpc_forget(cl, id);
			return r;
		}
		struct iris_rpc_slot *to = m.hdr.id ? find(cl, m.hdr.id) : NULL;
		if (!to || to->parked) {
			drop(&m);
			continue;
		}
		to->msg = m;
		to->parked = 1;
	}
	struct iris_rpc_msg *m = &s->msg;
	int status = m->hdr.status;
	size_t n = m->len < cap ? m->len : cap;
	if (n)
		memcpy(reply, m->data, n);
	if (handle) {
		*handle = m->handle;
		m->handle = IRIS_HANDLE_INVALID;
	}
	iris_rpc_forget(cl, id);
	return status < 0 ? status : (int)m->len;
}

int iris_rpc_call_handles(struct iris_rpc_client *cl, uint16_t op, const void *args, size_t len,
                          iris_handle_t handle_in, void *reply, size_t cap,
                          iris_handle_t *handle_out, int64_t timeout_ns)
{
	long id = iris_rpc_send(cl, op, args, len, handle_in, timeout_ns);
	if (id < 0)
		return (int)id;
	int r = iris_rpc_wait(cl, (uint32_t)id, reply, cap, handle_out, timeout_ns);
	if (r == -ETIMEDOUT || r == -EAGAIN)
		iris_rpc_forget(cl, (uint32_t)id);
	return r;
}

int iris_rpc_call(struct iris_rpc_client *cl, uint16_t op, const void *args, size_t len,
                  void *reply, size_t cap, int64_t timeout_ns)
{
	return iris_rpc_call_handles(cl, op, args, len, IRIS_HANDLE_INVALID, reply, cap, NULL,
	                             timeout_ns);
}

int iris_rpc_recv(struct iris_chan *c, struct iris_rpc_msg *req, int64_t timeout_ns)
{
	int r;
	while ((r = recv_msg(c, req, 0, timeout_ns)) > 0)
		;
	return r;
}

int iris_rpc_reply(struct iris_chan *c, const struct iris_rpc_msg *req, int status,
                   const void *data, size_t len, iris_handle_t handle, int64_t timeout_ns)
{
	struct iris_rpc_hdr hdr = { .id = req->hdr.id,
		                    .op = req->hdr.op,
		                    .status = (int16_t)status };
	return send_msg(c, &hdr, IRIS_RPC_REPLY, data, len, handle, timeout_ns);
}
