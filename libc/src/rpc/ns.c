/* The client side of the name service (iris/ns.h). */
#include <errno.h>
#include <iris/ns.h>
#include <iris/rpc.h>
#include <iris/startup.h>
#include <iris/sys.h>
#include <stdlib.h>
#include <string.h>

#define NS_TIMEOUT_NS (5 * 1000000000LL)

static struct iris_chan chan;
static struct iris_rpc_client client;
static int state; /* 0: not tried yet, 1: connected, < 0: why not */

int iris_ns_use(iris_handle_t endpoint)
{
	if (state == 1)
		iris_chan_close(&chan);
	int r = iris_chan_open(&chan, endpoint);
	if (r < 0) {
		sys_handle_close(endpoint);
		state = r;
		return r;
	}
	iris_rpc_client_init(&client, &chan);
	state = 1;
	return 0;
}

/* The connection to ns, opened from IRIS_NS on first use; NULL when there is none. */
static struct iris_rpc_client *ns(void)
{
	if (state == 0) {
		state = iris_rpc_client_from_env("IRIS_NS", &chan, &client) == 0 ? 1 : -ENOENT;
	}
	return state == 1 ? &client : NULL;
}

/* Checks `name`; returns its length with the NUL, or -EINVAL. */
static long name_len(const char *name)
{
	size_t n = name ? strnlen(name, IRIS_NS_NAME_MAX) : 0;
	return n == 0 || n >= IRIS_NS_NAME_MAX ? -EINVAL : (long)n + 1;
}

int iris_ns_register(const char *name, struct iris_chan *listen)
{
	struct iris_rpc_client *cl = ns();
	long n = name_len(name);
	if (!cl)
		return -ENOENT;
	if (n < 0)
		return (int)n;
	struct iris_channel_info info;
	long mine = sys_channel_create(0, &info);
	if (mine < 0)
		return (int)mine;
	int r = iris_chan_open(listen, (iris_handle_t)mine);
	if (r < 0) {
		sys_handle_close((iris_handle_t)mine);
		sys_handle_close(info.peer);
		return r;
	}
	long id = iris_rpc_send(cl, IRIS_NS_OP_REGISTER, name, (size_t)n, info.peer, NS_TIMEOUT_NS);
	if (id < 0) {
		sys_handle_close(info.peer); /* not sent: still ours */
		iris_chan_close(listen);
		return (int)id;
	}
	r = iris_rpc_wait(cl, (uint32_t)id, NULL, 0, NULL, NS_TIMEOUT_NS);
	if (r == -ETIMEDOUT)
		iris_rpc_forget(cl, (uint32_t)id);
	if (r < 0) {
		iris_chan_close(listen);
		return r;
	}
	return 0;
}

int iris_ns_lookup(const char *name, iris_handle_t *endpoint)
{
	struct iris_rpc_client *cl = ns();
	long n = name_len(name);
	if (!cl)
		return -ENOENT;
	if (n < 0)
		return (int)n;
	iris_handle_t h = IRIS_HANDLE_INVALID;
	int r = iris_rpc_call_handles(cl, IRIS_NS_OP_LOOKUP, name, (size_t)n, IRIS_HANDLE_INVALID,
	                              NULL, 0, &h, NS_TIMEOUT_NS);
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

int iris_ns_list(uint32_t index, char name[IRIS_NS_NAME_MAX])
{
	struct iris_rpc_client *cl = ns();
	if (!cl)
		return -ENOENT;
	char reply[IRIS_NS_NAME_MAX];
	int r = iris_rpc_call(cl, IRIS_NS_OP_LIST, &index, sizeof(index), reply, sizeof(reply),
	                      NS_TIMEOUT_NS);
	if (r < 0)
		return r;
	/* ns is trusted no further than its reply's shape: a NUL-terminated, non-empty name */
	if (r < 2 || memchr(reply, '\0', (size_t)r) != reply + r - 1)
		return -EBADMSG;
	memcpy(name, reply, (size_t)r);
	return 0;
}

int iris_ns_lookup_wait(const char *name, int64_t timeout_ns, iris_handle_t *endpoint)
{
	long start = sys_clock_get(IRIS_CLOCK_MONOTONIC);
	for (;;) {
		int r = iris_ns_lookup(name, endpoint);
		long now = sys_clock_get(IRIS_CLOCK_MONOTONIC);
		if (r != -ENOENT || !ns() || start < 0 || now < 0 || now - start >= timeout_ns)
			return r;
		sys_sleep(IRIS_NS_RETRY_NS);
	}
}

/* Opens endpoint `h` (from a lookup that returned `r`) in *c. 0 or a negative errno. */
static int open_endpoint(int r, iris_handle_t h, struct iris_chan *c)
{
	if (r < 0)
		return r;
	r = iris_chan_open(c, h);
	if (r < 0)
		sys_handle_close(h);
	return r;
}

int iris_ns_connect(const char *name, struct iris_chan *c)
{
	iris_handle_t h = IRIS_HANDLE_INVALID;
	return open_endpoint(iris_ns_lookup(name, &h), h, c);
}

int iris_ns_connect_wait(const char *name, int64_t timeout_ns, struct iris_chan *c)
{
	iris_handle_t h = IRIS_HANDLE_INVALID;
	return open_endpoint(iris_ns_lookup_wait(name, timeout_ns, &h), h, c);
}

int iris_ns_accept(struct iris_chan *listen, iris_handle_t *client_end, int64_t timeout_ns)
{
	for (;;) {
		struct iris_rpc_msg m;
		int r = iris_rpc_recv(listen, &m, timeout_ns);
		if (r < 0)
			return r;
		if (m.hdr.op == IRIS_NS_OP_CONNECT && m.handle != IRIS_HANDLE_INVALID) {
			*client_end = m.handle;
			return 0;
		}
		if (m.handle != IRIS_HANDLE_INVALID)
			sys_handle_close(m.handle);
	}
}

int iris_ns_client(iris_handle_t *endpoint)
{
	struct iris_rpc_client *cl = ns();
	if (!cl)
		return -ENOENT;
	iris_handle_t h = IRIS_HANDLE_INVALID;
	int r = iris_rpc_call_handles(cl, IRIS_NS_OP_CLIENT, NULL, 0, IRIS_HANDLE_INVALID, NULL, 0,
	                              &h, NS_TIMEOUT_NS);
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
