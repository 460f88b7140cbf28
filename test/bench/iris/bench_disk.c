/*
 * Iris side of the disk metrics (../bench_disk.h, README.md): requests
 * through a ring-3 block driver (AHCI or NVMe, which devmgr starts: the
 * runner boots with `@!devmgr` first), with the block client of iris/blk.h.
 *
 *   bench_disk METRIC DISK randread|seqread|seqwrite QD wall|instructions
 *
 * DISK is the driver's name for the disk (blk/ahci0.1, blk/nvme0.1).
 * blk_open waits for the driver to register it. Slot i of the bench is the
 * stretch of the client's shared data buffer at i times the request size.
 * A request larger than the driver takes at once (max_sectors: 128 KiB on
 * both drivers today, so a 1 MiB sequential request is 8) goes out as
 * several blk_submits of at most max_sectors, all in flight together, and
 * is done when its last part is; blk_reap waits for replies with no time
 * limit.
 */
#include <errno.h>
#include <iris/blk.h>
#include <stdlib.h>
#include <string.h>

#include "../bench_disk.h"

struct disk {
	struct blk_dev *b;
	uint32_t part_bytes;               /* at most max_sectors */
	unsigned parts[BENCH_DISK_QD_MAX]; /* of each slot's request, still out */
	int status[BENCH_DISK_QD_MAX];     /* of each slot's request: the first error */
};

static int disk_submit(void *ctx, int write, unsigned slot, uint64_t offset, uint32_t bytes)
{
	struct disk *d = ctx;

	d->parts[slot] = 0;
	d->status[slot] = 0;
	for (uint32_t at = 0; at < bytes; at += d->part_bytes) {
		uint32_t n = bytes - at < d->part_bytes ? bytes - at : d->part_bytes;
		int r = blk_submit(d->b, write ? BLK_OP_WRITE : BLK_OP_READ,
		                   (offset + at) / BENCH_DISK_SECTOR, n / BENCH_DISK_SECTOR,
		                   (size_t)slot * bytes + at, slot);
		if (r < 0)
			return r;
		d->parts[slot]++;
	}
	return 0;
}

static int disk_reap(void *ctx, unsigned *slots, unsigned max)
{
	struct disk *d = ctx;
	struct blk_completion done[BLK_QUEUE_MAX];
	unsigned n = 0;

	while (n == 0) {
		int got = blk_reap(d->b, done, BLK_QUEUE_MAX, -1);
		if (got < 0)
			return got;
		for (int i = 0; i < got; i++) {
			unsigned slot = (unsigned)done[i].cookie;
			if (slot >= BENCH_DISK_QD_MAX || d->parts[slot] == 0)
				return -EBADMSG;
			if (done[i].status < 0 && d->status[slot] == 0)
				d->status[slot] = done[i].status;
			if (--d->parts[slot] > 0)
				continue;
			if (d->status[slot] < 0)
				return d->status[slot];
			if (n == max)
				return -EBADMSG; /* more requests done than the loop has in flight
				                  */
			slots[n++] = slot;
		}
	}
	return (int)n;
}

int main(int argc, char **argv)
{
	int mode = argc == 6 ? bench_disk_mode_parse(argv[3]) : -1;
	if (mode < 0 || (strcmp(argv[5], "wall") != 0 && strcmp(argv[5], "instructions") != 0)) {
		printf("BENCH-FAIL usage: bench_disk METRIC DISK randread|seqread|seqwrite QD "
		       "wall|instructions\n");
		return 2;
	}
	const char *metric = argv[1], *disk = argv[2];
	unsigned qd = (unsigned)atoi(argv[4]);
	int counting = strcmp(argv[5], "instructions") == 0;
	uint32_t bytes = bench_disk_request_bytes((enum bench_disk_mode)mode);
	struct disk d = { 0 };

	if (qd == 0 || qd > BENCH_DISK_QD_MAX) {
		printf("BENCH-FAIL %s: QD 1..%d\n", metric, BENCH_DISK_QD_MAX);
		return 2;
	}
	int r = blk_open(disk, (size_t)qd * bytes, BLK_RECONNECT_NS, &d.b);
	if (r < 0) {
		printf("BENCH-FAIL %s: blk_open %s: %s\n", metric, disk, strerror(-r));
		return 1;
	}
	const struct blk_identify *id = blk_info(d.b);
	d.part_bytes = id->max_sectors * id->sector_size;
	if (d.part_bytes > bytes)
		d.part_bytes = bytes;
	if (id->sector_size != BENCH_DISK_SECTOR || d.part_bytes % BENCH_DISK_SECTOR != 0 ||
	    d.part_bytes == 0 || qd * ((bytes + d.part_bytes - 1) / d.part_bytes) > BLK_QUEUE_MAX) {
		printf("BENCH-FAIL %s: %s has %u-byte sectors and takes %u per request; the bench "
		       "wants %d-byte sectors and at most %d requests of %u bytes in flight\n",
		       metric, disk, id->sector_size, id->max_sectors, BENCH_DISK_SECTOR,
		       BLK_QUEUE_MAX, d.part_bytes);
		blk_close(d.b);
		return 1;
	}
	struct bench_disk_io io = {
		.ctx = &d,
		.buffer = blk_buffer(d.b),
		.submit = disk_submit,
		.reap = disk_reap,
	};
	r = bench_disk_measure(metric, &io, (enum bench_disk_mode)mode, counting, qd,
	                       id->sectors * id->sector_size, BENCH_ROUNDS);
	blk_close(d.b);
	return r;
}
