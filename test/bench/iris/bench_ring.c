/*
 * Iris side of `ring_nop_b1` ... `ring_nop_b256` and `ring_nop_sqpoll_b32`:
 * SYS_NOP through a submission/completion ring (iris/abi/ring.h), in guest
 * instructions per operation (../bench.h). The Linux side does the same with
 * io_uring IORING_OP_NOP (../linux/bench_ring.c).
 *
 *   bench_ring METRIC BATCH enter|sqpoll [OPS [ROUNDS]]
 *
 * init runs it as `run=bench_ring+METRIC+BATCH+MODE` ('+' between words).
 * One step writes BATCH SYS_NOP entries into the SQ and publishes the new
 * tail, then gets all BATCH completions back and consumes them:
 *   enter:  SYS_RING_ENTER(ring, BATCH, BATCH, IRIS_ENTER_GETEVENTS) takes
 *           them and waits for them in one call.
 *   sqpoll: the ring's polling thread (IRIS_RING_SQPOLL) takes the entries;
 *           SYS_RING_ENTER only wakes it when it sleeps
 *           (IRIS_RING_NEED_WAKEUP) and waits with IRIS_ENTER_GETEVENTS when
 *           the completions are not there yet.
 * Besides `BENCH METRIC <instructions per NOP>` it prints
 * `BENCH METRIC.entries <SYS_RING_ENTER calls per NOP>` over the timed rounds.
 */
#include <errno.h>
#include <iris/abi/ring.h>
#include <iris/abi/syscall.h>
#include <iris/sys.h>
#include <stdlib.h>
#include <string.h>

#include "../bench.h"

struct ring {
	long handle;
	int sqpoll;
	struct iris_ring_header *header;
	struct iris_sqe *sq;
	uint32_t sq_mask;
	uint32_t sq_tail; /* the tail this program has written */
	struct iris_cqe *cq;
	uint32_t cq_mask;
	uint64_t issued;  /* user_data of the next NOP */
	uint64_t entries; /* SYS_RING_ENTER calls */
	uint64_t bad;     /* completions that are not a NOP's 0 */
};

/* Creates and maps the ring; returns 0 or -errno, with `what` naming the call that failed. */
static long ring_setup(struct ring *r, int sqpoll, const char **what)
{
	struct iris_ring_params p;

	memset(&p, 0, sizeof(p));
	memset(r, 0, sizeof(*r));
	*what = "SYS_RING_SETUP";
	r->handle = sys_ring_setup(BENCH_RING_SQ_ENTRIES, BENCH_RING_CQ_ENTRIES,
	                           sqpoll ? IRIS_RING_SQPOLL : 0, &p);
	if (r->handle < 0)
		return r->handle;
	if (p.sq_entries < BENCH_RING_BATCH_MAX || p.cq_entries < BENCH_RING_BATCH_MAX ||
	    (p.sq_entries & (p.sq_entries - 1)) || (p.cq_entries & (p.cq_entries - 1)))
		return -EINVAL;
	*what = "sys_map of the ring";
	long base = sys_map(NULL, p.size, IRIS_PROT_READ | IRIS_PROT_WRITE, 0, p.vmo, 0);
	if (base < 0)
		return base;
	r->sqpoll = sqpoll;
	r->header = (struct iris_ring_header *)base;
	r->sq = (struct iris_sqe *)(base + p.sq_offset);
	r->sq_mask = p.sq_entries - 1;
	r->sq_tail = __atomic_load_n(&r->header->sq_tail, __ATOMIC_RELAXED);
	r->cq = (struct iris_cqe *)(base + p.cq_offset);
	r->cq_mask = p.cq_entries - 1;
	return 0;
}

static long ring_enter(struct ring *r, unsigned to_submit, unsigned min_complete, unsigned flags)
{
	r->entries++;
	return sys_ring_enter((iris_handle_t)r->handle, to_submit, min_complete, flags, 0);
}

/* Consumes the completions in the CQ; returns how many there were. */
static unsigned ring_reap(struct ring *r)
{
	uint32_t head = __atomic_load_n(&r->header->cq_head, __ATOMIC_RELAXED);
	uint32_t tail = __atomic_load_n(&r->header->cq_tail, __ATOMIC_ACQUIRE);
	unsigned n = tail - head;

	for (; head != tail; head++) {
		const struct iris_cqe *cqe = &r->cq[head & r->cq_mask];
		if (cqe->result != 0 || cqe->user_data >= r->issued)
			r->bad++;
	}
	__atomic_store_n(&r->header->cq_head, head, __ATOMIC_RELEASE);
	return n;
}

/* Submits `batch` NOPs and waits for all of them; returns 0, or the failed call's -errno. */
static long ring_step(struct ring *r, unsigned batch)
{
	uint32_t tail = r->sq_tail;
	long ret;

	for (unsigned i = 0; i < batch; i++, tail++)
		r->sq[tail & r->sq_mask] = (struct iris_sqe){
			.nr = SYS_NOP,
			.user_data = r->issued++,
		};
	r->sq_tail = tail;
	__atomic_store_n(&r->header->sq_tail, tail, __ATOMIC_RELEASE);

	unsigned done = 0;
	if (!r->sqpoll) {
		ret = ring_enter(r, batch, batch, IRIS_ENTER_GETEVENTS);
		if (ret != (long)batch)
			return ret < 0 ? ret : -EIO;
	} else {
		/* The tail store must be visible before the flag is read. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&r->header->flags, __ATOMIC_RELAXED) & IRIS_RING_NEED_WAKEUP) {
			ret = ring_enter(r, 0, 0, IRIS_ENTER_SQ_WAKEUP);
			if (ret < 0)
				return ret;
		}
	}
	for (;;) {
		done += ring_reap(r);
		if (done >= batch)
			return 0;
		ret = ring_enter(r, 0, batch - done, IRIS_ENTER_GETEVENTS);
		if (ret < 0)
			return ret;
	}
}

/* Runs `ops` NOPs in steps of `batch`; returns 0, or -errno (-EIO: a NOP failed). */
static long ring_run(struct ring *r, unsigned batch, long ops)
{
	for (long n = 0; n < ops; n += batch) {
		long ret = ring_step(r, batch);
		if (ret < 0)
			return ret;
	}
	return r->bad ? -EIO : 0;
}

int main(int argc, char **argv)
{
	if (argc < 4 || (strcmp(argv[3], "enter") != 0 && strcmp(argv[3], "sqpoll") != 0)) {
		printf("BENCH-FAIL usage: bench_ring METRIC BATCH enter|sqpoll [OPS [ROUNDS]]\n");
		return 2;
	}
	const char *metric = argv[1];
	long batch = atol(argv[2]);
	int sqpoll = strcmp(argv[3], "sqpoll") == 0;
	long ops = argc > 4 ? atol(argv[4]) : sqpoll ? BENCH_RING_SQPOLL_OPS : BENCH_RING_OPS;
	unsigned rounds = argc > 5 ? (unsigned)atoi(argv[5]) : BENCH_ROUNDS;
	uint64_t values[BENCH_ROUNDS_MAX];
	char name[128];
	const char *what;
	struct ring r;
	long err;

	if (batch <= 0 || batch > BENCH_RING_BATCH_MAX || ops <= 0 || ops % batch != 0 ||
	    rounds == 0 || rounds > BENCH_ROUNDS_MAX) {
		printf("BENCH-FAIL %s: BATCH 1..%d, OPS a multiple of BATCH, ROUNDS <= %d\n",
		       metric, BENCH_RING_BATCH_MAX, BENCH_ROUNDS_MAX);
		return 2;
	}
	err = ring_setup(&r, sqpoll, &what);
	if (err < 0) {
		printf("BENCH-FAIL %s: %s: %s\n", metric, what, strerror((int)-err));
		return 1;
	}
	what = "SYS_RING_ENTER";
	long warmup = (ops / 10 + batch - 1) / batch * batch;
	err = ring_run(&r, (unsigned)batch, warmup);
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
		printf("BENCH-FAIL %s: %lu NOPs completed with something else than 0\n", metric,
		       (unsigned long)r.bad);
	else
		printf("BENCH-FAIL %s: %s: %s\n", metric, what, strerror((int)-err));
	return 1;
}
