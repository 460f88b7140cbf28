/*
 * Linux side of `ring_nop_b1` ... `ring_nop_b256` and `ring_nop_sqpoll_b32`:
 * io_uring IORING_OP_NOP, in guest instructions per operation (../bench.h).
 * No liburing: a bare io_uring (uring.h, entered with an inline `syscall`),
 * as Iris's bench_ring uses its own rings; the steps are the same as there.
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
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "../bench.h"
#include "uring.h"

struct ring {
	struct uring u;
	int sqpoll;
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
	r->sqpoll = sqpoll;
	int err = uring_setup(&r->u, BENCH_RING_SQ_ENTRIES, &p);
	if (err < 0) {
		fprintf(stderr, "bench_ring: %s: %s\n",
		        r->u.fd < 0 ? "io_uring_setup" : "mmap of the rings", strerror(-err));
		return -1;
	}
	return 0;
}

static int ring_enter(struct ring *r, unsigned to_submit, unsigned min_complete, unsigned flags)
{
	r->entries++;
	return uring_enter(&r->u, to_submit, min_complete, flags);
}

/* Consumes the completions in the CQ; returns how many there were. */
static unsigned ring_reap(struct ring *r)
{
	unsigned head = *r->u.cq_head;
	unsigned tail = uring_cq_tail(&r->u);
	unsigned n = tail - head;

	for (; head != tail; head++) {
		const struct io_uring_cqe *cqe = &r->u.cqes[head & r->u.cq_mask];
		if (cqe->res != 0 || cqe->user_data >= r->issued)
			r->bad++;
	}
	uring_cq_consume(&r->u, head);
	return n;
}

/* Submits `batch` NOPs and waits for all of them; returns 0, or the failed call's -errno. */
static int ring_step(struct ring *r, unsigned batch)
{
	unsigned tail = r->u.sq_local_tail;

	for (unsigned i = 0; i < batch; i++, tail++)
		r->u.sqes[tail & r->u.sq_mask] = (struct io_uring_sqe){
			.opcode = IORING_OP_NOP,
			.user_data = r->issued++,
		};
	uring_sq_publish(&r->u, tail);

	unsigned done = 0;
	int ret;
	if (!r->sqpoll) {
		ret = ring_enter(r, batch, batch, IORING_ENTER_GETEVENTS);
		if (ret != (int)batch)
			return ret < 0 ? ret : -EIO; /* -EIO: it took fewer than it was given */
	} else {
		/* The tail store must be visible before the flag is read (as liburing does). */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(r->u.sq_flags, __ATOMIC_RELAXED) & IORING_SQ_NEED_WAKEUP) {
			ret = ring_enter(r, 0, 0, IORING_ENTER_SQ_WAKEUP);
			if (ret < 0)
				return ret;
		}
	}
	for (;;) {
		done += ring_reap(r);
		if (done >= batch)
			return 0;
		ret = ring_enter(r, 0, batch - done, IORING_ENTER_GETEVENTS);
		if (ret < 0)
			return ret;
	}
}

/* Runs `ops` NOPs in steps of `batch`; returns 0, or -errno (-EIO: a NOP failed). */
static int ring_run(struct ring *r, unsigned batch, long ops)
{
	for (long n = 0; n < ops; n += batch) {
		int ret = ring_step(r, batch);
		if (ret < 0)
			return ret;
	}
	return r->bad ? -EIO : 0;
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
	int err = ring_run(&r, (unsigned)batch, warmup);
	if (err < 0)
		goto failed;
	r.entries = 0;
	for (unsigned i = 0; i < rounds; i++) {
		uint64_t start = bench_rdtsc();
		err = ring_run(&r, (unsigned)batch, ops);
		uint64_t end = bench_rdtsc();
		if (err < 0)
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
		fprintf(stderr, "bench_ring: %s: io_uring_enter: %s\n", metric, strerror(-err));
	return 1;
}
