/*
 * Linux side of the disk metrics (../bench_disk.h, README.md): requests on
 * the raw block device, opened with O_DIRECT (no page cache), through
 * io_uring (IORING_OP_READ / IORING_OP_WRITE on the bare io_uring of
 * uring.h, as bench_ring's NOPs, no liburing).
 *
 *   bench_disk METRIC DEVICE randread|seqread|seqwrite QD wall|instructions
 *
 * A request is one SQE into or from its slot of an aligned buffer, whatever
 * its size (the kernel splits it as its driver needs); the SQEs written
 * since the last call go to the kernel with the io_uring_enter that waits
 * for a completion (IORING_ENTER_GETEVENTS, min_complete 1). QD 1 is one
 * system call per read, as a pread loop would be. The device node appears
 * when the disk has been probed (asynchronously, after insmod): it is waited
 * for up to DEVICE_WAIT_MS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../bench_disk.h"
#include "uring.h"

#define DEVICE_WAIT_MS 10000

struct disk {
	struct uring u;
	int fd;
	uint8_t *buffer;
	uint32_t slot_bytes;
	unsigned to_submit; /* SQEs written, not yet given to the kernel */
};

static int disk_submit(void *ctx, int write, unsigned slot, uint64_t offset, uint32_t bytes)
{
	struct disk *d = ctx;
	unsigned tail = d->u.sq_local_tail;

	d->u.sqes[tail & d->u.sq_mask] = (struct io_uring_sqe){
		.opcode = write ? IORING_OP_WRITE : IORING_OP_READ,
		.fd = d->fd,
		.off = offset,
		.addr = (uint64_t)(uintptr_t)(d->buffer + (size_t)slot * d->slot_bytes),
		.len = bytes,
		.user_data = ((uint64_t)bytes << 32) | slot,
	};
	uring_sq_publish(&d->u, tail + 1);
	d->to_submit++;
	return 0;
}

static int disk_reap(void *ctx, unsigned *slots, unsigned max)
{
	struct disk *d = ctx;
	unsigned head = *d->u.cq_head, n = 0;

	if (uring_cq_tail(&d->u) == head || d->to_submit) {
		int taken = uring_enter(&d->u, d->to_submit, 1, IORING_ENTER_GETEVENTS);
		if (taken < 0)
			return taken;
		if ((unsigned)taken != d->to_submit)
			return -EIO; /* it took fewer than it was given */
		d->to_submit = 0;
	}
	unsigned tail = uring_cq_tail(&d->u);
	for (; head != tail && n < max; head++) {
		const struct io_uring_cqe *cqe = &d->u.cqes[head & d->u.cq_mask];
		if (cqe->res < 0)
			return cqe->res;
		if ((uint64_t)cqe->res != cqe->user_data >> 32)
			return -EIO; /* a short read */
		slots[n++] = (unsigned)(cqe->user_data & 0xffffffffu);
	}
	uring_cq_consume(&d->u, head);
	return (int)n;
}

/* Opens `path` with O_DIRECT, waiting for the node to appear; the fd or -errno. */
static int open_device(const char *path, int write)
{
	for (int waited = 0;; waited += 10) {
		int fd = open(path, (write ? O_RDWR : O_RDONLY) | O_DIRECT);
		if (fd >= 0 || (errno != ENOENT && errno != ENXIO) || waited >= DEVICE_WAIT_MS)
			return fd >= 0 ? fd : -errno;
		usleep(10000);
	}
}

int main(int argc, char **argv)
{
	int mode = argc == 6 ? bench_disk_mode_parse(argv[3]) : -1;
	if (mode < 0 || (strcmp(argv[5], "wall") != 0 && strcmp(argv[5], "instructions") != 0)) {
		fprintf(stderr, "usage: bench_disk METRIC DEVICE randread|seqread|seqwrite QD "
		                "wall|instructions\n");
		return 2;
	}
	const char *metric = argv[1], *device = argv[2];
	unsigned qd = (unsigned)atoi(argv[4]);
	int counting = strcmp(argv[5], "instructions") == 0;
	struct io_uring_params p;
	struct disk d;
	uint64_t size;
	int err;

	memset(&d, 0, sizeof(d));
	if (qd == 0 || qd > BENCH_DISK_QD_MAX) {
		printf("BENCH-FAIL %s: QD 1..%d\n", metric, BENCH_DISK_QD_MAX);
		return 2;
	}
	d.fd = open_device(device, mode == BENCH_DISK_SEQWRITE);
	if (d.fd < 0) {
		printf("BENCH-FAIL %s: open %s: %s\n", metric, device, strerror(-d.fd));
		return 1;
	}
	if (ioctl(d.fd, BLKGETSIZE64, &size) < 0) {
		printf("BENCH-FAIL %s: BLKGETSIZE64 on %s: %s\n", metric, device, strerror(errno));
		return 1;
	}
	d.slot_bytes = bench_disk_request_bytes((enum bench_disk_mode)mode);
	err = posix_memalign((void **)&d.buffer, 4096, (size_t)qd * d.slot_bytes);
	if (err) {
		printf("BENCH-FAIL %s: no buffer: %s\n", metric, strerror(err));
		return 1;
	}
	memset(&p, 0, sizeof(p));
	err = uring_setup(&d.u, BENCH_DISK_QD_MAX, &p);
	if (err < 0) {
		printf("BENCH-FAIL %s: io_uring_setup: %s\n", metric, strerror(-err));
		return 1;
	}
	struct bench_disk_io io = {
		.ctx = &d,
		.buffer = d.buffer,
		.submit = disk_submit,
		.reap = disk_reap,
	};
	return bench_disk_measure(metric, &io, (enum bench_disk_mode)mode, counting, qd, size,
	                          BENCH_ROUNDS);
}
