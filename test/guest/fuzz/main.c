/*
 * test_fuzz: a seeded campaign against the ring and system-call interfaces
 * (KTAP). Run by init: `test=user run=test_fuzz+seed=N+rounds=R+workers=W+
 * threads=T+ms=M` (every word optional; `seed=clock` takes one from the
 * clock). The seed is printed first: the same seed gives the same mix of
 * calls in every thread, so a failure reproduces (its interleaving may not).
 *
 * A warm-up round lets the kernel heap grow to what a round needs; then the
 * baseline is taken (free frames, kernel heap bytes, kernel objects, our
 * handles), R rounds run, and once every fuzzing process has ended the
 * counters must be back at the baseline. Each round spawns W workers
 * (worker.c), kills one in four at a random moment, and fails if one hangs
 * past its deadline, dies of a CPU exception or reports an oracle failure.
 */
#include "../ktap.h"
#include "fuzz.h"
#include <errno.h>
#include <iris/modules.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Allowed drift of free frames between the baseline and the end: page-table
 * pages of the kernel window kept once made (test_ring's KERNEL_TABLE_SLACK)
 * and slab pages the heap keeps for reuse. Heap bytes, objects and handles
 * get no slack at all.
 */
#define FRAME_SLACK 64

/* How long past its running time a worker may take to drain its rings and end. */
#define DRAIN_GRACE_MS 20000

struct config {
	uint64_t seed;
	int rounds, workers, threads;
	long ms;
};

struct counters {
	long frames, heap, objects, handles;
};

static long now(void)
{
	return sys_clock_get(IRIS_CLOCK_MONOTONIC);
}

static struct counters counters_read(void)
{
	return (struct counters){ sys_stat(IRIS_STAT_FRAMES_FREE), sys_stat(IRIS_STAT_HEAP_BYTES),
		                  sys_stat(IRIS_STAT_OBJECTS), sys_stat(IRIS_STAT_HANDLES) };
}

/* Waits (10 s at most) until only `procs` processes and `threads` threads are left. */
static bool settle(long procs, long threads)
{
	for (long t0 = now(); now() - t0 < 10000 * MS; sys_sleep(20 * MS)) {
		if (sys_stat(IRIS_STAT_PROCESSES) == procs &&
		    sys_stat(IRIS_STAT_THREADS) == threads)
			return true;
	}
	return false;
}

static uint64_t spawned, parent_kills;

/* How one worker ended: 0 if acceptable, else prints why and returns 1. */
static int judge(int round, int w, const struct iris_exit_info *info, bool killed, long waited)
{
	if (waited < 0) {
		printf("# FUZZ FAIL round %d worker %d: no end %d ms after its deadline (hang)\n",
		       round, w, DRAIN_GRACE_MS);
		return 1;
	}
	if (info->reason == IRIS_EXIT_KILLED && killed)
		return 0;
	if (info->reason == IRIS_EXIT_CODE &&
	    (info->code == WORKER_CLEAN || info->code == WORKER_MIDBATCH))
		return 0;
	if (info->reason == IRIS_EXIT_FAULT)
		printf("# FUZZ FAIL round %d worker %d: CPU exception %u at rip %#llx (address "
		       "%#llx)\n",
		       round, w, info->vector, (unsigned long long)info->rip,
		       (unsigned long long)info->fault_addr);
	else
		printf("# FUZZ FAIL round %d worker %d: ended with reason %u, code %d\n", round, w,
		       info->reason, info->code);
	return 1;
}

/* One round: spawns the workers, kills some, waits for all. Returns the failures. */
static int round_run(const struct config *cfg, int round, iris_handle_t fig_vmo)
{
	enum { MAX_WORKERS = 16 };
	uint64_t seed = fz_mix(cfg->seed + (uint64_t)round);
	uint64_t rng = seed;
	iris_handle_t h[MAX_WORKERS];
	long kill_at[MAX_WORKERS], waited[MAX_WORKERS];
	bool killed[MAX_WORKERS] = { false }, done[MAX_WORKERS] = { false };
	struct iris_exit_info info[MAX_WORKERS];
	int n = cfg->workers < MAX_WORKERS ? cfg->workers : MAX_WORKERS, failures = 0;
	long t0 = now();
	for (int w = 0; w < n; w++) {
		char line[96];
		snprintf(line, sizeof(line), "test_fuzz worker %llu %d %d %ld",
		         (unsigned long long)seed, w, cfg->threads, cfg->ms);
		h[w] = iris_module_spawn_handles("test_fuzz", line, &fig_vmo, 1);
		if (h[w] < 0) {
			printf("# FUZZ FAIL round %d: spawning worker %d: %d\n", round, w, h[w]);
			failures++;
			done[w] = true;
			continue;
		}
		spawned++;
		kill_at[w] =
		        fz_one_in(&rng, 4)
		                ? t0 + (long)(cfg->ms / 4 + fz_below(&rng, (uint64_t)cfg->ms)) * MS
		                : 0;
		waited[w] = 0;
	}
	long deadline = t0 + (cfg->ms + DRAIN_GRACE_MS) * MS;
	for (int left = n; left > 0 && now() < deadline; sys_sleep(10 * MS)) {
		left = 0;
		for (int w = 0; w < n; w++) {
			if (done[w])
				continue;
			if (kill_at[w] && !killed[w] && now() >= kill_at[w]) {
				sys_kill(h[w]);
				killed[w] = true;
				parent_kills++;
			}
			if (sys_wait(h[w], &info[w], IRIS_WAIT_NOHANG) == 0)
				done[w] = true;
			else
				left++;
		}
	}
	for (int w = 0; w < n; w++) {
		if (h[w] < 0)
			continue;
		if (!done[w]) {
			waited[w] = -1;
			sys_kill(h[w]);
			sys_wait(h[w], &info[w], 0);
		}
		failures += judge(round, w, &info[w], killed[w], waited[w]);
		sys_handle_close(h[w]);
	}
	return failures;
}

static void print_figures(const struct fz_figures *f, int rounds, int failures)
{
	printf("# fuzz figures: %d rounds, %llu calls, %llu ring operations, %llu completions "
	       "checked, %llu rings, %llu scribbles, %llu processes spawned (%llu workers, %llu "
	       "victims), %llu killed, %d failures\n",
	       rounds, (unsigned long long)f->calls, (unsigned long long)f->ops,
	       (unsigned long long)f->checked, (unsigned long long)f->rings,
	       (unsigned long long)f->scribbles, (unsigned long long)(spawned + f->victims),
	       (unsigned long long)spawned, (unsigned long long)f->victims,
	       (unsigned long long)(parent_kills + f->victim_kills), failures);
}

static int campaign(const struct config *cfg)
{
	printf("# test_fuzz seed %llu: %d rounds of %d workers x %d threads, %ld ms each\n",
	       (unsigned long long)cfg->seed, cfg->rounds, cfg->workers, cfg->threads, cfg->ms);
	long vmo = sys_vmo_create(4096);
	long base = vmo > 0 ? sys_map(NULL, 4096, IRIS_PROT_READ | IRIS_PROT_WRITE, 0,
	                              (iris_handle_t)vmo, 0)
	                    : -1;
	if (base < 0) {
		printf("test_fuzz: no page for the figures: %ld\n", base);
		return 1;
	}
	struct fz_figures *fig = (struct fz_figures *)base;
	ktap_plan(cfg->rounds + 2);
	long procs = sys_stat(IRIS_STAT_PROCESSES), threads = sys_stat(IRIS_STAT_THREADS);

	int fails = round_run(cfg, 0, (iris_handle_t)vmo) + (int)fig->failures;
	bool quiet = settle(procs, threads);
	ktap_check(fails == 0 && quiet, "warm-up round: %d failures, processes back to %ld", fails,
	           procs);
	struct counters before = counters_read();
	int total = fails;
	for (int r = 1; r <= cfg->rounds; r++) {
		uint64_t oracle = fig->failures;
		long t0 = now();
		int f = round_run(cfg, r, (iris_handle_t)vmo) + (int)(fig->failures - oracle);
		total += f;
		ktap_check(f == 0, "round %d (seed %llu): %d failures (%ld ms; %llu calls so far)",
		           r, (unsigned long long)cfg->seed, f, (now() - t0) / MS,
		           (unsigned long long)fig->calls);
	}
	quiet = settle(procs, threads);
	struct counters after = counters_read();
	/* Frees that finish after the last process ended (reapers): give them a moment. */
	for (int i = 0; i < 50 && (after.objects != before.objects || after.heap > before.heap);
	     i++) {
		sys_sleep(20 * MS);
		after = counters_read();
	}
	bool leak_free = quiet && after.objects == before.objects && after.heap <= before.heap &&
	                 after.frames >= before.frames - FRAME_SLACK &&
	                 after.handles == before.handles;
	ktap_check(leak_free,
	           "after the campaign: objects %ld -> %ld, heap bytes %ld -> %ld, free frames %ld "
	           "-> %ld, handles %ld -> %ld",
	           before.objects, after.objects, before.heap, after.heap, before.frames,
	           after.frames, before.handles, after.handles);
	print_figures(fig, cfg->rounds, total + !leak_free);
	return ktap_done();
}

/* Reads `key=value` words; returns false on one it does not know. */
static bool parse(int argc, char **argv, struct config *cfg)
{
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq)
			return false;
		*eq = '\0';
		const char *key = argv[i], *value = eq + 1;
		long v = strtol(value, NULL, 0);
		if (strcmp(key, "seed") == 0)
			cfg->seed = strcmp(value, "clock") == 0 ? fz_mix((uint64_t)now())
			                                        : strtoull(value, NULL, 0);
		else if (strcmp(key, "rounds") == 0 && v >= 0)
			cfg->rounds = (int)v;
		else if (strcmp(key, "workers") == 0 && v > 0)
			cfg->workers = (int)v;
		else if (strcmp(key, "threads") == 0 && v > 0)
			cfg->threads = (int)v;
		else if (strcmp(key, "ms") == 0 && v > 0)
			cfg->ms = v;
		else
			return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	if (iris_modules_init() < 0) {
		printf("test_fuzz: no boot modules\n");
		return 1;
	}
	if (argc == 6 && strcmp(argv[1], "worker") == 0)
		return worker_main(strtoull(argv[2], NULL, 0), atoi(argv[3]), atoi(argv[4]),
		                   atol(argv[5]));
	if (argc == 3 && strcmp(argv[1], "victim") == 0)
		return victim_main(strtoull(argv[2], NULL, 0));
	struct config cfg = { .seed = 1, .rounds = 3, .workers = 3, .threads = 3, .ms = 3000 };
	if (!parse(argc, argv, &cfg)) {
		printf("usage: test_fuzz [seed=N|clock] [rounds=N] [workers=N] [threads=N] "
		       "[ms=N]\n");
		return 2;
	}
	return campaign(&cfg);
}
