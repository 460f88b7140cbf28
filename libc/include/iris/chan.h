/*
 * A process's end of a channel (iris/abi/channel.h): the mapping of the shared
 * queues, sending and receiving fixed-size messages, blocking with wake-up
 * elision (seed 003, "IPC Wake Up"), and handles sent along with messages.
 *
 * The fast path makes no system call: a sender copies its message into the
 * next slot and publishes the queue's tail, a receiver copies it out and
 * publishes the head. A thread that has to wait first raises a flag in the
 * shared memory (consumer_sleeping, producer_waiting) and sleeps in SYS_POLL;
 * its peer enters the kernel (SYS_CHANNEL_NOTIFY) only when it sees that
 * flag. So two busy processes on separate CPUs exchange messages with no
 * kernel entry at all; `notifies` and `waits` count the entries there were.
 *
 * The shared memory is untrusted: the peer may write anything anywhere in it.
 * Each side keeps its own copy of the index it owns (the tail of the queue it
 * sends on, the head of the one it receives on) and only ever stores it; the
 * peer's index and a slot's length are read once and checked, and a bad one
 * is reported as -EBADMSG. Nothing outside the mapping or the caller's
 * buffers is ever touched.
 *
 * A struct iris_chan may be used by one sending thread and one receiving
 * thread at the same time (not by two senders or two receivers).
 */
#pragma once

#include <errno.h>
#include <iris/abi/channel.h>
#include <iris/abi/errno.h>
#include <iris/abi/handle.h>
#include <stddef.h>
#include <stdint.h>

/* Timeouts of the blocking calls: 0 never waits, a negative one waits as long as it takes. */
#define IRIS_CHAN_FOREVER (-1)

struct iris_chan {
	iris_handle_t endpoint; /* owned: iris_chan_close closes it */
	uint32_t side;          /* sends on queue[side], receives on queue[1 - side] */
	uint32_t slots;         /* per queue, a power of two */
	void *base;             /* the mapping: `size` bytes */
	size_t size;
	struct iris_chanq *tx, *rx; /* queue[side], queue[1 - side] */
	struct iris_msg *tx_slots, *rx_slots;
	uint32_t tx_tail;  /* the next slot to fill: only ever stored to tx->tail */
	uint32_t rx_head;  /* the next slot to read: only ever stored to rx->head */
	uint64_t notifies; /* SYS_CHANNEL_NOTIFY calls made (atomic: both threads add) */
	uint64_t waits;    /* sleeps in SYS_POLL (atomic: both threads add) */
};

/* What came with a received message besides its data. */
struct iris_msg_meta {
	uint32_t len;     /* bytes of data */
	uint16_t handles; /* handles sent with it */
	uint16_t flags;   /* the sender's flags, for the protocol on top */
};

/*
 * Opens a channel endpoint received from elsewhere: SYS_CHANNEL_INFO, then
 * maps the channel memory. The indices this side owns start from the values
 * in the shared memory (the endpoint may have been used before it was handed
 * over); from then on they are never read back. On success *c owns the
 * endpoint. Returns 0 or a negative errno (EINVAL: a layout this library
 * cannot use); on failure the endpoint is left open and nothing else remains.
 */
int iris_chan_open(struct iris_chan *c, iris_handle_t endpoint);

/*
 * Creates a channel of `slots` slots per direction (0: the default; rounded
 * up to a power of two by the kernel) and opens both its ends in this
 * process: *a is side 0, *b side 1 (for threads of one process, and tests;
 * to give an end to another process, send the peer handle of
 * sys_channel_create and keep the other). Returns 0 or a negative errno; on
 * failure nothing remains.
 */
int iris_chan_create(struct iris_chan *a, struct iris_chan *b, uint32_t slots);

/* Unmaps the channel and closes the endpoint; the peer then sees HUP once no other handle to it
 * remains. */
void iris_chan_close(struct iris_chan *c);

/*
 * Sends `len` bytes of `data` with `flags` without waiting. Returns 0,
 * -EAGAIN when the queue is full, -EMSGSIZE when len > IRIS_CHANNEL_MSG_MAX,
 * -EINVAL when data is NULL and len is not 0, -EBADMSG when the peer's head is
 * impossible. A closed peer is not noticed here (the message is lost): the
 * blocking calls and SYS_POLL report it as HUP.
 */
int iris_chan_try_send(struct iris_chan *c, const void *data, size_t len, uint16_t flags);

/*
 * Receives the oldest message into buf[0..cap) and its description into
 * *meta (may be NULL) without waiting. Returns its length, or -EAGAIN when the
 * queue is empty; -EMSGSIZE when it is longer than cap or carries handles
 * (use iris_chan_recv_handles): *meta is filled, and the message stays;
 * -EBADMSG when the peer broke the protocol: the tail is impossible (nothing
 * is taken), or the slot's length is (the slot is dropped); -EINVAL when buf
 * is NULL and cap is not 0.
 */
int iris_chan_try_recv(struct iris_chan *c, void *buf, size_t cap, struct iris_msg_meta *meta);

/*
 * iris_chan_try_send that waits up to timeout_ns (relative; IRIS_CHAN_FOREVER:
 * no limit) for space. Also -ETIMEDOUT, and -EPIPE once the peer is closed.
 */
int iris_chan_send(struct iris_chan *c, const void *data, size_t len, uint16_t flags,
                   int64_t timeout_ns);

/*
 * iris_chan_try_recv that waits up to timeout_ns for a message. Also
 * -ETIMEDOUT, and -EPIPE once the peer is closed and every message it sent
 * has been received.
 */
int iris_chan_recv(struct iris_chan *c, void *buf, size_t cap, struct iris_msg_meta *meta,
                   int64_t timeout_ns);

/*
 * Sends a message with the handles h[0..n) (n <= IRIS_CHANNEL_HANDLES_MAX),
 * each with rights[i] (rights NULL: IRIS_RIGHTS_SAME), waiting up to
 * timeout_ns for a free slot first. Each handle moves to the peer: it is
 * closed here. Returns how many handles went with the message: n, or fewer
 * when the kernel refused h[k] (full FIFO, a bad handle or rights) after the
 * first k had moved — the message is then sent with those k, so that the
 * receiver stays in step, and h[k..n) are still the caller's. Returns a
 * negative errno when nothing was sent: the errors of iris_chan_send and the
 * kernel's error for h[0].
 */
int iris_chan_send_handles(struct iris_chan *c, const void *data, size_t len, uint16_t flags,
                           const iris_handle_t *h, const uint32_t *rights, size_t n,
                           int64_t timeout_ns);

/*
 * Receives a message and the handles sent with it into h[0..meta->handles),
 * waiting up to timeout_ns. As iris_chan_recv; -EMSGSIZE also when the
 * message carries more than hcap handles (it stays). When the kernel does not
 * hand over a handle the message announced — the peer did not send it
 * (-EBADMSG), or this process has no free handle (-EMFILE) — the message is
 * taken, the handles received for it are closed, and the handles the kernel
 * still holds for it would go with the next message: close the channel.
 */
int iris_chan_recv_handles(struct iris_chan *c, void *buf, size_t cap, struct iris_msg_meta *meta,
                           iris_handle_t *h, size_t hcap, int64_t timeout_ns);
