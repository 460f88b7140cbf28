/*
 * RPC over channels and the name service (KTAP): round trips, many requests
 * in flight answered out of order, a bulk memory object sent with a request,
 * register + lookup + a message through the looked-up channel, an unknown
 * name, and a server that is killed and restarted under the same name. The
 * RPC server is a thread of this program; the restarted server is this
 * program too: `test_ns child GEN` registers "svc" and answers every client
 * with "genGEN".
 */
#include "ktap.h"
#include <errno.h>
#include <iris/modules.h>
#include <iris/ns.h>
#include <iris/rpc.h>
#include <iris/sys.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SEC (1000000000LL)

enum { OP_ECHO = 1, OP_HOLD, OP_FLUSH, OP_BULK, OP_QUIT, OP_UNKNOWN };

/*
 * The RPC test server: ECHO answers at once with twice its number, HOLD is
 * kept until FLUSH, which answers the held requests in reverse order and
 * then itself; BULK reads a number from the memory object sent with it;
 * QUIT ends the thread. Anything else gets -ENOSYS.
 */
static void *rpc_server(void *arg)
{
	struct iris_chan *c = arg;
	static struct iris_rpc_msg held[IRIS_RPC_INFLIGHT_MAX];
	size_t nheld = 0;
	for (;;) {
		struct iris_rpc_msg m;
		if (iris_rpc_recv(c, &m, IRIS_CHAN_FOREVER) < 0)
			return NULL;
		uint32_t v = 0;
		memcpy(&v, m.data, m.len < sizeof(v) ? m.len : sizeof(v));
		v *= 2;
		switch (m.hdr.op) {
		case OP_ECHO:
			iris_rpc_reply(c, &m, 0, &v, sizeof(v), IRIS_HANDLE_INVALID, SEC);
			break;
		case OP_HOLD:
			if (nheld < IRIS_RPC_INFLIGHT_MAX)
				held[nheld++] = m;
			break;
		case OP_FLUSH:
			while (nheld > 0) {
				struct iris_rpc_msg *h = &held[--nheld];
				uint32_t w = 0;
				memcpy(&w, h->data, sizeof(w));
				w *= 2;
				iris_rpc_reply(c, h, 0, &w, sizeof(w), IRIS_HANDLE_INVALID, SEC);
			}
			iris_rpc_reply(c, &m, 0, NULL, 0, IRIS_HANDLE_INVALID, SEC);
			break;
		case OP_BULK: {
			long map = m.handle < 0
			                   ? -EBADF
			                   : sys_map(NULL, 4096, IRIS_PROT_READ, 0, m.handle, 0);
			uint32_t w = map < 0 ? 0 : 2 * *(volatile uint32_t *)map;
			if (map >= 0)
				sys_unmap((void *)map, 4096);
			if (m.handle >= 0)
				sys_handle_close(m.handle);
			iris_rpc_reply(c, &m, map < 0 ? (int)map : 0, &w, sizeof(w),
			               IRIS_HANDLE_INVALID, SEC);
			break;
		}
		case OP_QUIT:
			iris_rpc_reply(c, &m, 0, NULL, 0, IRIS_HANDLE_INVALID, SEC);
			return NULL;
		default:
			iris_rpc_reply(c, &m, -ENOSYS, NULL, 0, IRIS_HANDLE_INVALID, SEC);
			break;
		}
	}
}

static void test_rpc(void)
{
	static struct iris_chan a, b;
	static struct iris_rpc_client cl;
	pthread_t t;
	int ok = iris_chan_create(&a, &b, 0) == 0 && pthread_create(&t, NULL, rpc_server, &b) == 0;
	if (!ktap_check(ok, "rpc: a channel and a server thread")) {
		for (int i = 0; i < 6; i++)
			ktap_check(false, "rpc: skipped");
		return;
	}
	iris_rpc_client_init(&cl, &a);

	ok = true;
	for (uint32_t i = 0; i < 200 && ok; i++) {
		uint32_t r = 0;
		ok = iris_rpc_call(&cl, OP_ECHO, &i, sizeof(i), &r, sizeof(r), 5 * SEC) ==
		             sizeof(r) &&
		     r == 2 * i;
	}
	ktap_check(ok, "rpc: 200 round trips");

	long ids[IRIS_RPC_INFLIGHT_MAX];
	ok = true;
	for (uint32_t i = 0; i < IRIS_RPC_INFLIGHT_MAX - 1 && ok; i++) {
		uint32_t v = 100 + i;
		ids[i] = iris_rpc_send(&cl, OP_HOLD, &v, sizeof(v), IRIS_HANDLE_INVALID, SEC);
		ok = ids[i] > 0;
	}
	ids[IRIS_RPC_INFLIGHT_MAX - 1] =
	        iris_rpc_send(&cl, OP_FLUSH, NULL, 0, IRIS_HANDLE_INVALID, SEC);
	ok = ok && ids[IRIS_RPC_INFLIGHT_MAX - 1] > 0;
	ktap_check(ok && iris_rpc_send(&cl, OP_ECHO, NULL, 0, IRIS_HANDLE_INVALID, SEC) == -EBUSY,
	           "rpc: %d requests in flight, one more is -EBUSY", IRIS_RPC_INFLIGHT_MAX);

	/* The server answers in reverse order; waiting in send order parks the others. */
	for (uint32_t i = 0; i < IRIS_RPC_INFLIGHT_MAX - 1 && ok; i++) {
		uint32_t r = 0;
		ok = iris_rpc_wait(&cl, (uint32_t)ids[i], &r, sizeof(r), NULL, 5 * SEC) ==
		             sizeof(r) &&
		     r == 2 * (100 + i);
	}
	ok = ok && iris_rpc_wait(&cl, (uint32_t)ids[IRIS_RPC_INFLIGHT_MAX - 1], NULL, 0, NULL,
	                         5 * SEC) == 0;
	ktap_check(ok, "rpc: replies out of order reach their requests");
	ktap_check(iris_rpc_wait(&cl, (uint32_t)ids[0], NULL, 0, NULL, 0) == -ENOENT,
	           "rpc: waiting for a finished request is -ENOENT");

	long vmo = sys_vmo_create(4096);
	long map = vmo < 0 ? vmo
	                   : sys_map(NULL, 4096, IRIS_PROT_READ | IRIS_PROT_WRITE, 0,
	                             (iris_handle_t)vmo, 0);
	uint32_t r = 0;
	int got = (int)map;
	if (map >= 0) {
		*(volatile uint32_t *)map = 21;
		sys_unmap((void *)map, 4096);
		got = iris_rpc_call_handles(&cl, OP_BULK, NULL, 0, (iris_handle_t)vmo, &r,
		                            sizeof(r), NULL, 5 * SEC);
	}
	ktap_check(got == sizeof(r) && r == 42, "rpc: a memory object sent with a request (%d)",
	           got);
	ktap_check(iris_rpc_call(&cl, OP_UNKNOWN, NULL, 0, NULL, 0, 5 * SEC) == -ENOSYS,
	           "rpc: the server's status comes back (-ENOSYS)");
	iris_rpc_call(&cl, OP_QUIT, NULL, 0, NULL, 0, 5 * SEC);
	pthread_join(t, NULL);
	iris_chan_close(&a);
	iris_chan_close(&b);
}

/* Looks `name` up until it is there (a server that is starting), for up to 5 s. */
static int lookup_retry(const char *name, struct iris_chan *c)
{
	int r = -ENOENT;
	for (int i = 0; i < 500 && r == -ENOENT; i++)
		if ((r = iris_ns_connect(name, c)) == -ENOENT)
			usleep(10000);
	return r;
}

/* Sends "ping" on a fresh connection to "svc" and reads the answer into buf. */
static int ask_svc(struct iris_chan *c, char *buf, size_t cap)
{
	int r = iris_chan_send(c, "ping", 5, 0, 5 * SEC);
	if (r < 0)
		return r;
	r = iris_chan_recv(c, buf, cap, NULL, 5 * SEC);
	if (r > 0)
		buf[r - 1] = '\0';
	return r;
}

/* How many times LIST names `name` (-1: the walk did not end with -ENOENT). */
static int list_has(const char *name)
{
	char got[IRIS_NS_NAME_MAX];
	int n = 0, r;
	uint32_t i = 0;
	while ((r = iris_ns_list(i++, got)) == 0)
		n += strcmp(got, name) == 0;
	return r == -ENOENT && i < 64 ? n : -1;
}
static void test_ns(void)
{
	struct iris_chan listen, client, server;
	iris_handle_t h = IRIS_HANDLE_INVALID;
	char buf[32] = "";

	int r = iris_ns_register("test.echo", &listen);
	int ok = r == 0;
	ktap_check(ok, "ns: register test.echo (%d)", r);
	ok = ok && iris_ns_connect("test.echo", &client) == 0;
	ok = ok && iris_ns_accept(&listen, &h, 5 * SEC) == 0 && iris_chan_open(&server, h) == 0;
	ktap_check(ok, "ns: lookup, and the server accepts the new client");
	ok = ok && iris_chan_send(&client, "hello", 6, 0, 5 * SEC) == 0 &&
	     iris_chan_recv(&server, buf, sizeof(buf), NULL, 5 * SEC) == 6 &&
	     strcmp(buf, "hello") == 0;
	ktap_check(ok, "ns: a message through the looked-up channel");
	ktap_check(iris_ns_lookup("no.such.name", &h) == -ENOENT, "ns: unknown name is -ENOENT");
	ktap_check(list_has("test.echo") == 1, "ns: LIST shows test.echo once, then -ENOENT");

	/* A server that dies and is restarted. */
	iris_handle_t p1 = iris_module_spawn("test_ns", "test_ns child 1");
	ok = p1 >= 0 && lookup_retry("svc", &client) == 0 &&
	     ask_svc(&client, buf, sizeof(buf)) > 0 && strcmp(buf, "gen1") == 0;
	ktap_check(ok, "ns: a child registers svc and answers through ns (%s)", buf);
	struct iris_exit_info ei;
	if (p1 >= 0) {
		sys_kill(p1);
		sys_wait(p1, &ei, 0);
		sys_handle_close(p1);
	}
	ktap_check(iris_ns_lookup("svc", &h) == -ENOENT && list_has("svc") == 0,
	           "ns: svc is gone once its server died, from LIST too");
	if (ok)
		iris_chan_close(&client);

	iris_handle_t p2 = iris_module_spawn("test_ns", "test_ns child 2");
	ok = p2 >= 0 && lookup_retry("svc", &client) == 0 &&
	     ask_svc(&client, buf, sizeof(buf)) > 0 && strcmp(buf, "gen2") == 0;
	ktap_check(ok, "ns: the restarted svc is reached by new lookups (%s)", buf);
	if (ok)
		iris_chan_close(&client);
	if (p2 >= 0) {
		sys_kill(p2);
		sys_wait(p2, &ei, 0);
		sys_handle_close(p2);
	}
}

/* The "svc" server: answers each client's first message with "gen<gen>". */
static int child(const char *gen)
{
	struct iris_chan listen;
	char reply[16];
	snprintf(reply, sizeof(reply), "gen%s", gen);
	if (iris_ns_register("svc", &listen) < 0)
		return 1;
	for (;;) {
		iris_handle_t h;
		struct iris_chan c;
		char buf[16];
		if (iris_ns_accept(&listen, &h, IRIS_CHAN_FOREVER) < 0)
			return 1;
		if (iris_chan_open(&c, h) < 0) {
			sys_handle_close(h);
			continue;
		}
		if (iris_chan_recv(&c, buf, sizeof(buf), NULL, 5 * SEC) > 0)
			iris_chan_send(&c, reply, strlen(reply) + 1, 0, 5 * SEC);
		iris_chan_close(&c);
	}
}

int main(int argc, char **argv)
{
	if (iris_modules_init() < 0) {
		printf("test_ns: the boot modules are not described\n");
		return 1;
	}
	if (argc == 3 && strcmp(argv[1], "child") == 0)
		return child(argv[2]);
	ktap_plan(15);
	test_rpc();
	test_ns();
	return ktap_done();
}
