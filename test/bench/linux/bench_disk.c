/*
 * Linux side of `disk_randread_qd1_iops`, `disk_randread_qd32_iops` and
 * `disk_seqread_mbps` (../bench_disk.h): reads from the raw block device,
 * opened with O_DIRECT (no page cache), through io_uring (IORING_OP_READ,
 * raw io_uring_setup / io_uring_enter as bench_ring does, no liburing).
 *
 *   bench_disk METRIC DEVICE randread|seqread QD [ROUNDS]
 *
 * A read is one SQE into its slot of an aligned buffer; the SQEs written
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
#include <linux/io_uring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../bench_disk.h"

#define DEVICE_WAIT_MS 10000

struct uring {
	int ring_fd;
	int disk_fd;
	uint8_t *buffer;
	uint32_t slot_bytes;
	unsigned *sq_tail;
	unsigned sq_mask;
	unsigned sq_local_tail; /* the tail this program has written */
	unsigned to_submit;     /* SQEs written, not yet given to the kernel */
	struct io_uring_sqe *sqes;
	unsigned *cq_head;
	unsigned *cq_tail;
	unsigned cq_mask;
	struct io_uring_cqe *cqes;
};

static int uring_setup(struct uring *r)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	r->ring_fd = (int)syscall(__NR_io_uring_setup, BENCH_DISK_QD_MAX, &p);
	if (r->ring_fd < 0)
		return -errno;
	size_t sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	size_t cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	int single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
	if (single && cq_size > sq_size)
		sq_size = cq_size;
	char *sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
	                r->ring_fd, IORING_OFF_SQ_RING);
	char *cq = single ? sq
	                  : mmap(NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
	                         r->ring_fd, IORING_OFF_CQ_RING);
	void *sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
	                  MAP_SHARED | MAP_POPULATE, r->ring_fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		return -errno;
	r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
	r->sq_mask = *(unsigned *)(sq + p.sq_off.ring_mask);
	r->sq_local_tail = *r->sq_tail;
	r->sqes = sqes;
	r->cq_head = (unsigned *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
	r->cq_mask = *(unsigned *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	/* Slot i of the SQ index array names SQE i, once and for all. */
	unsigned *array = (unsigned *)(sq + p.sq_off.array);
	for (unsigned i = 0; i < p.sq_entries; i++)
		array[i] = i;
	return 0;
}

static int uring_submit(void *ctx, unsigned slot, uint64_t offset, uint32_t bytes)
{
	struct uring *r = ctx;
	unsigned tail = r->sq_local_tail;

	r->sqes[tail & r->sq_mask] = (struct io_uring_sqe){
		.opcode = IORING_OP_READ,
		.fd = r->disk_fd,
		.off = offset,
		.addr = (uint64_t)(uintptr_t)(r->buffer + (size_t)slot * r->slot_bytes),
		.len = bytes,
		.user_data = ((uint64_t)bytes << 32) | slot,
	};
	r->sq_local_tail = tail + 1;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	r->to_submit++;
	return 0;
}

static int uring_reap(void *ctx, unsigned *slots, unsigned max)
{
	struct uring *r = ctx;
	unsigned head = *r->cq_head, n = 0;

	if (__atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE) == head || r->to_submit) {
		int taken = (int)syscall(__NR_io_uring_enter, r->ring_fd, r->to_submit, 1,
		                         IORING_ENTER_GETEVENTS, NULL, 0);
		if (taken < 0)
			return -errno;
		if ((unsigned)taken != r->to_submit)
			return -EIO; /* it took fewer than it was given */
		r->to_submit = 0;
	}
	unsigned tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
	for (; head != tail && n < max; head++) {
		const struct io_uring_cqe *cqe = &r->cqes[head & r->cq_mask];
		if (cqe->res < 0)
			return cqe->res;
		if ((uint64_t)cqe->res != cqe->user_data >> 32)
			return -EIO; /* a short read */
		slots[n++] = (unsigned)(cqe->user_data & 0xffffffffu);
	}
	__atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
	return (int)n;
}

/* Opens `path` with O_DIRECT, waiting for the node to appear; the fd or -errno. */
static int open_device(const char *path)
{
	for (int waited = 0;; waited += 10) {
		int fd = open(path, O_RDONLY | O_DIRECT);
		if (fd >= 0 || (errno != ENOENT && errno != ENXIO) || waited >= DEVICE_WAIT_MS)
			return fd >= 0 ? fd : -errno;
		usleep(10000);
	}
}

int main(int argc, char **argv)
{
	if (argc < 5 || (strcmp(argv[3], "randread") != 0 && strcmp(argv[3], "seqread") != 0)) {
		fprintf(stderr, "usage: bench_disk METRIC DEVICE randread|seqread QD [ROUNDS]\n");
		return 2;
	}
	const char *metric = argv[1], *device = argv[2];
	int sequential = strcmp(argv[3], "seqread") == 0;
	unsigned qd = (unsigned)atoi(argv[4]);
	unsigned rounds = argc > 5 ? (unsigned)atoi(argv[5]) : BENCH_ROUNDS;
	struct uring r;
	uint64_t size;
	int err;

	memset(&r, 0, sizeof(r));
	if (qd == 0 || qd > BENCH_DISK_QD_MAX) {
		printf("BENCH-FAIL %s: QD 1..%d\n", metric, BENCH_DISK_QD_MAX);
		return 2;
	}
	r.disk_fd = open_device(device);
	if (r.disk_fd < 0) {
		printf("BENCH-FAIL %s: open %s: %s\n", metric, device, strerror(-r.disk_fd));
		return 1;
	}
	if (ioctl(r.disk_fd, BLKGETSIZE64, &size) < 0) {
		printf("BENCH-FAIL %s: BLKGETSIZE64 on %s: %s\n", metric, device, strerror(errno));
		return 1;
	}
	r.slot_bytes = sequential ? BENCH_DISK_SEQ : BENCH_DISK_RANDOM;
	err = posix_memalign((void **)&r.buffer, 4096, (size_t)qd * r.slot_bytes);
	if (err) {
		printf("BENCH-FAIL %s: no buffer: %s\n", metric, strerror(err));
		return 1;
	}
	err = uring_setup(&r);
	if (err < 0) {
		printf("BENCH-FAIL %s: io_uring_setup: %s\n", metric, strerror(-err));
		return 1;
	}
	struct bench_disk_io io = {
		.ctx = &r,
		.buffer = r.buffer,
		.submit = uring_submit,
		.reap = uring_reap,
	};
	return bench_disk_measure(metric, &io, sequential, qd, size, rounds);
}
