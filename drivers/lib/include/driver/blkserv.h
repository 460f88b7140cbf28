/*
 * The server side of the block-device protocol (iris/proto/blk.h, docs/block.md).
 *
 * A driver describes each disk in a struct drv_blk_disk (its identity and a
 * submit function) and registers it under a name. The library accepts
 * clients, maps the buffer each one attaches, answers IDENTIFY, checks every
 * request against the disk and the client's buffer (a bad one is answered
 * with an error and never reaches the driver), and hands the good ones to
 * disk->submit with `data` pointing into the client's buffer. The driver
 * finishes each request, in any order, with drv_blk_request_done; requests
 * whose client went away in the meantime are finished all the same (their
 * reply is dropped, and the client's buffer stays mapped until then).
 */
#pragma once

#include <driver/loop.h>
#include <iris/chan.h>
#include <iris/proto/blk.h>
#include <iris/proto/ns.h>
#include <stdint.h>

#define DRV_BLK_CLIENTS_MAX 16 /* per disk */

struct drv;
struct drv_blk_disk;
struct drv_blk_client;

struct drv_blk_request {
	uint16_t op;    /* BLK_OP_READ, _WRITE or _FLUSH; 0: a free entry */
	uint32_t count; /* sectors (0 for FLUSH) */
	uint64_t lba;
	void *data;                   /* count * sector_size bytes in the client's buffer */
	struct drv_blk_request *next; /* the driver's, for its queues */
	struct drv_blk_client *client;
	uint32_t id; /* of the RPC */
};

struct drv_blk_disk {
	struct blk_identify ident; /* filled by the driver before registering */
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
