/*
 * Channels: two endpoints over two SPSC queues in a shared memory object
 * (include/iris/abi/channel.h). The queues themselves are the processes'
 * business; the kernel only tells a sleeping peer to look (NOTIFY, POLL),
 * reports a closed peer (HUP), and moves handles between the two sides.
 */
#pragma once

#include <iris/abi/channel.h>
#include <obj/handle.h>
#include <obj/object.h>
#include <obj/vmo.h>
#include <obj/waitable.h>
#include <stdbool.h>
#include <stdint.h>
#include <sync/spinlock.h>

struct channel;

struct endpoint {
	struct kobject obj; /* KOBJ_CHANNEL */
	struct channel *ch;
	uint32_t side;
	struct waitable w;  /* IN and OUT from the queues, HUP once the peer is closed */
	bool closed;        /* every handle to it has been closed */
	uint32_t in_flight; /* handle FIFOs it sits in (it is on its way somewhere) */
};

struct handle_fifo {
	struct kobject *obj[IRIS_CHANNEL_HANDLES_MAX];
	uint32_t rights[IRIS_CHANNEL_HANDLES_MAX];
	uint32_t head, count;
	uint32_t endpoints; /* how many of them are channel endpoints */
};

struct channel {
	uint32_t endpoints; /* endpoint objects alive: the channel goes with the last */
	struct vmo *vmo;    /* every page allocated up front */
	uint32_t slots;
	spinlock_t lock;            /* the handle FIFOs and the closed flags */
	struct handle_fifo fifo[2]; /* fifo[s]: sent by side s, received by 1 - s */
	struct endpoint ep[2];
};

static inline struct endpoint *endpoint_from(struct kobject *o)
{
	return (struct endpoint *)o;
}

/* Creates a channel; returns it (both endpoints with one reference each) or NULL. */
struct channel *channel_create(uint32_t slots);

/* The layout of `ep`'s channel, as SYS_CHANNEL_INFO reports it (peer = -1). */
void channel_info(struct endpoint *ep, struct iris_channel_info *info);

/* Tells the peer of `ep` that `events` (IN: data, OUT: space) happened. */
void channel_notify(struct endpoint *ep, uint32_t events);

/*
 * Moves `obj` toward the peer of `ep`, with `rights`. On success the FIFO
 * takes the caller's reference, and the object counts as one open handle
 * while it is in flight (channel_pop_handle's new handle replaces that one),
 * so an endpoint on its way is not closed; the caller then closes its own
 * handle. On failure the caller keeps its reference.
 *
 * So that endpoints in flight can never hold each other alive in a cycle no
 * process can reach (A's end travelling in B, B's in A), an endpoint in a
 * FIFO never has endpoints waiting for it: one with endpoints waiting to be
 * received cannot be sent, and endpoints cannot be sent toward one that is
 * on its way (docs/channels.md).
 *
 * Returns 0, -EINVAL (one of this channel's own endpoints), -ENOSPC (too
 * many in flight), -EPIPE (peer closed), -EBUSY (an endpoint that would
 * break that rule).
 */
int channel_push_handle(struct endpoint *ep, struct kobject *obj, uint32_t rights);

/*
 * Takes the oldest handle sent to `ep` and publishes it, with the rights it
 * was sent with, in `slot` of table `t` (reserved by the caller). Returns
 * the new handle, or -EAGAIN if none waits (the slot is still reserved).
 */
iris_handle_t channel_pop_handle(struct endpoint *ep, struct handle_table *t, int slot);
