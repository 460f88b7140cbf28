/*
 * The server side of the block-device protocol (driver/blkserv.h,
 * docs/block.md).
 *
 * A client is a channel, the buffer it attached (mapped here), and a pool
 * of BLK_QUEUE_MAX request entries: a request is validated, takes an entry
 * and goes to the driver; its reply is sent when the driver finishes it. A
 * client that leaves (HUP), breaks the protocol (more than BLK_QUEUE_MAX
 * outstanding, a reply queue it never empties, garbage in the channel) is
 * closed: nothing more is read or sent, and its memory is freed once the
 * driver has finished every request it holds and the loop no longer waits
 * on its channel.
 */
#include "blkcheck.h"
#include <driver/blkserv.h>
#include <driver/driver.h>
#include <errno.h>
#include <iris/ns.h>
#include <iris/rpc.h>
#include <iris/sys.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_SIZE 4096u

struct drv_blk_client {
	struct drv_blk_disk *disk;
	struct drv_blk_client *next;
	struct iris_chan chan;
	struct drv_loop_watch watch;
	size_t buf_size;     /* the attached buffer's bytes; 0 before ATTACH */
	uint64_t *pages;     /* the bus address of each of its pages */
	iris_handle_t *pins; /* the pins that hold them, IRIS_PIN_PAGES_MAX pages each */
	size_t npins;
	bool closing;
	bool serving;         /* client_event runs: it frees the client itself */
	unsigned releasing;   /* client_release runs: the client must not be freed */
	unsigned outstanding; /* entries taken: held back or with the driver */
	unsigned in_driver;   /* entries with the driver */
	bool barrier;         /* an ORDERED request is with the driver */
	struct drv_blk_request *held, **held_tail; /* FIFO: not started, behind a barrier */
	struct drv_blk_request req[BLK_QUEUE_MAX];
};

/* Lets go of the client's pages (the kernel frees them once the device cannot reach them). */
static void client_unpin(struct drv_blk_client *c)
{
	for (size_t i = 0; i < c->npins; i++)
		sys_handle_close(c->pins[i]);
	free(c->pins);
	free(c->pages);
	c->pins = NULL;
	c->pages = NULL;
	c->npins = 0;
	c->buf_size = 0;
}

/* Frees a closing client once nothing refers to it any more. */
static void client_reap(struct drv_blk_client *c)
{
	if (!c->closing || c->serving || c->releasing || c->outstanding || c->watch.armed)
		return;
	struct drv_blk_disk *disk = c->disk;
	for (struct drv_blk_client **p = &disk->clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	disk->nclients--;
	iris_chan_close(&c->chan);
	client_unpin(c);
	free(c);
}

static void client_close(struct drv_blk_client *c)
{
	if (!c->closing) {
		c->closing = true;
		drv_loop_cancel(c->disk->d, &c->watch);
	}
	while (c->held) { /* never started: nobody waits for them now */
		struct drv_blk_request *r = c->held;
		c->held = r->held;
		r->op = 0;
		c->outstanding--;
	}
	c->held_tail = &c->held;
	client_reap(c);
}

/* Hands r to the driver. */
static void client_start(struct drv_blk_client *c, struct drv_blk_request *r)
{
	c->in_driver++;
	if (r->flags & BLK_RW_ORDERED)
		c->barrier = true;
	c->disk->submit(c->disk, r);
}

/* Whether r must wait: behind a barrier, or (ORDERED) for anything running. */
static bool client_must_hold(const struct drv_blk_client *c, const struct drv_blk_request *r)
{
	return c->barrier || ((r->flags & BLK_RW_ORDERED) && c->in_driver);
}

/* Starts the held requests that may start now, in order. */
static void client_release(struct drv_blk_client *c)
{
	c->releasing++;
	while (c->held && !c->closing && !client_must_hold(c, c->held)) {
		struct drv_blk_request *r = c->held;
		c->held = r->held;
		if (!c->held)
			c->held_tail = &c->held;
		client_start(c, r);
	}
	c->releasing--;
}

/* Answers request `id`/`op` of client c; a client whose replies do not fit is closed. */
static void client_reply(struct drv_blk_client *c, uint32_t id, uint16_t op, int status,
                         const void *data, size_t len)
{
	if (c->closing)
		return;
	struct iris_rpc_msg m = { .hdr = { .id = id, .op = op } };
	if (iris_rpc_reply(&c->chan, &m, status, data, len, IRIS_HANDLE_INVALID, 0) < 0)
		client_close(c);
}

/*
 * Pins the client's buffer `h` (size bytes) for the device, in pins of
 * IRIS_PIN_PAGES_MAX pages, both directions. Returns 0 or the status.
 */
static int client_pin(struct drv_blk_client *c, iris_handle_t h, size_t size)
{
	const unsigned both = IRIS_PIN_DEVICE_WRITES | IRIS_PIN_DEVICE_READS;
	size_t npages = size / PAGE_SIZE;
	size_t npins = (npages + IRIS_PIN_PAGES_MAX - 1) / IRIS_PIN_PAGES_MAX;
	c->pages = malloc(npages * sizeof(*c->pages));
	c->pins = malloc(npins * sizeof(*c->pins));
	if (!c->pages || !c->pins) {
		client_unpin(c);
		return -ENOMEM;
	}
	c->buf_size = size;
	for (size_t first = 0; first < npages; first += IRIS_PIN_PAGES_MAX) {
		size_t n =
		        npages - first < IRIS_PIN_PAGES_MAX ? npages - first : IRIS_PIN_PAGES_MAX;
		long pin = sys_dma_pin(c->disk->d->device, h, first * PAGE_SIZE, n * PAGE_SIZE,
		                       both, c->pages + first);
		if (pin < 0) {
			client_unpin(c);
			return (int)pin;
		}
		c->pins[c->npins++] = (iris_handle_t)pin;
	}
	uint64_t limit = c->disk->dma_limit;
	for (size_t i = 0; limit && i < npages; i++) {
		if (c->pages[i] > limit || PAGE_SIZE - 1 > limit - c->pages[i]) {
			client_unpin(c);
			return -ERANGE;
		}
	}
	return 0;
}

/* ATTACH: pins the client's buffer (the handle is consumed). Returns the status. */
static int client_attach(struct drv_blk_client *c, iris_handle_t h)
{
	if (h == IRIS_HANDLE_INVALID)
		return -EINVAL;
	int r = -EBUSY;
	if (!c->buf_size) {
		long size = sys_vmo_size(h);
		r = -EINVAL;
		if (size > 0 && (unsigned long)size <= BLK_BUFFER_MAX && !(size % PAGE_SIZE))
			r = client_pin(c, h, (size_t)size);
	}
	sys_handle_close(h);
	return r;
}

/* READ, WRITE, FLUSH: checks the request and hands it to the driver, or returns an error status. */
static int client_io(struct drv_blk_client *c, const struct iris_rpc_msg *m)
{
	struct blk_rw rw;
	int status = blk_check_io(&c->disk->ident, c->buf_size, m->hdr.op, m->data, m->len, &rw);
	if (status < 0)
		return status;
	struct drv_blk_request *r = c->req;
	while (r->op)
		r++; /* a free one exists: outstanding < BLK_QUEUE_MAX */
	bool data = m->hdr.op != BLK_OP_FLUSH;
	*r = (struct drv_blk_request){ .op = m->hdr.op,
		                       .count = rw.count,
		                       .lba = rw.lba,
		                       .bytes = rw.count * c->disk->ident.sector_size,
		                       .offset = (uint32_t)(rw.offset % PAGE_SIZE),
		                       .pages = data ? c->pages + rw.offset / PAGE_SIZE : NULL,
		                       .client = c,
		                       .id = m->hdr.id,
		                       .flags = rw.flags };
	c->outstanding++;
	if (c->held || client_must_hold(c, r)) {
		*c->held_tail = r;
		c->held_tail = &r->held;
	} else {
		client_start(c, r);
	}
	return 0;
}

/* One request from client c. */
static void client_request(struct drv_blk_client *c, struct iris_rpc_msg *m)
{
	if (m->hdr.op == BLK_OP_ATTACH) {
		int status = client_attach(c, m->handle);
		client_reply(c, m->hdr.id, m->hdr.op, status, NULL, 0);
		return;
	}
	if (m->handle != IRIS_HANDLE_INVALID)
		sys_handle_close(m->handle);
	switch (m->hdr.op) {
	case BLK_OP_IDENTIFY:
		client_reply(c, m->hdr.id, m->hdr.op, m->len ? -EINVAL : 0, &c->disk->ident,
		             m->len ? 0 : sizeof(c->disk->ident));
		return;
	case BLK_OP_READ:
	case BLK_OP_WRITE:
	case BLK_OP_FLUSH: {
		if (c->outstanding >= BLK_QUEUE_MAX) {
			client_close(c); /* more outstanding than the protocol allows */
			return;
		}
		int status = client_io(c, m);
		if (status < 0)
			client_reply(c, m->hdr.id, m->hdr.op, status, NULL, 0);
		return;
	}
	default:
		client_reply(c, m->hdr.id, m->hdr.op, -ENOSYS, NULL, 0);
		return;
	}
}

/*
 * The client's channel has messages, or its peer is gone: HUP (or a failed
 * poll) closes it at once. (The non-blocking receive never tells: it says
 * -EAGAIN for a gone peer's empty queue, and a poll armed again would
 * complete at once with HUP, over and over, the driver never sleeping.)
 */
static void client_event(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	struct drv_blk_client *c = w->arg;
	if (result < 0 || (result & IRIS_POLL_HUP))
		c->closing = true;
	c->serving = true;
	while (!c->closing) {
		struct iris_rpc_msg m;
		int r = iris_rpc_recv(&c->chan, &m, 0);
		if (r == -EAGAIN)
			break;
		if (r < 0)
			client_close(c); /* -EPIPE: it left; -EBADMSG: it scribbled */
		else
			client_request(c, &m);
	}
	if (!c->closing && drv_loop_chan(d, w, &c->chan) < 0)
		client_close(c);
	c->serving = false;
	client_reap(c);
}

void drv_blk_request_done(struct drv_blk_request *r, int status)
{
	struct drv_blk_client *c = r->client;
	if (status == 0 && (r->flags & BLK_RW_FUA) && !r->flushing) {
		/* the write is done: now the FLUSH that makes it durable, before the reply */
		r->flushing = true;
		r->op = BLK_OP_FLUSH;
		r->count = r->bytes = 0;
		r->pages = NULL;
		c->disk->submit(c->disk, r);
		return;
	}
	client_reply(c, r->id, r->flushing ? BLK_OP_WRITE : r->op, status, NULL, 0);
	if (r->flags & BLK_RW_ORDERED)
		c->barrier = false;
	r->op = 0;
	c->in_driver--;
	c->outstanding--;
	client_release(c);
	client_reap(c);
}

int drv_blk_request_segs(const struct drv_blk_request *r, uint32_t max_len,
                         struct drv_blk_seg *segs, size_t max)
{
	size_t n = 0;
	uint32_t left = r->bytes, off = r->offset;
	for (size_t page = 0; left > 0; page++, off = 0) {
		uint32_t chunk = PAGE_SIZE - off < left ? PAGE_SIZE - off : left;
		uint64_t bus = r->pages[page] + off;
		left -= chunk;
		while (chunk > 0) {
			struct drv_blk_seg *last = n ? &segs[n - 1] : NULL;
			uint32_t add;
			if (last && last->bus + last->len == bus && last->len < max_len) {
				add = max_len - last->len < chunk ? max_len - last->len : chunk;
				last->len += add;
			} else {
				if (n == max)
					return -E2BIG;
				add = max_len < chunk ? max_len : chunk;
				segs[n++] = (struct drv_blk_seg){ bus, add };
			}
			bus += add;
			chunk -= add;
		}
	}
	return (int)n;
}

/* Takes a new client's endpoint. */
static void disk_add_client(struct drv_blk_disk *disk, iris_handle_t h)
{
	struct drv_blk_client *c =
	        disk->nclients < DRV_BLK_CLIENTS_MAX ? calloc(1, sizeof(*c)) : NULL;
	if (!c || iris_chan_open(&c->chan, h) < 0) {
		drv_log(disk->d, "%s: turning a client away", disk->name);
		free(c);
		sys_handle_close(h);
		return;
	}
	c->disk = disk;
	c->held_tail = &c->held;
	drv_loop_watch_init(&c->watch, client_event, c);
	c->next = disk->clients;
	disk->clients = c;
	disk->nclients++;
	if (drv_loop_chan(disk->d, &c->watch, &c->chan) < 0)
		client_close(c);
}

/* ns hands over new clients on the registration channel (HUP, or a failed poll: ns is gone). */
static void disk_accept(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	struct drv_blk_disk *disk = w->arg;
	for (;;) {
		iris_handle_t h;
		int r = iris_ns_accept(&disk->listen, &h, 0);
		if (r == -EAGAIN && (result < 0 || (result & IRIS_POLL_HUP)))
			r = result < 0 ? (int)result : -EPIPE;
		if (r == -EAGAIN)
			break;
		if (r < 0) {
			drv_error(d, "%s: the name service is gone (%s): no new clients",
			          disk->name, strerror(-r));
			return;
		}
		disk_add_client(disk, h);
	}
	if (drv_loop_chan(d, w, &disk->listen) < 0)
		drv_error(d, "%s: cannot wait for clients any more", disk->name);
}

int drv_blk_disk_register(struct drv *d, struct drv_blk_disk *disk, const char *name)
{
	size_t n = strnlen(name, IRIS_NS_NAME_MAX);
	if (n == 0 || n >= IRIS_NS_NAME_MAX || !disk->submit)
		return -EINVAL;
	memcpy(disk->name, name, n + 1);
	disk->d = d;
	disk->clients = NULL;
	disk->nclients = 0;
	int r = iris_ns_register(name, &disk->listen);
	if (r < 0)
		return r;
	drv_loop_watch_init(&disk->listen_watch, disk_accept, disk);
	r = drv_loop_chan(d, &disk->listen_watch, &disk->listen);
	if (r < 0)
		iris_chan_close(&disk->listen);
	return r;
}
