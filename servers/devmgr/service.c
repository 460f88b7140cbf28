/*
 * The management service (service.h). A LIST reply carries struct
 * devmgr_driver_info up to and including the NUL of last_exit (the whole
 * structure does not fit in one message); the client zero-fills the rest.
 */
#include "service.h"
#include "driver.h"
#include "manifest.h"
#include "waitset.h"
#include <errno.h>
#include <iris/log.h>
#include <iris/ns.h>
#include <iris/proto/devmgr.h>
#include <iris/rpc.h>
#include <iris/sys.h>
#include <stddef.h>
#include <string.h>

_Static_assert(offsetof(struct devmgr_driver_info, last_exit) + DRIVER_EXIT_TEXT <=
                       IRIS_RPC_ARGS_MAX,
               "a LIST reply holds the fixed fields and the longest last_exit");
_Static_assert(MANIFEST_DRIVER_MAX <= DEVMGR_DRIVER_MAX, "a LIST reply holds a driver's name");

struct client {
	bool used;
	struct iris_chan chan;
	struct waiter w;
};

static struct iris_chan listen;
static struct waiter listen_w;
static bool listening;
static struct client clients[SERVICE_CLIENTS_MAX];

int service_start(void)
{
	int r = iris_ns_register("devmgr", &listen);
	if (r < 0)
		return r;
	r = waitset_add(&listen_w, listen.endpoint, &listen, IRIS_POLL_IN);
	if (r < 0) {
		iris_chan_close(&listen);
		return r;
	}
	listening = true;
	return 0;
}

static void client_add(iris_handle_t endpoint)
{
	for (size_t i = 0; i < SERVICE_CLIENTS_MAX; i++) {
		struct client *c = &clients[i];
		if (c->used)
			continue;
		if (iris_chan_open(&c->chan, endpoint) < 0)
			break;
		if (waitset_add(&c->w, c->chan.endpoint, &c->chan, IRIS_POLL_IN) < 0) {
			iris_chan_close(&c->chan);
			return;
		}
		c->used = true;
		return;
	}
	sys_handle_close(endpoint);
}

static void client_drop(struct client *c)
{
	waitset_remove(&c->w);
	iris_chan_close(&c->chan);
	c->used = false;
}

/* The instance named in a request's arguments (NUL-terminated), or NULL. */
static struct driver *named(const struct iris_rpc_msg *m)
{
	if (m->len < 2 || m->len > DEVMGR_NAME_MAX || m->data[m->len - 1] != '\0')
		return NULL;
	return driver_find((const char *)m->data);
}

/* Answers one request; returns the reply's status (a failed reply drops the client). */
static int serve(struct client *c, const struct iris_rpc_msg *m)
{
	struct devmgr_driver_info info;
	size_t len = 0;
	int status;
	uint32_t index;
	struct driver *d;
	switch (m->hdr.op) {
	case DEVMGR_OP_LIST:
		if (m->len != sizeof(index)) {
			status = -EINVAL;
			break;
		}
		memcpy(&index, m->data, sizeof(index));
		status = driver_describe(index, &info);
		len = status < 0 ? 0
		                 : offsetof(struct devmgr_driver_info, last_exit) +
		                           strlen(info.last_exit) + 1;
		break;
	case DEVMGR_OP_RESTART:
		d = named(m);
		status = d ? driver_restart(d) : -ENOENT;
		break;
	case DEVMGR_OP_CRASH:
		d = named(m);
		status = d ? driver_crash(d) : -ENOENT;
		break;
	default:
		status = -ENOSYS;
		break;
	}
	if (m->handle != IRIS_HANDLE_INVALID)
		sys_handle_close(m->handle);
	return iris_rpc_reply(&c->chan, m, status, &info, len, IRIS_HANDLE_INVALID, 0);
}

/* Takes the clients the name service sent since the last look. */
static void accept_clients(void)
{
	for (;;) {
		iris_handle_t h;
		int r = iris_ns_accept(&listen, &h, 0);
		if (r == 0) {
			client_add(h);
			continue;
		}
		if (r != -EAGAIN) {
			iris_log(IRIS_LOG_ERROR,
			         "devmgr: the name service is gone (%s): no more clients\n",
			         strerror(-r));
			waitset_remove(&listen_w);
			iris_chan_close(&listen);
			listening = false;
		}
		return;
	}
}

void service_poll(void)
{
	if (listening)
		accept_clients();
	for (size_t i = 0; i < SERVICE_CLIENTS_MAX; i++) {
		struct client *c = &clients[i];
		while (c->used) {
			struct iris_rpc_msg m;
			int r = iris_rpc_recv(&c->chan, &m, 0);
			if (r == -EAGAIN)
				break;
			if (r < 0 || serve(c, &m) < 0)
				client_drop(c);
		}
	}
}
