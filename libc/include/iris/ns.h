/*
 * The name service (iris/proto/ns.h): libc's client, and the server side's
 * registration. A process reaches ns through the initial handle IRIS_NS
 * names; iris_module_spawn passes a fresh one on (CLIENT) when it can.
 *
 * Not thread-safe: one thread per process uses the ns connection at a time.
 */
#pragma once

#include <iris/chan.h>
#include <iris/proto/ns.h>

#define IRIS_NS_RETRY_NS 20000000LL /* between two lookups of a name nobody holds yet */

/*
 * Uses `endpoint` (owned from now on) as this process's channel to ns
 * instead of the initial handle IRIS_NS names (init, which starts ns). 0 or
 * a negative errno (the endpoint is then closed).
 */
int iris_ns_use(iris_handle_t endpoint);

/*
 * Registers `name`: creates the registration channel, sends its peer end to
 * ns and opens the other end in *listen (for iris_ns_accept). 0 or a negative
 * errno: -ENOENT when this process has no channel to ns, -EINVAL for a bad
 * name, ns's error.
 */
int iris_ns_register(const char *name, struct iris_chan *listen);

/*
 * Looks `name` up: a new endpoint connected to its server in *endpoint. 0
 * or a negative errno; -ENOENT at once when no live server holds the name.
 */
int iris_ns_lookup(const char *name, iris_handle_t *endpoint);

/*
 * iris_ns_lookup, waiting up to timeout_ns for a server to register `name`
 * (one that is starting, or restarting): looks again every
 * IRIS_NS_RETRY_NS while the answer is -ENOENT. 0 or a negative errno
 * (-ENOENT: still nobody when the time was up).
 */
int iris_ns_lookup_wait(const char *name, int64_t timeout_ns, iris_handle_t *endpoint);

/*
 * The index-th registered name, into name[IRIS_NS_NAME_MAX]: 0, -ENOENT past
 * the last, or a negative errno. Walk from 0 until -ENOENT (the list may
 * change meanwhile: a name seen twice or missed).
 */
int iris_ns_list(uint32_t index, char name[IRIS_NS_NAME_MAX]);

/* iris_ns_lookup, then opens the endpoint in *chan. 0 or a negative errno. */
int iris_ns_connect(const char *name, struct iris_chan *chan);

/* iris_ns_lookup_wait, then opens the endpoint in *chan. 0 or a negative errno. */
int iris_ns_connect_wait(const char *name, int64_t timeout_ns, struct iris_chan *chan);

/*
 * Server side: waits up to timeout_ns on the registration channel for the
 * next client and stores its endpoint in *client. 0 or a negative errno
 * (-EPIPE: ns is gone).
 */
int iris_ns_accept(struct iris_chan *listen, iris_handle_t *client, int64_t timeout_ns);

/* Asks ns for a fresh channel to it, for another process: *endpoint. 0 or a negative errno. */
int iris_ns_client(iris_handle_t *endpoint);
