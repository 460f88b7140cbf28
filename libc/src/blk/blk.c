/*
 * The client side of the block-device protocol (iris/blk.h, docs/block.md).
 *
 * Every request lives in a slot from blk_submit until blk_reap hands its
 * completion back: FREE -> SENT -> DONE -> FREE. A SENT slot is what a
 * restarted driver must see again: when the channel breaks (the driver
 * closed it, or sent garbage), blk_reap reconnects by name and sends every
 * SENT slot once more, oldest first. DONE slots wait in a FIFO for the
 * caller. The driver is not trusted: a reply must name a SENT slot with the
 * same operation, and anything odd breaks the connection (which costs a
 * reconnect, never a crash).
 */
#include <errno.h>
#include <iris/blk.h>
#include <iris/ns.h>
#include <iris/proto/rpc.h>
#include <iris/sys.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CALL_TIMEOUT_NS (5 * 1000000000LL) /* ATTACH, IDENTIFY while connecting */
#define RETRY_NS        20000000ull        /* between two lookups of a missing name */
#define MIN_BUFFER      (128u << 10)
#define PAGE_SIZE       4096u

enum { SLOT_FREE, SLOT_SENT, SLOT_DONE };

struct blk_slot {
	uint8_t state;
	uint16_t op;
	uint32_t id; /* of the RPC on the current connection */
	uint32_t count;
	uint32_t flags; /* BLK_RW_* */
	int status;     /* DONE */
	uint64_t seq;   /* submission order */
	uint64_t lba, offset, cookie;
};

struct blk_dev {
	char name[IRIS_NS_NAME_MAX];
	struct iris_chan chan;
	bool connected; /* chan is open */
	bool broken;    /* chan must be replaced before use */
	bool gone;      /* gave up: everything fails with -ENODEV */
	struct blk_identify info;
	iris_handle_t vmo;
	void *buf;
	size_t buf_size;
	uint32_t next_id;
	uint64_t next_seq;
	unsigned used; /* slots not FREE */
	struct blk_slot slot[BLK_QUEUE_MAX];
	uint8_t done[BLK_QUEUE_MAX]; /* FIFO of DONE slot indices */
	uint32_t done_head, done_tail;
	struct blk_stats stats;
};

static uint64_t now_ns(void)
{
	long t = sys_clock_get(IRIS_CLOCK_MONOTONIC);
	return t < 0 ? 0 : (uint64_t)t;
}

static uint32_t new_id(struct blk_dev *b)
{
	uint32_t id = b->next_id++;
	if (b->next_id > INT32_MAX)
		b->next_id = 1;
	return id;
}

/* Sends header + args[0..len) and, unless invalid, handle h (moved). 0 or a negative errno. */
static int send_req(struct blk_dev *b, uint32_t id, uint16_t op, const void *args, size_t len,
                    iris_handle_t h)
{
	uint8_t msg[IRIS_CHANNEL_MSG_MAX];
	struct iris_rpc_hdr hdr = { .id = id, .op = op, .status = 0 };
	memcpy(msg, &hdr, sizeof(hdr));
	if (len)
		memcpy(msg + sizeof(hdr), args, len);
	size_t n = h == IRIS_HANDLE_INVALID ? 0 : 1;
	int r = iris_chan_send_handles(&b->chan, msg, sizeof(hdr) + len, 0, &h, NULL, n,
	                               IRIS_CHAN_FOREVER);
	if (r >= 0 && (size_t)r != n)
		r = -EPIPE; /* the handle did not go: as good as a dead driver */
	if (r < 0 && n)
		sys_handle_close(h);
	return r < 0 ? r : 0;
}

/*
 * Receives one reply, waiting up to timeout_ns. Returns its data length and
 * fills *hdr and data[0..cap); -ETIMEDOUT; -EPIPE when the connection is
 * unusable (closed, or the driver broke the protocol).
 */
static int recv_reply(struct blk_dev *b, struct iris_rpc_hdr *hdr, void *data, size_t cap,
                      int64_t timeout_ns)
{
	uint8_t msg[IRIS_CHANNEL_MSG_MAX];
	struct iris_msg_meta meta;
	int r = iris_chan_recv(&b->chan, msg, sizeof(msg), &meta, timeout_ns);
	if (r == -ETIMEDOUT || r == -EAGAIN)
		return -ETIMEDOUT;
	if (r < 0 || meta.len < sizeof(*hdr) || !(meta.flags & IRIS_RPC_REPLY))
		return -EPIPE;
	memcpy(hdr, msg, sizeof(*hdr));
	size_t n = meta.len - sizeof(*hdr);
	if (n > cap)
		n = cap;
	if (n)
		memcpy(data, msg + sizeof(*hdr), n);
	return (int)(meta.len - sizeof(*hdr));
}

/*
 * One request and its reply on a fresh connection (nothing else is
 * outstanding on it). Returns the reply's length, its status, or -EPIPE /
 * -ETIMEDOUT.
 */
static int call(struct blk_dev *b, uint16_t op, iris_handle_t h, void *reply, size_t cap)
{
	uint32_t id = new_id(b);
	int r = send_req(b, id, op, NULL, 0, h);
	if (r < 0)
		return r;
	struct iris_rpc_hdr hdr;
	r = recv_reply(b, &hdr, reply, cap, CALL_TIMEOUT_NS);
	if (r < 0)
		return r;
	if (hdr.id != id || hdr.op != op)
		return -EPIPE;
	return hdr.status < 0 ? hdr.status : r;
}

/* IDENTIFY's reply makes sense. */
static bool identify_ok(const struct blk_identify *id)
{
	uint32_t ss = id->sector_size;
	return id->sectors > 0 && ss >= 512 && ss <= 65536 && !(ss & (ss - 1)) &&
	       id->max_sectors > 0 && (uint64_t)id->max_sectors * ss <= BLK_BUFFER_MAX &&
	       memchr(id->model, '\0', sizeof(id->model)) != NULL;
}

/* Creates and maps the data buffer for requests of up to `info.max_sectors`. */
static int buffer_create(struct blk_dev *b, size_t want)
{
	size_t one = (size_t)b->info.max_sectors * b->info.sector_size;
	size_t size = want > one ? want : one;
	if (size < MIN_BUFFER)
		size = MIN_BUFFER;
	size = (size + PAGE_SIZE - 1) & ~(size_t)(PAGE_SIZE - 1);
	if (size > BLK_BUFFER_MAX)
		return -EINVAL;
	long vmo = sys_vmo_create(size);
	if (vmo < 0)
		return (int)vmo;
	long addr = sys_map(NULL, size, IRIS_PROT_READ | IRIS_PROT_WRITE, 0, (iris_handle_t)vmo, 0);
	if (addr < 0) {
		sys_handle_close((iris_handle_t)vmo);
		return (int)addr;
	}
	b->vmo = (iris_handle_t)vmo;
	b->buf = (void *)addr;
	b->buf_size = size;
	return 0;
}

/*
 * Connects once: lookup, IDENTIFY, ATTACH. The first connection learns the
 * disk and creates the buffer (of `want` bytes); later ones insist on the
 * same disk (-ENODEV otherwise). Returns 0, or a negative errno; -ENOENT,
 * -EPIPE and -ETIMEDOUT are worth another try.
 */
static int connect_once(struct blk_dev *b, size_t want)
{
	int r = iris_ns_connect(b->name, &b->chan);
	if (r < 0)
		return r;
	struct blk_identify id;
	memset(&id, 0, sizeof(id));
	r = call(b, BLK_OP_IDENTIFY, IRIS_HANDLE_INVALID, &id, sizeof(id));
	if (r >= 0 && ((size_t)r < sizeof(id) || !identify_ok(&id)))
		r = -EPIPE;
	if (r >= 0 && b->buf) {
		if (id.sectors != b->info.sectors || id.sector_size != b->info.sector_size ||
		    id.max_sectors < b->info.max_sectors || strcmp(id.model, b->info.model) != 0)
			r = -ENODEV; /* another disk answers to the name now */
	} else if (r >= 0) {
		b->info = id;
		r = buffer_create(b, want);
	}
	if (r >= 0) {
		/* No MAP: the driver pins the buffer for its device and never sees the data. */
		long dup = sys_handle_duplicate(b->vmo, IRIS_RIGHT_READ | IRIS_RIGHT_WRITE |
		                                                IRIS_RIGHT_TRANSFER);
		r = dup < 0 ? (int)dup : call(b, BLK_OP_ATTACH, (iris_handle_t)dup, NULL, 0);
	}
	if (r < 0) {
		iris_chan_close(&b->chan);
		return r;
	}
	b->connected = true;
	b->broken = false;
	return 0;
}

/*
 * Connects, retrying the transient failures (-EPIPE, -ETIMEDOUT) for up to
 * BLK_RECONNECT_NS, and a name nobody holds (-ENOENT) for up to absent_ns
 * of that.
 */
static int connect_retry(struct blk_dev *b, size_t want, uint64_t absent_ns)
{
	uint64_t start = now_ns();
	for (;;) {
		int r = connect_once(b, want);
		if (r == 0)
			return 0;
		uint64_t waited = now_ns() - start;
		bool again = r == -EPIPE || r == -ETIMEDOUT || (r == -ENOENT && waited < absent_ns);
		if (!again || waited >= BLK_RECONNECT_NS)
			return r;
		sys_sleep(RETRY_NS);
	}
}

static void slot_done(struct blk_dev *b, struct blk_slot *s, int status)
{
	s->state = SLOT_DONE;
	s->status = status;
	b->done[b->done_tail++ % BLK_QUEUE_MAX] = (uint8_t)(s - b->slot);
}

/* Sends a SENT slot on the current connection (a new id each time). */
static void slot_send(struct blk_dev *b, struct blk_slot *s)
{
	struct blk_rw rw = {
		.lba = s->lba, .offset = s->offset, .count = s->count, .flags = s->flags
	};
	s->id = new_id(b);
	bool rw_op = s->op != BLK_OP_FLUSH;
	if (send_req(b, s->id, s->op, rw_op ? &rw : NULL, rw_op ? sizeof(rw) : 0,
	             IRIS_HANDLE_INVALID) < 0)
		b->broken = true; /* it stays SENT: the next connection sends it */
}

/* The SENT slot submitted first after sequence number `after`, or NULL. */
static struct blk_slot *next_sent(struct blk_dev *b, uint64_t after)
{
	struct blk_slot *best = NULL;
	for (size_t i = 0; i < BLK_QUEUE_MAX; i++) {
		struct blk_slot *s = &b->slot[i];
		if (s->state == SLOT_SENT && s->seq > after && (!best || s->seq < best->seq))
			best = s;
	}
	return best;
}

/*
 * Replaces a broken connection and sends every outstanding request again.
 * When that fails for good, every outstanding request fails with -ENODEV
 * and so does everything from now on.
 */
static void reconnect(struct blk_dev *b)
{
	if (b->connected)
		iris_chan_close(&b->chan);
	b->connected = false;
	int r = connect_retry(b, 0, BLK_RECONNECT_NS);
	if (r < 0) {
		b->gone = true;
		for (struct blk_slot *s = next_sent(b, 0); s; s = next_sent(b, s->seq))
			slot_done(b, s, -ENODEV);
		return;
	}
	b->stats.reconnects++;
	for (struct blk_slot *s = next_sent(b, 0); s && !b->broken; s = next_sent(b, s->seq)) {
		slot_send(b, s);
		b->stats.resubmitted++;
	}
}

/* Takes a reply: its SENT slot becomes DONE. Anything that matches no slot breaks the connection.
 */
static void take_reply(struct blk_dev *b, const struct iris_rpc_hdr *hdr)
{
	for (size_t i = 0; i < BLK_QUEUE_MAX; i++) {
		struct blk_slot *s = &b->slot[i];
		if (s->state == SLOT_SENT && s->id == hdr->id) {
			if (s->op != hdr->op || hdr->status > 0)
				break;
			slot_done(b, s, hdr->status);
			return;
		}
	}
	b->broken = true;
}

int blk_open(const char *name, size_t buf_size, uint64_t wait_ns, struct blk_dev **out)
{
	size_t n = name ? strnlen(name, IRIS_NS_NAME_MAX) : 0;
	if (n == 0 || n >= IRIS_NS_NAME_MAX || buf_size > BLK_BUFFER_MAX)
		return -EINVAL;
	struct blk_dev *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	memcpy(b->name, name, n + 1);
	b->vmo = IRIS_HANDLE_INVALID;
	b->next_id = 1;
	b->next_seq = 1;
	int r = connect_retry(b, buf_size, wait_ns);
	if (r < 0) {
		blk_close(b);
		return r;
	}
	*out = b;
	return 0;
}

void blk_close(struct blk_dev *b)
{
	if (!b)
		return;
	if (b->connected)
		iris_chan_close(&b->chan);
	if (b->buf)
		sys_unmap(b->buf, b->buf_size);
	if (b->vmo != IRIS_HANDLE_INVALID)
		sys_handle_close(b->vmo);
	free(b);
}

const struct blk_identify *blk_info(const struct blk_dev *b)
{
	return &b->info;
}

void *blk_buffer(const struct blk_dev *b)
{
	return b->buf;
}

size_t blk_buffer_size(const struct blk_dev *b)
{
	return b->buf_size;
}

unsigned blk_inflight(const struct blk_dev *b)
{
	return b->used;
}

const struct blk_stats *blk_stats(const struct blk_dev *b)
{
	return &b->stats;
}

int blk_submit(struct blk_dev *b, int op, uint64_t lba, uint32_t count, size_t offset,
               uint64_t cookie)
{
	return blk_submit_flags(b, op, 0, lba, count, offset, cookie);
}

int blk_submit_flags(struct blk_dev *b, int op, uint32_t flags, uint64_t lba, uint32_t count,
                     size_t offset, uint64_t cookie)
{
	uint32_t allowed = op == BLK_OP_WRITE  ? BLK_RW_ORDERED | BLK_RW_FUA
	                   : op == BLK_OP_READ ? BLK_RW_ORDERED
	                                       : 0;
	if (flags & ~allowed)
		return -EINVAL;
	if (op == BLK_OP_FLUSH) {
		if (lba || count || offset)
			return -EINVAL;
	} else if (op == BLK_OP_READ || op == BLK_OP_WRITE) {
		uint64_t bytes = (uint64_t)count * b->info.sector_size;
		if (!count || count > b->info.max_sectors || offset > b->buf_size ||
		    bytes > b->buf_size - offset || offset % BLK_OFFSET_ALIGN)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (b->gone)
		return -ENODEV;
	if (b->used == BLK_QUEUE_MAX)
		return -EBUSY;
	struct blk_slot *s = b->slot;
	while (s->state != SLOT_FREE)
		s++;
	*s = (struct blk_slot){ .state = SLOT_SENT,
		                .op = (uint16_t)op,
		                .count = count,
		                .seq = b->next_seq++,
		                .lba = lba,
		                .offset = offset,
		                .flags = flags,
		                .cookie = cookie };
	b->used++;
	if (!b->broken)
		slot_send(b, s);
	return 0;
}

/* Moves up to `max` DONE slots to out[]; returns how many. */
static int pop_done(struct blk_dev *b, struct blk_completion *out, size_t max)
{
	int n = 0;
	while ((size_t)n < max && b->done_head != b->done_tail) {
		struct blk_slot *s = &b->slot[b->done[b->done_head++ % BLK_QUEUE_MAX]];
		out[n++] = (struct blk_completion){ .cookie = s->cookie, .status = s->status };
		s->state = SLOT_FREE;
		b->used--;
	}
	return n;
}

int blk_reap(struct blk_dev *b, struct blk_completion *out, size_t max, int64_t timeout_ns)
{
	uint64_t deadline = timeout_ns > 0 ? now_ns() + (uint64_t)timeout_ns : 0;
	for (;;) {
		int n = pop_done(b, out, max);
		if (n > 0 || !max || b->used == 0)
			return n;
		if (b->broken || !b->connected) {
			reconnect(b);
			continue;
		}
		int64_t wait = timeout_ns;
		if (timeout_ns > 0) {
			uint64_t now = now_ns();
			if (now >= deadline)
				return 0;
			wait = (int64_t)(deadline - now);
		}
		struct iris_rpc_hdr hdr;
		int r = recv_reply(b, &hdr, NULL, 0, wait);
		if (r == -ETIMEDOUT)
			return 0;
		if (r < 0)
			b->broken = true;
		else
			take_reply(b, &hdr);
		/* collect whatever else is already there without waiting */
		while (!b->broken && (r = recv_reply(b, &hdr, NULL, 0, 0)) >= 0)
			take_reply(b, &hdr);
		if (r < 0 && r != -ETIMEDOUT)
			b->broken = true;
	}
}

/* One request, synchronously. */
static int sync_request(struct blk_dev *b, int op, uint64_t lba, uint32_t count)
{
	int r = blk_submit(b, op, lba, count, 0, 0);
	if (r < 0)
		return r;
	struct blk_completion c;
	while (blk_reap(b, &c, 1, -1) == 0)
		;
	return c.status;
}

/* The most sectors one synchronous request moves. */
static uint32_t sync_chunk(const struct blk_dev *b)
{
	uint64_t fit = b->buf_size / b->info.sector_size;
	return fit < b->info.max_sectors ? (uint32_t)fit : b->info.max_sectors;
}

int blk_read(struct blk_dev *b, uint64_t lba, uint32_t count, void *data)
{
	if (b->used)
		return -EBUSY;
	uint8_t *p = data;
	while (count) {
		uint32_t n = count < sync_chunk(b) ? count : sync_chunk(b);
		int r = sync_request(b, BLK_OP_READ, lba, n);
		if (r < 0)
			return r;
		size_t bytes = (size_t)n * b->info.sector_size;
		memcpy(p, b->buf, bytes);
		p += bytes;
		lba += n;
		count -= n;
	}
	return 0;
}

int blk_write(struct blk_dev *b, uint64_t lba, uint32_t count, const void *data)
{
	if (b->used)
		return -EBUSY;
	const uint8_t *p = data;
	while (count) {
		uint32_t n = count < sync_chunk(b) ? count : sync_chunk(b);
		size_t bytes = (size_t)n * b->info.sector_size;
		memcpy(b->buf, p, bytes);
		int r = sync_request(b, BLK_OP_WRITE, lba, n);
		if (r < 0)
			return r;
		p += bytes;
		lba += n;
		count -= n;
	}
	return 0;
}

int blk_flush(struct blk_dev *b)
{
	if (b->used)
		return -EBUSY;
	return sync_request(b, BLK_OP_FLUSH, 0, 0);
}

/* splitmix64: a good 64-bit mix of x. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Word i of sector `lba`'s pattern. */
static uint64_t pattern_word(uint64_t seed, uint64_t lba, size_t i)
{
	return mix(mix(seed ^ mix(lba)) + i);
}

void blk_pattern(void *data, uint32_t sector_size, uint64_t lba, uint32_t count, uint64_t seed)
{
	uint8_t *p = data;
	for (uint32_t s = 0; s < count; s++) {
		for (size_t i = 0; i < sector_size / 8; i++) {
			uint64_t w = pattern_word(seed, lba + s, i);
			memcpy(p + (size_t)s * sector_size + i * 8, &w, 8);
		}
	}
}

long blk_pattern_check(const void *data, uint32_t sector_size, uint64_t lba, uint32_t count,
                       uint64_t seed)
{
	const uint8_t *p = data;
	for (uint32_t s = 0; s < count; s++) {
		for (size_t i = 0; i < sector_size / 8; i++) {
			uint64_t w, want = pattern_word(seed, lba + s, i);
			memcpy(&w, p + (size_t)s * sector_size + i * 8, 8);
			if (w != want)
				return (long)s;
		}
	}
	return -1;
}
