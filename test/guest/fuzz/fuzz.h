/*
 * test_fuzz: a seeded ring and system-call fuzzer (docs/fuzzing.md).
 *
 * The campaign (main.c) spawns worker processes (worker.c); each runs ring
 * threads that drive their own rings (rings.c) and make typed-argument
 * synchronous calls (calls.c), plus a scribbler thread. Every thread draws
 * from its own xorshift stream derived from the seed, so the mix of calls is
 * the same for a seed even though their interleaving is not.
 */
#pragma once

#include <iris/ringbuf.h>
#include <iris/sys.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MS (1000 * 1000L)

/* Exit codes of a worker (a kill is IRIS_EXIT_KILLED). */
#define WORKER_CLEAN    0
#define WORKER_FAILED   1
#define WORKER_MIDBATCH 3 /* it chose to exit with a batch in flight */

/*
 * Figures a worker adds to (atomically) in the page its parent shares with
 * it; the parent sums them for the closing line. `failures` counts oracle
 * violations (each is printed where it is found).
 */
struct fz_figures {
	uint64_t calls;     /* synchronous calls made */
	uint64_t ops;       /* ring submissions */
	uint64_t checked;   /* completions checked against their submission */
	uint64_t rings;     /* rings made and driven */
	uint64_t scribbles; /* random words written over a ring */
	uint64_t victims;   /* processes spawned by workers */
	uint64_t victim_kills;
	uint64_t failures;
};

static inline void fz_add(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

/* xorshift64 (never 0) seeded through splitmix64 so that close seeds differ at once. */
static inline uint64_t fz_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static inline uint64_t fz_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* A number in [0, n). */
static inline uint64_t fz_below(uint64_t *s, uint64_t n)
{
	return n ? fz_next(s) % n : 0;
}

/* True one time in n. */
static inline bool fz_one_in(uint64_t *s, uint64_t n)
{
	return fz_below(s, n) == 0;
}

/* A resource one thread made and may pass to later calls. */
enum fz_kind {
	FZ_VMO = 1,
	FZ_RING,
	FZ_CHANNEL,
	FZ_THREAD,
	FZ_PROCESS,
	FZ_OTHER, /* received over a channel, or duplicated from something unknown */
};

struct fz_handle {
	iris_handle_t h;
	enum fz_kind kind;
	bool ours; /* a thread or process this thread started: it may kill it */
};

struct fz_region {
	uintptr_t addr;
	size_t len;
	bool pinned; /* a ring submission points into it: never unmapped (see pick_own_range) */
};

#define FZ_HANDLES 48
#define FZ_REGIONS 16

/* One call, as made synchronously or put in a ring. */
struct fz_call {
	uint32_t nr;
	uint64_t args[6];
	void *out; /* scratch the kernel fills (ring params, channel info), or NULL */
};

struct fz_ring;

/* The state of one fuzzing thread. */
struct fz_thread {
	uint64_t rng;
	int worker, index;
	struct fz_figures *fig;
	struct fz_handle handles[FZ_HANDLES];
	int nhandles;
	struct fz_region regions[FZ_REGIONS];
	int nregions;
	struct fz_ring *rings;
	int nrings;
	bool in_ring;      /* the call being generated is a ring submission */
	uint64_t ring_gen; /* numbers ring incarnations in user_data */
	int failures;
	/* The last calls made or submitted, for a failure's report (calls_history). */
	struct fz_event {
		struct fz_call call;
		long result;
		bool ring; /* a submission: its result came later */
	} history[32];
	unsigned nhistory;
};

/* calls.c: typed arguments and the documented results. */
void calls_init(struct fz_thread *t);
void calls_generate(struct fz_thread *t, struct fz_call *c, bool in_ring, void *scratch);
long calls_make(struct fz_thread *t, const struct fz_call *c);
bool calls_result_ok(uint32_t nr, long result, bool in_ring);
void calls_harvest(struct fz_thread *t, const struct fz_call *c, long result);
void calls_release_all(struct fz_thread *t);
void fz_handle_add(struct fz_thread *t, iris_handle_t h, enum fz_kind kind, bool ours);
void fz_handle_forget(struct fz_thread *t, iris_handle_t h);
const char *calls_name(uint32_t nr);
void calls_record(struct fz_thread *t, const struct fz_call *c, bool ring, long result);
void calls_history(struct fz_thread *t, iris_handle_t h);
void fz_fail(struct fz_thread *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* rings.c: rings driven with op mixes and checked completions. */
void rings_step(struct fz_thread *t);
void rings_drain_all(struct fz_thread *t);
void rings_ring_closed(struct fz_thread *t, iris_handle_t h);
void rings_submit_only(struct fz_thread *t);
void rings_honest_step(struct fz_thread *t, struct iris_ringbuf *rb);

/* worker.c */
int worker_main(uint64_t seed, int worker, int threads, long ms);
int victim_main(uint64_t seed);
