/*
 * Block devices (docs/block.md): libc's client of the block-device protocol
 * (iris/proto/blk.h: the operations, their arguments and errors).
 *
 * blk_open connects, sends the buffer and identifies the disk. Requests are
 * submitted with blk_submit and reaped with blk_reap, up to BLK_QUEUE_MAX at
 * a time; blk_read, blk_write and blk_flush are synchronous helpers on top.
 * When the driver ends (a crash, a restart) the client sees its channel
 * close, looks the name up again until the restarted driver has registered
 * it (for up to BLK_RECONNECT_NS), checks that it is the same disk, and sends
 * every request that was outstanding once more: for a crash the caller sees
 * a delay, never an error. Reads are read again; writes are written again,
 * which is harmless at the block level (as on any disk, concurrent requests
 * to overlapping sectors complete in no defined order). Only when the disk
 * stays away longer, or comes back as another disk, do the outstanding
 * requests fail with -ENODEV, as does everything after.
 *
 * A struct blk_dev is used by one thread at a time.
 */
#pragma once

#include <iris/proto/blk.h>
#include <stddef.h>
#include <stdint.h>

#define BLK_RECONNECT_NS 10000000000ull /* how long a client waits for a restarted driver */

struct blk_dev;

/* A finished request: the cookie given to blk_submit and its status (0 or -errno). */
struct blk_completion {
	uint64_t cookie;
	int status;
};

/* What the client went through, for tests and tools. */
struct blk_stats {
	uint32_t reconnects;  /* connections made again after the driver went away */
	uint32_t resubmitted; /* requests sent again on a new connection */
};

/*
 * Connects to the disk called `name`, with a data buffer of at least
 * `buf_size` bytes (at least one request of max_sectors; at most
 * BLK_BUFFER_MAX). When nobody holds the name it waits up to wait_ns (at
 * most BLK_RECONNECT_NS counts) for a driver to register it: 0 fails at
 * once; a program started with its driver at boot waits (BLK_RECONNECT_NS).
 * Returns 0 and *out, or a negative errno: -ENOENT (nobody registered the
 * name in time), -EINVAL, -ENOMEM, the driver's error.
 */
int blk_open(const char *name, size_t buf_size, uint64_t wait_ns, struct blk_dev **out);

/* Disconnects; requests still outstanding are abandoned. */
void blk_close(struct blk_dev *b);

const struct blk_identify *blk_info(const struct blk_dev *b);

/* The data buffer shared with the driver: requests name offsets in it. */
void *blk_buffer(const struct blk_dev *b);
size_t blk_buffer_size(const struct blk_dev *b);

/* Requests submitted and not yet reaped. */
unsigned blk_inflight(const struct blk_dev *b);

const struct blk_stats *blk_stats(const struct blk_dev *b);

/*
 * Submits BLK_OP_READ, _WRITE (count sectors at lba, data at `offset` in
 * the buffer) or _FLUSH (the other arguments 0). Returns 0, or -EBUSY
 * (BLK_QUEUE_MAX outstanding), -EINVAL (a bad operation, count, data
 * outside the buffer, or an offset that is not a multiple of
 * BLK_OFFSET_ALIGN), -ENODEV (the disk is gone). The driver checks the
 * LBAs.
 */
int blk_submit(struct blk_dev *b, int op, uint64_t lba, uint32_t count, size_t offset,
               uint64_t cookie);

/*
 * blk_submit with BLK_RW_* flags (iris/proto/blk.h): BLK_RW_ORDERED on a
 * READ or WRITE (it starts after every earlier request of this handle has
 * completed, and later ones after it), BLK_RW_FUA on a WRITE (durable when
 * it completes). Other flags: -EINVAL. A driver restart keeps the order:
 * what was in flight is sent again oldest first.
 */
int blk_submit_flags(struct blk_dev *b, int op, uint32_t flags, uint64_t lba, uint32_t count,
                     size_t offset, uint64_t cookie);

/*
 * Waits up to timeout_ns (negative: no limit; 0: not at all) for at least
 * one completion and stores up to `max` of them in out[]. Reconnects and
 * resubmits when the driver went away. Returns how many were stored (0:
 * nothing finished in time, or nothing is outstanding).
 */
int blk_reap(struct blk_dev *b, struct blk_completion *out, size_t max, int64_t timeout_ns);

/*
 * Synchronous helpers: they use the start of the data buffer, split large
 * transfers into requests of max_sectors, and need nothing outstanding
 * (-EBUSY otherwise). 0 or a negative errno.
 */
int blk_read(struct blk_dev *b, uint64_t lba, uint32_t count, void *data);
int blk_write(struct blk_dev *b, uint64_t lba, uint32_t count, const void *data);
int blk_flush(struct blk_dev *b);

/*
 * A deterministic test pattern (for the `blk` tool and the tests): fills
 * count sectors of sector_size bytes at `data` with what sectors lba.. hold
 * after a pattern write with `seed`. Each sector depends only on seed and
 * its own LBA, so any split of a transfer writes and checks the same bytes.
 */
void blk_pattern(void *data, uint32_t sector_size, uint64_t lba, uint32_t count, uint64_t seed);

/* The index of the first of count sectors at `data` that differs from the pattern, or -1. */
long blk_pattern_check(const void *data, uint32_t sector_size, uint64_t lba, uint32_t count,
                       uint64_t seed);
