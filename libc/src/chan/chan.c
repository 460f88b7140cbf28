/*
 * Channels from userspace (iris/chan.h): the two SPSC queues of a channel's
 * shared memory, and sleeping without lost wake-ups.
 *
 * Ordering. A sender fills the slot at tail, then stores tail + 1 with
 * release; a receiver loads tail with acquire before it reads the slot, then
 * stores head + 1 with release once it has copied the slot out; the sender
 * loads head with acquire before it reuses a slot. So a slot is never read
 * while it is written, as long as the peer follows the protocol; if it does
 * not, the receiver may copy garbage, but only ever from inside the slot.
 *
 * Wake-up elision and why no wake-up is lost. Take the receiving side (the
 * sending side is the same with producer_waiting, "space" and IRIS_POLL_OUT):
 *
 *   receiver                              sender
 *   R1 consumer_sleeping = 1              S1 tail = t + 1       (release)
 *   R2 full fence                         S2 full fence
 *   R3 queue still empty?                 S3 consumer_sleeping set?
 *   R4   SYS_POLL(IN | HUP)               S4   SYS_CHANNEL_NOTIFY(IN)
 *   R5 consumer_sleeping = 0
 *
 * The two fences order each side's store before its load, so R3 and S3
 * cannot both miss the other's store (the store-buffering pattern): either
 * R3 sees the message and the receiver does not sleep, or S3 sees the flag
 * and the sender notifies. In the second case the notify may reach the
 * kernel before the receiver's SYS_POLL does: the kernel works out IN from
 * the shared indices when the poll starts, and S1 came before S4, so the poll
 * completes at once; if the poll is already waiting, the notify makes the
 * kernel look again. (The kernel must look at the indices and put the waiter
 * to sleep under the same lock that the notify's wake-up takes.) Because the
 * kernel looks for itself, R3 only spares the system call when the message
 * came just in time; what no wake-up may do without is S2 after S1, and R1
 * before R4. A flag left set costs only a needless notify; the kernel answers
 * a poll from the indices, never from notifies, so a stale notify wakes
 * nobody wrongly.
 * Before it raises its flag a waiter spins briefly on the queue: a peer busy
 * on another CPU usually answers within that time, and then neither side
 * enters the kernel.
 */
#include "chan_sys.h"
#include <iris/abi/ring.h>
#include <iris/chan.h>
#include <stdbool.h>
#include <string.h>

/* Looks at the queue before a waiter raises its flag and sleeps. */
#define SPINS_BEFORE_SLEEP 128
/* No deadline (yet): it is taken from the clock only once a thread is about to sleep. */
#define NO_DEADLINE INT64_MAX

/* The layout SYS_CHANNEL_INFO reported keeps every slot inside the mapping. */
static bool layout_ok(const struct iris_channel_info *info)
{
	uint32_t slots = info->slots;
	if (info->side > 1 || !slots || slots > IRIS_CHANNEL_SLOTS_MAX || (slots & (slots - 1)))
		return false;
	uint64_t bytes = (uint64_t)slots * IRIS_CHANNEL_SLOT_SIZE;
	uint64_t off0 = info->queue_offset[0], off1 = info->queue_offset[1];
	for (int q = 0; q < 2; q++) {
		uint64_t off = info->queue_offset[q];
		if (off < sizeof(struct iris_channel_header) || off % _Alignof(struct iris_msg) ||
		    off + bytes > info->size)
			return false;
	}
	return off0 + bytes <= off1 || off1 + bytes <= off0;
}

/* Maps the channel `info` describes and fills *c. Returns 0 or a negative errno. */
static int attach(struct iris_chan *c, iris_handle_t endpoint, const struct iris_channel_info *info)
{
	if (!layout_ok(info))
		return -EINVAL;
	void *base;
	long r = libc_chan_map(endpoint, info->size, &base);
	if (r < 0)
		return (int)r;
	struct iris_channel_header *hdr = base;
	uint32_t side = info->side;
	*c = (struct iris_chan){
		.endpoint = endpoint,
		.side = side,
		.slots = info->slots,
		.base = base,
		.size = info->size,
		.tx = &hdr->queue[side],
		.rx = &hdr->queue[1 - side],
		.tx_slots = (struct iris_msg *)((char *)base + info->queue_offset[side]),
		.rx_slots = (struct iris_msg *)((char *)base + info->queue_offset[1 - side]),
	};
	/* The one time this side's own indices are read: they start where the last owner left them.
	 */
	c->tx_tail = __atomic_load_n(&c->tx->tail, __ATOMIC_RELAXED);
	c->rx_head = __atomic_load_n(&c->rx->head, __ATOMIC_RELAXED);
	return 0;
}

int iris_chan_open(struct iris_chan *c, iris_handle_t endpoint)
{
	struct iris_channel_info info;
	long r = libc_chan_info(endpoint, &info);
	if (r < 0)
		return (int)r;
	return attach(c, endpoint, &info);
}

int iris_chan_create(struct iris_chan *a, struct iris_chan *b, uint32_t slots)
{
	struct iris_channel_info info;
	long ep = libc_chan_create(slots, &info);
	if (ep < 0)
		return (int)ep;
	iris_handle_t peer = info.peer;
	int r = attach(a, (iris_handle_t)ep, &info);
	if (r < 0) {
		libc_chan_close((iris_handle_t)ep);
	} else {
		r = iris_chan_open(b, peer);
		if (r == 0)
			return 0;
		iris_chan_close(a);
	}
	libc_chan_close(peer);
	return r;
}

void iris_chan_close(struct iris_chan *c)
{
	libc_chan_unmap(c->base, c->size);
	libc_chan_close(c->endpoint);
	*c = (struct iris_chan){ .endpoint = IRIS_HANDLE_INVALID };
}

/*
 * After publishing an index: the full fence orders that store before the
 * load of the peer's flag (see the top of the file); a raised flag means the
 * peer sleeps, or is about to, and must be told about `event`.
 */
static void wake_peer(struct iris_chan *c, const uint32_t *flag, unsigned event)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!__atomic_load_n(flag, __ATOMIC_RELAXED))
		return;
	__atomic_fetch_add(&c->notifies, 1, __ATOMIC_RELAXED);
	/* Only a closed peer refuses a notify, and the blocking calls report that as -EPIPE. */
	libc_chan_notify(c->endpoint, event);
}

/* Slots in use in the send queue, or more than c->slots when the peer's head is impossible. */
static uint32_t tx_used(const struct iris_chan *c)
{
	return c->tx_tail - __atomic_load_n(&c->tx->head, __ATOMIC_ACQUIRE);
}

/* Messages waiting in the receive queue, or more than c->slots when the peer's tail is impossible.
 */
static uint32_t rx_ready(const struct iris_chan *c)
{
	return __atomic_load_n(&c->rx->tail, __ATOMIC_ACQUIRE) - c->rx_head;
}

/*
 * Sends a message with the handles h[0..n) (see iris_chan_send_handles).
 * The slot is secured first: once a handle has moved, the message must go.
 */
static int send_core(struct iris_chan *c, const void *data, size_t len, uint16_t flags,
                     const iris_handle_t *h, const uint32_t *rights, size_t n)
{
	if (len > IRIS_CHANNEL_MSG_MAX)
		return -EMSGSIZE;
	if ((len && !data) || n > IRIS_CHANNEL_HANDLES_MAX || (n && !h))
		return -EINVAL;
	uint32_t used = tx_used(c);
	if (used > c->slots)
		return -EBADMSG;
	if (used == c->slots)
		return -EAGAIN;
	size_t sent = 0;
	for (; sent < n; sent++) {
		long r = libc_chan_send_handle(c->endpoint, h[sent],
		                               rights ? rights[sent] : IRIS_RIGHTS_SAME);
		if (r < 0) {
			if (!sent)
				return (int)r;
			break;
		}
	}
	struct iris_msg *m = &c->tx_slots[c->tx_tail & (c->slots - 1)];
	m->len = (uint32_t)len;
	m->handles = (uint16_t)sent;
	m->flags = flags;
	if (len)
		memcpy(m->data, data, len);
	c->tx_tail++;
	__atomic_store_n(&c->tx->tail, c->tx_tail, __ATOMIC_RELEASE);
	wake_peer(c, &c->tx->consumer_sleeping, IRIS_POLL_IN);
	return (int)sent;
}

/* Gives the slot at rx_head back to the sender. */
static void rx_release(struct iris_chan *c)
{
	c->rx_head++;
	__atomic_store_n(&c->rx->head, c->rx_head, __ATOMIC_RELEASE);
	wake_peer(c, &c->rx->producer_waiting, IRIS_POLL_OUT);
}

/* Receives a message and up to hcap handles (see iris_chan_recv_handles). */
static int recv_core(struct iris_chan *c, void *buf, size_t cap, struct iris_msg_meta *meta,
                     iris_handle_t *h, size_t hcap)
{
	if (cap && !buf)
		return -EINVAL;
	uint32_t ready = rx_ready(c);
	if (!ready)
		return -EAGAIN;
	if (ready > c->slots)
		return -EBADMSG;
	/* Each field is read exactly once: the peer may be rewriting the slot right now. */
	const struct iris_msg *m = &c->rx_slots[c->rx_head & (c->slots - 1)];
	struct iris_msg_meta got = {
		.len = __atomic_load_n(&m->len, __ATOMIC_RELAXED),
		.handles = __atomic_load_n(&m->handles, __ATOMIC_RELAXED),
		.flags = __atomic_load_n(&m->flags, __ATOMIC_RELAXED),
	};
	if (got.len > IRIS_CHANNEL_MSG_MAX) {
		rx_release(c);
		return -EBADMSG;
	}
	if (meta)
		*meta = got;
	if (got.len > cap || got.handles > hcap)
		return -EMSGSIZE;
	if (got.len)
		memcpy(buf, m->data, got.len);
	rx_release(c);
	for (uint32_t i = 0; i < got.handles; i++) {
		long r = libc_chan_recv_handle(c->endpoint);
		if (r < 0) {
			while (i)
				libc_chan_close(h[--i]);
			return r == -EAGAIN ? -EBADMSG : (int)r;
		}
		h[i] = (iris_handle_t)r;
	}
	return (int)got.len;
}

int iris_chan_try_send(struct iris_chan *c, const void *data, size_t len, uint16_t flags)
{
	return send_core(c, data, len, flags, NULL, NULL, 0);
}

int iris_chan_try_recv(struct iris_chan *c, void *buf, size_t cap, struct iris_msg_meta *meta)
{
	return recv_core(c, buf, cap, meta, NULL, 0);
}

/* What a sender waits for: a free slot (an impossible head counts: the retry reports it). */
static bool can_send(const struct iris_chan *c)
{
	return c->tx_tail - __atomic_load_n(&c->tx->head, __ATOMIC_RELAXED) != c->slots;
}

/* What a receiver waits for: a message (or an impossible tail). */
static bool can_recv(const struct iris_chan *c)
{
	return __atomic_load_n(&c->rx->tail, __ATOMIC_RELAXED) != c->rx_head;
}

/*
 * Sleeps in the kernel until `event` or HUP, at most until *deadline, which
 * is set from timeout_ns (> 0, or negative for none) on the first sleep of a
 * call. Returns the ready events or a negative errno (-ETIMEDOUT).
 */
static long sleep_until(struct iris_chan *c, unsigned event, int64_t timeout_ns, int64_t *deadline)
{
	int64_t left = -1;
	if (timeout_ns > 0) {
		int64_t now = libc_chan_clock();
		if (*deadline == NO_DEADLINE)
			*deadline = now > INT64_MAX - timeout_ns ? INT64_MAX - 1 : now + timeout_ns;
		left = *deadline - now;
		if (left <= 0)
			return -ETIMEDOUT;
	}
	__atomic_fetch_add(&c->waits, 1, __ATOMIC_RELAXED);
	return libc_chan_wait(c->endpoint, event | IRIS_POLL_HUP, left);
}

/*
 * Waits until the send queue has space (`send`) or the receive queue has a
 * message: spins a little, then raises this side's flag and sleeps (see the
 * top of the file). Returns 0 when the caller should try again, -EPIPE when
 * the peer is closed (for a receiver: and the queue is empty), or a negative
 * errno (-ETIMEDOUT).
 */
static int await(struct iris_chan *c, bool send, int64_t timeout_ns, int64_t *deadline)
{
	bool (*ready)(const struct iris_chan *) = send ? can_send : can_recv;
	for (int i = 0; i < SPINS_BEFORE_SLEEP; i++) {
		if (ready(c))
			return 0;
		__builtin_ia32_pause();
	}
	uint32_t *flag = send ? &c->tx->producer_waiting : &c->rx->consumer_sleeping;
	__atomic_store_n(flag, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	long ev = 0;
	if (!ready(c))
		ev = sleep_until(c, send ? IRIS_POLL_OUT : IRIS_POLL_IN, timeout_ns, deadline);
	__atomic_store_n(flag, 0, __ATOMIC_RELAXED);
	if (ev < 0)
		return (int)ev;
	if ((ev & IRIS_POLL_HUP) && (send || !ready(c)))
		return -EPIPE;
	return 0;
}

int iris_chan_send_handles(struct iris_chan *c, const void *data, size_t len, uint16_t flags,
                           const iris_handle_t *h, const uint32_t *rights, size_t n,
                           int64_t timeout_ns)
{
	int64_t deadline = NO_DEADLINE;
	for (;;) {
		int r = send_core(c, data, len, flags, h, rights, n);
		if (r != -EAGAIN || !timeout_ns)
			return r;
		r = await(c, true, timeout_ns, &deadline);
		if (r < 0)
			return r;
	}
}

int iris_chan_recv_handles(struct iris_chan *c, void *buf, size_t cap, struct iris_msg_meta *meta,
                           iris_handle_t *h, size_t hcap, int64_t timeout_ns)
{
	int64_t deadline = NO_DEADLINE;
	for (;;) {
		int r = recv_core(c, buf, cap, meta, h, hcap);
		if (r != -EAGAIN || !timeout_ns)
			return r;
		r = await(c, false, timeout_ns, &deadline);
		if (r < 0)
			return r;
	}
}

int iris_chan_send(struct iris_chan *c, const void *data, size_t len, uint16_t flags,
                   int64_t timeout_ns)
{
	return iris_chan_send_handles(c, data, len, flags, NULL, NULL, 0, timeout_ns);
}

int iris_chan_recv(struct iris_chan *c, void *buf, size_t cap, struct iris_msg_meta *meta,
                   int64_t timeout_ns)
{
	return iris_chan_recv_handles(c, buf, cap, meta, NULL, 0, timeout_ns);
}
