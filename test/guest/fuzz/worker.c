/*
 * A worker process of the campaign (`test_fuzz worker SEED INDEX THREADS
 * MS`): THREADS fuzzing threads, each alternating ring steps and
 * synchronous calls with its own PRNG stream, plus one thread that
 * scribbles random words over a ring the first fuzzing thread submits on.
 * One worker in four exits on purpose right after submitting long
 * operations (mid-batch). Its figures go to the page its parent passed as
 * the first handle after the boot modules.
 *
 * Also the victims workers spawn (`test_fuzz victim SEED`): short-lived
 * processes that end (by exit, by their own SYS_KILL through an SQPOLL ring,
 * or killed by the worker) while their rings have work in flight.
 */
#include "fuzz.h"
#include <errno.h>
#include <iris/modules.h>
#include <iris/startup.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct worker {
	uint64_t seed;
	int index;
	long deadline;
	long exit_at; /* the time thread 0 exits mid-batch, or 0 */
	struct fz_figures *fig;
	struct iris_ringbuf scribbled;
	bool have_scribbled;
	volatile bool stop_scribbling;
};

struct thread_arg {
	struct worker *w;
	struct fz_thread t;
	uint8_t scratch[512];
};

static long now(void)
{
	return sys_clock_get(IRIS_CLOCK_MONOTONIC);
}

static int victims_alive(const struct fz_thread *t)
{
	int n = 0;
	for (int i = 0; i < t->nhandles; i++)
		n += t->handles[i].ours && t->handles[i].kind == FZ_PROCESS;
	return n;
}

static void spawn_victim(struct fz_thread *t)
{
	if (victims_alive(t) >= 2)
		return;
	char line[64];
	snprintf(line, sizeof(line), "test_fuzz victim %llu", (unsigned long long)fz_next(&t->rng));
	iris_handle_t v = iris_module_spawn("test_fuzz", line);
	fz_add(&t->fig->calls, 1);
	if (v > 0) {
		fz_add(&t->fig->victims, 1);
		fz_handle_add(t, v, FZ_PROCESS, true);
	}
}

static void kill_victim(struct fz_thread *t)
{
	for (int i = 0; i < t->nhandles; i++) {
		if (t->handles[i].ours && t->handles[i].kind == FZ_PROCESS) {
			sys_kill(t->handles[i].h);
			fz_add(&t->fig->calls, 1);
			fz_add(&t->fig->victim_kills, 1);
			return;
		}
	}
}

static void sync_call(struct fz_thread *t, uint8_t *scratch)
{
	struct fz_call c;
	calls_generate(t, &c, false, scratch);
	long r = calls_make(t, &c);
	calls_record(t, &c, false, r);
	if (!calls_result_ok(c.nr, r, false) || (c.nr == SYS_ECHO && r != (long)c.args[0]))
		fz_fail(t, "%s(%#llx, %#llx, %#llx, %#llx, %#llx, %#llx) -> %ld, undocumented",
		        calls_name(c.nr), (unsigned long long)c.args[0],
		        (unsigned long long)c.args[1], (unsigned long long)c.args[2],
		        (unsigned long long)c.args[3], (unsigned long long)c.args[4],
		        (unsigned long long)c.args[5], r);
	calls_harvest(t, &c, r);
}

static void *fuzz_thread(void *arg)
{
	struct thread_arg *a = arg;
	struct worker *w = a->w;
	struct fz_thread *t = &a->t;
	calls_init(t);
	while (now() < w->deadline) {
		if (t->index == 0 && w->exit_at && now() >= w->exit_at) {
			rings_submit_only(t);
			sys_process_exit(WORKER_MIDBATCH);
		}
		uint64_t roll = fz_below(&t->rng, 100);
		if (roll < 48)
			rings_step(t);
		else if (roll < 96)
			sync_call(t, a->scratch);
		else if (roll < 98)
			spawn_victim(t);
		else
			kill_victim(t);
		if (t->index == 0 && w->have_scribbled)
			rings_honest_step(t, &w->scribbled);
	}
	rings_drain_all(t);
	calls_release_all(t);
	return NULL;
}

/* Bursts of random words over the scribbled ring, 1 ms apart, until told to stop. */
static void *scribble(void *arg)
{
	struct worker *w = arg;
	uint64_t rng = fz_mix(w->seed ^ 0x5c71bb1e);
	volatile uint64_t *words = w->scribbled.base;
	volatile struct iris_ring_header *h = w->scribbled.hdr;
	size_t nwords = w->scribbled.size / 8;
	while (!w->stop_scribbling) {
		for (int i = 0; i < 200; i++) {
			uint64_t r = fz_next(&rng);
			if (r % 8 == 0)
				h->sq_tail = h->sq_head +
				             (uint32_t)(r >> 32) % (2 * w->scribbled.sq_entries);
			else if (r % 8 == 1)
				h->cq_head = h->cq_tail - (uint32_t)(r >> 32) % 64;
			else
				words[(r >> 16) % nwords] = fz_next(&rng);
		}
		fz_add(&w->fig->scribbles, 200);
		sys_sleep(MS);
	}
	return NULL;
}

static struct fz_figures *map_figures(void)
{
	static struct fz_figures local;
	iris_handle_t vmo = iris_handle_get(iris_module_count());
	long base = sys_map(NULL, 4096, IRIS_PROT_READ | IRIS_PROT_WRITE, 0, vmo, 0);
	return base > 0 ? (struct fz_figures *)base : &local;
}

int worker_main(uint64_t seed, int index, int threads, long ms)
{
	static struct worker w;
	w.seed = fz_mix(seed ^ (uint64_t)index << 40);
	w.index = index;
	w.fig = map_figures();
	uint64_t rng = w.seed;
	w.deadline = now() + ms * MS;
	if (fz_one_in(&rng, 4))
		w.exit_at = now() + (long)(ms / 4 + fz_below(&rng, (uint64_t)ms / 2)) * MS;
	unsigned sqpoll = fz_one_in(&rng, 2) ? IRIS_RING_SQPOLL : 0;
	w.have_scribbled = iris_ringbuf_setup(&w.scribbled, 64, 0, sqpoll) == 0;

	struct thread_arg *args = calloc((size_t)threads, sizeof(*args));
	pthread_t *tids = calloc((size_t)threads, sizeof(*tids));
	pthread_t scribbler;
	bool scribbling = w.have_scribbled && pthread_create(&scribbler, NULL, scribble, &w) == 0;
	int started = 0;
	for (int i = 0; args && tids && i < threads; i++) {
		args[i].w = &w;
		args[i].t.rng = fz_mix(w.seed + (uint64_t)i + 1);
		args[i].t.worker = index;
		args[i].t.index = i;
		args[i].t.fig = w.fig;
		started += pthread_create(&tids[i], NULL, fuzz_thread, &args[i]) == 0;
	}
	int failures = 0;
	for (int i = 0; i < started; i++) {
		pthread_join(tids[i], NULL);
		failures += args[i].t.failures;
	}
	if (scribbling) {
		w.stop_scribbling = true;
		pthread_join(scribbler, NULL);
	}
	if (w.have_scribbled)
		iris_ringbuf_destroy(&w.scribbled);
	return failures || started < threads ? WORKER_FAILED : WORKER_CLEAN;
}

/*
 * A victim: long TIMEOUTs in flight on one ring, and an SQPOLL ring kept
 * busy with RING_SETUP, CLOSE and MAP entries (the calls that raced process
 * teardown); one in three asks its own SQPOLL ring to kill it.
 */
int victim_main(uint64_t seed)
{
	uint64_t rng = fz_mix(seed);
	struct iris_ringbuf slow, poll;
	static struct iris_ring_params params[8];
	if (iris_ringbuf_setup(&slow, 8, 0, 0) == 0) {
		for (int i = 0; i < 4; i++) {
			struct iris_sqe sqe = { .nr = SYS_TIMEOUT,
				                .user_data = (uint64_t)i,
				                .args = { 60000 * MS } };
			iris_ringbuf_push(&slow, &sqe);
		}
		iris_ringbuf_enter(&slow, 0, 0, 0);
	}
	if (iris_ringbuf_setup(&poll, 32, 0, IRIS_RING_SQPOLL) < 0)
		return 0;
	long self = fz_one_in(&rng, 3) ? sys_process_open((uint64_t)sys_process_self()) : -1;
	long end = now() + (long)fz_below(&rng, 300) * MS;
	for (uint64_t n = 0; now() < end; n++) {
		struct iris_sqe sqe = { .user_data = n };
		switch (n % 4) {
		case 0:
			sqe.nr = SYS_RING_SETUP;
			sqe.args[0] = 4;
			sqe.args[3] = (uint64_t)&params[n / 4 % 8];
			break;
		case 1:
			sqe.nr = SYS_HANDLE_CLOSE;
			sqe.args[0] = (uint64_t)(int64_t)params[(n / 4 + 7) % 8].vmo;
			break;
		case 2:
			sqe.nr = SYS_MAP;
			sqe.args[1] = 4096;
			sqe.args[2] = IRIS_PROT_READ;
			sqe.args[4] = (uint64_t)-1;
			break;
		default:
			sqe.nr = self > 0 && fz_one_in(&rng, 16) ? SYS_KILL : SYS_NOP;
			sqe.args[0] = (uint64_t)self;
			break;
		}
		iris_ringbuf_push(&poll, &sqe);
		iris_ringbuf_publish(&poll);
		struct iris_cqe c;
		while (iris_ringbuf_pop(&poll, &c))
			;
		if (iris_ringbuf_sq_space(&poll) == 0)
			sys_yield();
	}
	return 0; /* with both rings still open: the exit tears them down */
}
