/*
 * The name service's protocol (servers/ns): servers register a name, clients
 * look it up and get a fresh channel to the server. RPC (iris/proto/rpc.h)
 * on a channel to ns:
 *
 *   REGISTER  args: the name (NUL-terminated, < IRIS_NS_NAME_MAX bytes);
 *             handle: the server's end of its registration channel, on which
 *             ns sends CONNECT. Reply 0. A name registered again replaces the
 *             old registration (a restarted server takes over its name).
 *   LOOKUP    args: the name. ns creates a channel, sends one end to the
 *             server (CONNECT) and replies 0 with the other end; -ENOENT at
 *             once when no live server holds the name (a client that means
 *             to wait for a server to appear looks again).
 *   CLIENT    a fresh channel to ns itself, for another process.
 *   LIST      args: uint32_t index. Reply 0 with the index-th registered
 *             name (NUL-terminated) as data; -ENOENT past the last. Names
 *             are in no particular order, and one that registers or goes
 *             while a client walks the list may be seen twice or missed.
 *   CONNECT   ns → server, one-way (id 0): the handle is a new client's end.
 *
 * A server whose registration channel is closed (it ended) is forgotten.
 *
 * Reaching ns: init starts ns first and gives every program it starts, after
 * the boot-module handles, one more initial handle: its own channel to ns.
 * The environment variable IRIS_NS holds that handle's index.
 *
 * libc's client is iris/ns.h.
 */
#pragma once

#define IRIS_NS_NAME_MAX 64

enum {
	IRIS_NS_OP_REGISTER = 1,
	IRIS_NS_OP_LOOKUP = 2,
	IRIS_NS_OP_CLIENT = 3,
	IRIS_NS_OP_CONNECT = 4,
	IRIS_NS_OP_LIST = 5,
};
