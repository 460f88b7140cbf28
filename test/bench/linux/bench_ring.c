/*
 * Linux side of `ring_nop_b1` ... `ring_nop_b256` and `ring_nop_sqpoll_b32`:
 * io_uring IORING_OP_NOP, in guest instructions per operation (../bench.h).
 * No liburing: io_uring_setup and io_uring_enter through syscall(), the rings
 * mapped with mmap, as Iris's bench_ring does with its own rings.
 *
 *   bench_ring METRIC BATCH enter|sqpoll [OPS [ROUNDS]]
 *
 * One step writes BATCH NOP entries into the SQ and publishes the new tail,
 * then gets all BATCH completions back and consumes them:
 *   enter:  io_uring_enter(fd, BATCH, BATCH, IORING_ENTER_GETEVENTS) submits
 *           them and waits for them in one call.
 *   sqpoll: a kernel thread (IORING_SETUP_SQPOLL, pinned to CPU 1; this
 *           program runs on CPU 0) takes the entries; io_uring_enter only
 *           wakes it when it sleeps (IORING_SQ_NEED_WAKEUP) and waits with
 *           IORING_ENTER_GETEVENTS when the completions are not there yet.
 * Besides `BENCH METRIC <instructions per NOP>` it prints
 * `BENCH METRIC.entries <io_uring_enter calls per NOP>` over the timed rounds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/io_uring.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../bench.h"

struct ring {
	int fd;
	int sqpoll;
	unsigned *sq_tail;
	unsigned *sq_flags;
	unsigned sq_mask;
	unsigned sq_local_tail; /* the tail this program has written */
	struct io_uring_sqe *sqes;
	unsigned *cq_head;
	unsigned *cq_tail;
	unsigned cq_mask;
	struct io_uring_cqe *cqes;
	uint64_t issued;  /* user_data of the next NOP */
	uint64_t entries; /* io_uring_enter calls */
	uint64_t bad;     /* completions that are not a NOP's 0 */
};

static int ring_setup(struct ring *r, int sqpoll)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	memset(r, 0, sizeof(*r));
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = BENCH_RING_CQ_ENTRIES;
	if (sqpoll) {
		p.flags |= IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF;
		p.sq_thread_cpu = 1;
	}
	r->fd = (int)syscall(__NR_io_uring_setup, BENCH_RING_SQ_ENTRIES, &p);
	if (r->fd < 0) {
		fprintf(stderr, "bench_ring: io_uring_setup: %s\n", strerror(errno));
		return -1;
	}
	r->sqpoll = sqpoll;

	size_t sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	size_t cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	int single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
	if (single && cq_size > sq_size)
		sq_size = cq_size;
	char *sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
	                IORING_OFF_SQ_RING);
	char *cq = single ? sq
	                  : mmap(NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
	                         r->fd, IORING_OFF_CQ_RING);
	void *sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
	                  MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
		fprintf(stderr, "bench_ring: mmap of the rings: %s\n", strerror(errno));
		return -1;
	}
	r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
	r->sq_flags = (unsigned *)(sq + p.sq_off.flags);
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

static int ring_enter(struct ring *r, unsigned to_submit, unsigned min_complete, unsigned flags)
{
	r->entries++;
	return (int)syscall(__NR_io_uring_enter, r->fd, to_submit, min_complete, flags, NULL, 0);
}

/* Consumes the completions in the CQ; returns how many there were. */
static unsigned ring_reap(struct ring *r)
{
	unsigned head = *r->cq_head;
	unsigned tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
	unsigned n = tail - head;

	for (; head != tail; head++) {
		const struct io_uring_cqe *cqe = &r->cqes[head & r->cq_mask];
		if (cqe->res != 0 || cqe->user_data >= r->issued)
			r->bad++;
	}
	__atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
	return n;
}

/* Submits `batch` NOPs and waits for all of them; returns 0, or -1 if a call failed. */
static int ring_step(struct ring *r, unsigned batch)
{
	unsigned tail = r->sq_local_tail;

	for (unsigned i = 0; i < batch; i++, tail++)
		r->sqes[tail & r->sq_mask] = (struct io_uring_sqe){
			.opcode = IORING_OP_NOP,
			.user_data = r->issued++,
		};
	r->sq_local_tail = tail;
	__atomic_store_n(r->sq_tail, tail, __ATOMIC_RELEASE);

	unsigned done = 0;
	if (!r->sqpoll) {
		int taken = ring_enter(r, batch, batch, IORING_ENTER_GETEVENTS);
		if (taken != (int)batch) {
			if (taken >= 0)
				errno = EIO; /* it took fewer than it was given */
			return -1;
		}
	} else {
		/* The tail store must be visible before the flag is read (as liburing does). */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(r->sq_flags, __ATOMIC_RELAXED) & IORING_SQ_NEED_WAKEUP)
			if (ring_enter(r, 0, 0, IORING_ENTER_SQ_WAKEUP) < 0)
				return -1;
	}
	for (;;) {
		done += ring_reap(r);
		if (done >= batch)
			return 0;
		if (ring_enter(r, 0, batch - done, IORING_ENTER_GETEVENTS) < 0)
			return -1;
	}
}

/* Runs `ops` NOPs in steps of `batch`; returns 0, or -1 if anything failed. */
static int ring_run(struct ring *r, unsigned batch, long ops)
{
	for (long n = 0; n < ops; n += batch)
		if (ring_step(r, batch) < 0)
			return -1;
	return r->bad ? -1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 4 || (strcmp(argv[3], "enter") != 0 && strcmp(argv[3], "sqpoll") != 0)) {
		fprintf(stderr, "usage: bench_ring METRIC BATCH enter|sqpoll [OPS [ROUNDS]]\n");
		return 2;
	}
	const char *metric = argv[1];
	long batch = atol(argv[2]);
	int sqpoll = strcmp(argv[3], "sqpoll") == 0;
	long ops = argc > 4 ? atol(argv[4]) : sqpoll ? BENCH_RING_SQPOLL_OPS : BENCH_RING_OPS;
	unsigned rounds = argc > 5 ? (unsigned)atoi(argv[5]) : BENCH_ROUNDS;
	uint64_t values[BENCH_ROUNDS_MAX];
	char name[128];
	struct ring r;

	if (batch <= 0 || batch > BENCH_RING_BATCH_MAX || ops <= 0 || ops % batch != 0 ||
	    rounds == 0 || rounds > BENCH_ROUNDS_MAX) {
		fprintf(stderr, "bench_ring: BATCH 1..%d, OPS a multiple of BATCH, ROUNDS <= %d\n",
		        BENCH_RING_BATCH_MAX, BENCH_ROUNDS_MAX);
		return 2;
	}
	if (sqpoll) {
		cpu_set_t cpus;
		CPU_ZERO(&cpus);
		CPU_SET(0, &cpus);
		if (sched_setaffinity(0, sizeof(cpus), &cpus) < 0) {
			fprintf(stderr, "bench_ring: sched_setaffinity: %s\n", strerror(errno));
			return 1;
		}
	}
	if (ring_setup(&r, sqpoll) < 0)
		return 1;
	long warmup = (ops / 10 + batch - 1) / batch * batch;
	if (ring_run(&r, (unsigned)batch, warmup) < 0)
		goto failed;
	r.entries = 0;
	for (unsigned i = 0; i < rounds; i++) {
		uint64_t start = bench_rdtsc();
		int failed = ring_run(&r, (unsigned)batch, ops);
		uint64_t end = bench_rdtsc();
		if (failed)
			goto failed;
		values[i] = bench_per_op(start, end, (uint64_t)ops);
		bench_round(metric, i, values[i]);
	}
	bench_report(metric, values, rounds);
	snprintf(name, sizeof(name), "%s.entries", metric);
	bench_report_ratio(name, r.entries, (uint64_t)ops * rounds);
	return 0;

failed:
	if (r.bad)
		fprintf(stderr, "bench_ring: %s: %llu NOPs completed with an error\n", metric,
		        (unsigned long long)r.bad);
	else
		fprintf(stderr, "bench_ring: %s: io_uring_enter: %s\n", metric, strerror(errno));
	return 1;
}
