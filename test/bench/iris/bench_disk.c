/*
 * Iris side of `disk_randread_qd1_iops`, `disk_randread_qd32_iops` and
 * `disk_seqread_mbps` (../bench_disk.h): reads through the ring-3 AHCI
 * driver, which devmgr starts (the runner boots with `@!devmgr` first),
 * with the block client of iris/blk.h.
 *
 *   bench_disk METRIC DISK randread|seqread QD [ROUNDS]
 *
 * DISK is the driver's name for the disk (blk/ahci0.1). blk_open waits for
 * the driver to register it. Slot i of the bench is the stretch of the
 * client's shared data buffer at i times the request size; a read is one
 * blk_submit (a READ request on the driver's channel, sent at once) and
 * blk_reap waits for at least one reply with no time limit.
 */
#include <errno.h>
#include <iris/blk.h>
#include <stdlib.h>
#include <string.h>

#include "../bench_disk.h"

static int blk_bench_submit(void *ctx, unsigned slot, uint64_t offset, uint32_t bytes)
{
	return blk_submit(ctx, BLK_OP_READ, offset / BENCH_DISK_SECTOR, bytes / BENCH_DISK_SECTOR,
	                  (size_t)slot * bytes, slot);
}

static int blk_bench_reap(void *ctx, unsigned *slots, unsigned max)
{
	struct blk_completion done[BENCH_DISK_QD_MAX];
	int n = blk_reap(ctx, done, max < BENCH_DISK_QD_MAX ? max : BENCH_DISK_QD_MAX, -1);

	for (int i = 0; i < n; i++) {
		if (done[i].status < 0)
			return done[i].status;
		slots[i] = (unsigned)done[i].cookie;
	}
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 5 || (strcmp(argv[3], "randread") != 0 && strcmp(argv[3], "seqread") != 0)) {
		printf("BENCH-FAIL usage: bench_disk METRIC DISK randread|seqread QD [ROUNDS]\n");
		return 2;
	}
	const char *metric = argv[1], *disk = argv[2];
	int sequential = strcmp(argv[3], "seqread") == 0;
	unsigned qd = (unsigned)atoi(argv[4]);
	unsigned rounds = argc > 5 ? (unsigned)atoi(argv[5]) : BENCH_ROUNDS;
	uint32_t bytes = sequential ? BENCH_DISK_SEQ : BENCH_DISK_RANDOM;
	struct blk_dev *b;

	if (qd == 0 || qd > BENCH_DISK_QD_MAX) {
		printf("BENCH-FAIL %s: QD 1..%d\n", metric, BENCH_DISK_QD_MAX);
		return 2;
	}
	int r = blk_open(disk, (size_t)qd * bytes, BLK_RECONNECT_NS, &b);
	if (r < 0) {
		printf("BENCH-FAIL %s: blk_open %s: %s\n", metric, disk, strerror(-r));
		return 1;
	}
	const struct blk_identify *id = blk_info(b);
	if (id->sector_size != BENCH_DISK_SECTOR ||
	    (uint64_t)id->max_sectors * id->sector_size < bytes) {
		printf("BENCH-FAIL %s: %s has %u-byte sectors and takes %u per request; the bench "
		       "wants %d-byte sectors and %u bytes per request\n",
		       metric, disk, id->sector_size, id->max_sectors, BENCH_DISK_SECTOR, bytes);
		blk_close(b);
		return 1;
	}
	struct bench_disk_io io = {
		.ctx = b,
		.buffer = blk_buffer(b),
		.submit = blk_bench_submit,
		.reap = blk_bench_reap,
	};
	r = bench_disk_measure(metric, &io, sequential, qd, id->sectors * id->sector_size, rounds);
	blk_close(b);
	return r;
}
