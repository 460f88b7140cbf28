/*
 * Remote procedure calls over a channel (iris/chan.h): libc's client and
 * server calls on the RPC framing (iris/proto/rpc.h: a header, up to
 * IRIS_RPC_ARGS_MAX bytes, at most one handle, ids matching replies to
 * requests). Replies may come in any order: the client parks early ones in a
 * small table, so up to IRIS_RPC_INFLIGHT_MAX requests can be outstanding at
 * once.
 *
 * Thread-safety: a struct iris_rpc_client is used by one thread at a time; a
 * server side (iris_rpc_recv, iris_rpc_reply on one channel) likewise by one
 * thread, or by one receiving and one replying thread (as iris_chan allows).
 */
#pragma once

#include <iris/chan.h>
#include <iris/proto/rpc.h>
#include <stddef.h>
#include <stdint.h>

#define IRIS_RPC_INFLIGHT_MAX 32 /* requests one client may have outstanding */

/* A request or a parked reply as received. */
struct iris_rpc_msg {
	struct iris_rpc_hdr hdr;
	uint32_t len;         /* bytes of data */
	iris_handle_t handle; /* sent with it, now the receiver's; else IRIS_HANDLE_INVALID */
	uint8_t data[IRIS_RPC_ARGS_MAX];
};

struct iris_rpc_slot {
	uint32_t id;    /* 0: free */
	uint8_t parked; /* its reply arrived: it is in msg */
	struct iris_rpc_msg msg;
};

struct iris_rpc_client {
	struct iris_chan *chan; /* not owned */
	uint32_t next_id;
	struct iris_rpc_slot slot[IRIS_RPC_INFLIGHT_MAX];
};

/* Makes *cl a client on `chan` (which it uses but does not own), with nothing outstanding. */
void iris_rpc_client_init(struct iris_rpc_client *cl, struct iris_chan *chan);

/*
 * Opens *chan on the initial handle the environment variable `var` names
 * (iris/startup.h) and makes *cl a client on it. Returns 0, or -ENOENT when
 * there is no such handle or it is not a channel.
 */
int iris_rpc_client_from_env(const char *var, struct iris_chan *chan, struct iris_rpc_client *cl);

/*
 * Sends request `op` with args[0..len) and, unless it is IRIS_HANDLE_INVALID,
 * `handle` (moved to the server), waiting up to timeout_ns for a free slot.
 * Returns the request's id (> 0), or a negative errno: -EBUSY when
 * IRIS_RPC_INFLIGHT_MAX requests are outstanding, -EMSGSIZE when len >
 * IRIS_RPC_ARGS_MAX, iris_chan_send_handles' errors, and -EBADF when the
 * kernel refused `handle` (the request went without it and its reply will
 * be dropped). On any error `handle` is still the caller's.
 */
long iris_rpc_send(struct iris_rpc_client *cl, uint16_t op, const void *args, size_t len,
                   iris_handle_t handle, int64_t timeout_ns);

/*
 * Waits up to timeout_ns (restarted after each reply parked on the way) for
 * the reply to request `id`, parking replies to other outstanding requests (replies to no
 * outstanding request are dropped, their handles closed). Copies its data into reply[0..cap)
 * (truncated to cap) and, when handle is not NULL, stores the handle that
 * came with it there (IRIS_HANDLE_INVALID if none; with handle NULL a
 * received handle is closed). Returns the reply's length when its status is
 * 0, else that status; -ENOENT when `id` is not outstanding; -ETIMEDOUT or, with a zero timeout,
 * -EAGAIN (the request stays outstanding: wait again or iris_rpc_forget it), -EPIPE, or -EBADMSG
 * from the channel. The request is done once this returns anything else than those two.
 */
int iris_rpc_wait(struct iris_rpc_client *cl, uint32_t id, void *reply, size_t cap,
                  iris_handle_t *handle, int64_t timeout_ns);

/* Gives up on request `id`: its reply, parked or yet to come, is dropped. */
void iris_rpc_forget(struct iris_rpc_client *cl, uint32_t id);

/*
 * iris_rpc_send then iris_rpc_wait, with the handles of both (handle_in
 * IRIS_HANDLE_INVALID: none; handle_out NULL: a returned one is closed). A
 * request that times out is forgotten. Returns as iris_rpc_wait.
 */
int iris_rpc_call_handles(struct iris_rpc_client *cl, uint16_t op, const void *args, size_t len,
                          iris_handle_t handle_in, void *reply, size_t cap,
                          iris_handle_t *handle_out, int64_t timeout_ns);

/* iris_rpc_call_handles without handles. */
int iris_rpc_call(struct iris_rpc_client *cl, uint16_t op, const void *args, size_t len,
                  void *reply, size_t cap, int64_t timeout_ns);

/*
 * Server side: receives the next request into *req, waiting up to timeout_ns
 * (0: not at all). Returns 0, or iris_chan_recv_handles' errors (-EAGAIN,
 * -ETIMEDOUT, -EPIPE once the client is gone, -EBADMSG: the channel is
 * broken, close it). A message shorter than a header, a reply, or one with
 * more than one handle is skipped (its handles closed).
 */
int iris_rpc_recv(struct iris_chan *c, struct iris_rpc_msg *req, int64_t timeout_ns);

/*
 * Server side: answers `req` with `status`, data[0..len) and, unless it is
 * IRIS_HANDLE_INVALID, `handle` (moved to the client), waiting up to
 * timeout_ns for a free slot. Returns 0 or a negative errno as
 * iris_rpc_send (`handle` is still the caller's when nothing was sent).
 */
int iris_rpc_reply(struct iris_chan *c, const struct iris_rpc_msg *req, int status,
                   const void *data, size_t len, iris_handle_t handle, int64_t timeout_ns);
