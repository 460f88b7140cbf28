/*
 * The server side of the block-device protocol (iris/proto/blk.h, docs/block.md).
 *
 * A driver describes each disk in a struct drv_blk_disk (its identity and a
 * submit function) and registers it under a name. The library accepts
 * clients, pins the buffer each one attaches for the device's DMA
 * (SYS_DMA_PIN; it never maps it), answers IDENTIFY, checks every request
 * against the disk and the client's buffer (a bad one is answered with an
 * error and never reaches the driver), and hands the good ones to
 * disk->submit with the bus addresses of the client's pages the data
 * occupies: the driver points its device's scatter list (PRDT entries, PRP
 * lists) at them, and no byte of data passes through the driver. The
 * library also keeps each client's ORDERED requests in order (holding the
 * ones behind a barrier) and makes a FUA write durable with a FLUSH of its
 * own once the write is done, so a driver sees only READ, WRITE and FLUSH
 * and may start them in any order. The
 * driver finishes each request, in any order, with drv_blk_request_done;
 * requests whose client went away in the meantime are finished all the
 * same (their reply is dropped, and the client's pages stay pinned until
 * then).
 */
#pragma once

#include <driver/loop.h>
#include <iris/chan.h>
#include <iris/proto/blk.h>
#include <iris/proto/ns.h>
#include <stdbool.h>
#include <stdint.h>

#define DRV_BLK_CLIENTS_MAX 16 /* per disk */

struct drv;
struct drv_blk_disk;
struct drv_blk_client;

struct drv_blk_request {
	uint16_t op;    /* BLK_OP_READ, _WRITE or _FLUSH; 0: a free entry */
	uint32_t count; /* sectors (0 for FLUSH) */
	uint64_t lba;
	uint32_t bytes;  /* count * sector_size */
	uint32_t offset; /* where the data starts in pages[0] (a multiple of BLK_OFFSET_ALIGN) */
	const uint64_t *pages;        /* the bus address of each client page the data touches */
	struct drv_blk_request *next; /* the driver's, for its queues */
	/* the library's: it keeps BLK_RW_ORDERED and does BLK_RW_FUA as a FLUSH after the write */
	struct drv_blk_client *client;
	uint32_t id;                  /* of the RPC */
	uint32_t flags;               /* BLK_RW_* */
	bool flushing;                /* a FUA write done, its FLUSH running */
	struct drv_blk_request *held; /* the client's queue of requests an ORDERED one holds back */
};

struct drv_blk_disk {
	struct blk_identify ident; /* filled by the driver before registering */
	uint64_t dma_limit; /* the driver's: the highest bus address its device reaches (0: all) */
	/* Starts request r; r->next is the driver's. It may finish r at once. */
	void (*submit)(struct drv_blk_disk *disk, struct drv_blk_request *r);
	void *priv; /* the driver's */
	/* the library's */
	struct drv *d;
	char name[IRIS_NS_NAME_MAX];
	struct iris_chan listen;
	struct drv_loop_watch listen_watch;
	struct drv_blk_client *clients; /* a list */
	unsigned nclients;
};

/*
 * Registers `disk` under `name` with the name service and starts accepting
 * clients on the driver's loop. 0 or a negative errno.
 */
int drv_blk_disk_register(struct drv *d, struct drv_blk_disk *disk, const char *name);

/* Finishes request r with `status` (0 or a negative errno: -EIO for a device error). */
void drv_blk_request_done(struct drv_blk_request *r, int status);

/* A run of the data at contiguous bus addresses. */
struct drv_blk_seg {
	uint64_t bus;
	uint32_t len; /* bytes */
};

/*
 * Cuts r's data into runs of contiguous bus addresses (adjacent pages that
 * are adjacent in memory too are one run), none longer than `max_len`
 * bytes, into segs[0, max): an AHCI PRDT, say. Returns how many, or -E2BIG
 * if more than `max` are needed (never when max >= r->bytes / 4096 + 2).
 */
int drv_blk_request_segs(const struct drv_blk_request *r, uint32_t max_len,
                         struct drv_blk_seg *segs, size_t max);
