/*
 * The RPC framing every server protocol in iris/proto/ rides on, over a
 * channel (iris/abi/channel.h). A message is one channel slot: a struct
 * iris_rpc_hdr followed by up to IRIS_RPC_ARGS_MAX bytes of arguments (or
 * results), and at most one handle sent with it (a memory object for bulk
 * data, a channel endpoint, ...). A request carries an id chosen by the
 * client (> 0) and an operation; its reply repeats both, gives a status (0 or
 * a negative errno) and has IRIS_RPC_REPLY in the slot's flags. A one-way
 * message (a server being handed a new client, for one) is a request with id
 * 0, which is never answered. Replies may come in any order: the client
 * matches them to its requests by id. A receiver skips (closing its handles)
 * a message shorter than a header, one of the wrong kind (a reply where a
 * request is due, or the other way) and one with more than one handle.
 *
 * libc's client and server calls on this framing are iris/rpc.h.
 */
#pragma once

#include <iris/abi/channel.h>
#include <stdint.h>

struct iris_rpc_hdr {
	uint32_t id;    /* chosen by the client (> 0); a reply repeats it */
	uint16_t op;    /* the operation; a reply repeats it */
	int16_t status; /* a reply: 0 or a negative errno; a request: 0 */
};

/* The iris_msg flags (iris/abi/channel.h) of a reply; a request has none. */
#define IRIS_RPC_REPLY    0x1u
#define IRIS_RPC_ARGS_MAX (IRIS_CHANNEL_MSG_MAX - sizeof(struct iris_rpc_hdr))
