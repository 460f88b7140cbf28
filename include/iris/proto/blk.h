/*
 * The block-device protocol (docs/block.md) between a disk driver (libdriver's
 * driver/blkserv.h) and its clients (libc's iris/blk.h).
 *
 * A driver registers each disk with the name service (iris/proto/ns.h) under
 * "blk/<instance>.<port>" (blk/ahci0.1). A client looks the name up and
 * talks RPC (iris/proto/rpc.h framing) on the channel it gets:
 *
 *   ATTACH    handle: a memory object (READ|WRITE; MAP is not needed), the
 *             data buffer: whole pages, at most BLK_BUFFER_MAX bytes. Once
 *             per connection. The server pins it for its device's DMA
 *             (SYS_DMA_PIN) and never maps it: the device moves the data
 *             straight between the disk and the client's pages. Reply 0;
 *             -ENOSPC when the driver cannot pin that much more memory,
 *             -ERANGE when a page lies beyond what the device can reach.
 *   IDENTIFY  reply: struct blk_identify.
 *   READ      args: struct blk_rw. Reads `count` sectors from `lba` into
 *             the buffer at `offset` (a multiple of BLK_OFFSET_ALIGN). Reply 0.
 *   WRITE     args: struct blk_rw. Writes them from the buffer. Reply 0.
 *             READ and WRITE take flags: BLK_RW_ORDERED (it starts once
 *             every earlier request of this connection has completed, and
 *             later ones start once it has) and, for WRITE, BLK_RW_FUA (the
 *             data is durable when the reply comes, as if a FLUSH followed).
 *   FLUSH     makes every write that completed before it durable. Reply 0.
 *
 * Replies come in any order. A client keeps at most BLK_QUEUE_MAX requests
 * outstanding (sent, reply not yet received); a server disconnects a client
 * that sends more. Errors: -EINVAL (a malformed request, no buffer attached,
 * count 0 or above max_sectors, data outside the buffer or at an offset not
 * a multiple of BLK_OFFSET_ALIGN, unknown flags or FUA on a READ), -ERANGE (sectors
 * past the end of the disk), -EIO (the device failed it), -ENOSYS (unknown
 * operation).
 */
#pragma once

#include <stdint.h>

#define BLK_NAME_PREFIX  "blk/"
#define BLK_QUEUE_MAX    64          /* requests outstanding per client */
#define BLK_BUFFER_MAX   (64u << 20) /* bytes of a client's data buffer */
#define BLK_MODEL_MAX    48          /* the model string, NUL included */
#define BLK_OFFSET_ALIGN 4           /* data offsets in the buffer: what DMA engines need */

enum {
	BLK_OP_ATTACH = 1,
	BLK_OP_IDENTIFY,
	BLK_OP_READ,
	BLK_OP_WRITE,
	BLK_OP_FLUSH,
};

/* READ and WRITE arguments. */
struct blk_rw {
	uint64_t lba;    /* first sector */
	uint64_t offset; /* in the data buffer, bytes */
	uint32_t count;  /* sectors, 1..max_sectors */
	uint32_t flags;  /* BLK_RW_*; anything else is -EINVAL */
};

#define BLK_RW_ORDERED (1u << 0) /* a barrier among this connection's requests */
#define BLK_RW_FUA     (1u << 1) /* WRITE: durable when done (forced unit access) */

/* IDENTIFY's reply. */
struct blk_identify {
	uint64_t sectors;     /* the disk's size: LBAs 0..sectors-1 */
	uint32_t sector_size; /* bytes: a power of two, 512..65536 */
	uint32_t max_sectors; /* per request */
	uint32_t queue_depth; /* requests the device itself runs at once */
	uint32_t reserved;
	char model[BLK_MODEL_MAX]; /* NUL-terminated */
};
