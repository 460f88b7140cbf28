/*
 * Iris side of `ipc_roundtrip_block` and `ipc_roundtrip_poll`: a round trip
 * of an 8-byte message over a channel (iris/chan.h) between this program and
 * a child process (this program again, `bench_ipc child MODE`, which gets its
 * end of the channel as an initial handle), in guest instructions (../bench.h).
 *
 *   bench_ipc METRIC block|poll [ROUNDTRIPS [ROUNDS]]
 *
 *   block: iris_chan_send, then iris_chan_recv with no time limit, on both
 *          sides: on one CPU every receive sleeps in SYS_POLL and every send
 *          to a sleeping peer is a SYS_CHANNEL_NOTIFY (a blocking wake-up
 *          each way);
 *   poll:  both sides spin on the queues with iris_chan_try_send and
 *          iris_chan_try_recv (`pause` between looks): no system call at all.
 *
 * Also prints `BENCH METRIC.entries`: kernel entries (notifies + sleeps, of
 * both processes) per round trip over the timed rounds.
 */
#include <errno.h>
#include <iris/chan.h>
#include <iris/modules.h>
#include <iris/startup.h>
#include <iris/sys.h>
#include <stdlib.h>
#include <string.h>

#include "../bench.h"

#define FLAG_STATS 1 /* the child answers with its struct stats */
#define FLAG_END   2 /* the child answers with its struct stats and exits */
#define SLOTS      16

struct stats {
	uint64_t entries; /* notifies + sleeps so far */
};

static uint64_t entries(const struct iris_chan *c)
{
	return __atomic_load_n(&c->notifies, __ATOMIC_RELAXED) +
	       __atomic_load_n(&c->waits, __ATOMIC_RELAXED);
}

static int xsend(struct iris_chan *c, const void *data, size_t len, uint16_t flags, int poll)
{
	if (!poll)
		return iris_chan_send(c, data, len, flags, IRIS_CHAN_FOREVER);
	int r;
	while ((r = iris_chan_try_send(c, data, len, flags)) == -EAGAIN)
		__builtin_ia32_pause();
	return r;
}

static int xrecv(struct iris_chan *c, void *buf, size_t cap, struct iris_msg_meta *meta, int poll)
{
	if (!poll)
		return iris_chan_recv(c, buf, cap, meta, IRIS_CHAN_FOREVER);
	int r;
	while ((r = iris_chan_try_recv(c, buf, cap, meta)) == -EAGAIN)
		__builtin_ia32_pause();
	return r;
}

static int child(int poll)
{
	struct iris_chan c;
	struct iris_msg_meta meta;
	uint64_t v;
	if (iris_chan_open(&c, iris_handle_get(iris_handle_count() - 1)) < 0)
		return 10;
	for (;;) {
		if (xrecv(&c, &v, sizeof(v), &meta, poll) < 0)
			return 11;
		if (meta.flags & (FLAG_STATS | FLAG_END)) {
			struct stats s = { entries(&c) };
			if (xsend(&c, &s, sizeof(s), meta.flags, poll) < 0)
				return 12;
			if (meta.flags & FLAG_END)
				return 0;
			continue;
		}
		v++;
		if (xsend(&c, &v, sizeof(v), 0, poll) < 0)
			return 12;
	}
}

/* Starts `bench_ipc child MODE` with the peer end of a new channel. */
static long spawn_child(const char *mode, struct iris_chan *c, iris_handle_t *proc)
{
	struct iris_channel_info info;
	long h = sys_channel_create(SLOTS, &info);
	if (h < 0)
		return h;
	long r = iris_chan_open(c, (iris_handle_t)h);
	if (r < 0)
		return r;
	char line[64];
	snprintf(line, sizeof(line), "bench_ipc child %s", mode);
	long p = iris_module_spawn_handles("bench_ipc", line, &info.peer, 1);
	sys_handle_close(info.peer);
	if (p < 0)
		return p;
	*proc = (iris_handle_t)p;
	return 0;
}

/* `n` round trips; returns 0 or -errno (-EIO: a wrong answer). */
static int roundtrips(struct iris_chan *c, long n, int poll)
{
	for (long i = 0; i < n; i++) {
		uint64_t v = (uint64_t)i, got = 0;
		int r = xsend(c, &v, sizeof(v), 0, poll);
		if (r < 0)
			return r;
		r = xrecv(c, &got, sizeof(got), NULL, poll);
		if (r < 0)
			return r;
		if (got != v + 1)
			return -EIO;
	}
	return 0;
}

/* The child's kernel entries so far (a round trip of its own, not counted). */
static int child_entries(struct iris_chan *c, uint16_t flags, int poll, uint64_t *out)
{
	struct stats s;
	uint64_t v = 0;
	int r = xsend(c, &v, sizeof(v), flags, poll);
	if (r >= 0)
		r = xrecv(c, &s, sizeof(s), NULL, poll);
	if (r < 0)
		return r;
	if (r != (int)sizeof(s))
		return -EIO;
	*out = s.entries;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "child") == 0)
		return child(strcmp(argv[2], "poll") == 0);
	if (argc < 3 || (strcmp(argv[2], "block") != 0 && strcmp(argv[2], "poll") != 0)) {
		printf("BENCH-FAIL usage: bench_ipc METRIC block|poll [ROUNDTRIPS [ROUNDS]]\n");
		return 2;
	}
	const char *metric = argv[1];
	int poll = strcmp(argv[2], "poll") == 0;
	long n = argc > 3 ? atol(argv[3])
	         : poll   ? BENCH_IPC_POLL_ROUNDTRIPS
	                  : BENCH_IPC_BLOCK_ROUNDTRIPS;
	unsigned rounds = argc > 4 ? (unsigned)atoi(argv[4]) : BENCH_ROUNDS;
	uint64_t values[BENCH_ROUNDS_MAX];
	char name[128];
	struct iris_chan c;
	iris_handle_t proc = IRIS_HANDLE_INVALID;
	const char *what = "spawn";
	long err;

	if (n <= 0 || rounds == 0 || rounds > BENCH_ROUNDS_MAX) {
		printf("BENCH-FAIL %s: ROUNDTRIPS > 0, ROUNDS 1..%d\n", metric, BENCH_ROUNDS_MAX);
		return 2;
	}
	err = iris_modules_init();
	if (err >= 0)
		err = spawn_child(argv[2], &c, &proc);
	if (err < 0)
		goto failed;
	what = "round trip";
	err = roundtrips(&c, n / 10 + 1, poll);
	uint64_t child0 = 0, child1 = 0;
	if (err >= 0)
		err = child_entries(&c, FLAG_STATS, poll, &child0);
	if (err < 0)
		goto failed;
	uint64_t own0 = entries(&c), own1 = 0;
	for (unsigned i = 0; i < rounds; i++) {
		uint64_t start = bench_rdtsc();
		err = roundtrips(&c, n, poll);
		uint64_t end = bench_rdtsc();
		if (err < 0)
			goto failed;
		values[i] = bench_per_op(start, end, (uint64_t)n);
		bench_round(metric, i, values[i]);
	}
	own1 = entries(&c);
	err = child_entries(&c, FLAG_END, poll, &child1);
	if (err < 0)
		goto failed;
	struct iris_exit_info ei;
	if (sys_wait(proc, &ei, 0) < 0 || ei.reason != IRIS_EXIT_CODE || ei.code != 0) {
		printf("BENCH-FAIL %s: the child did not exit with 0\n", metric);
		return 1;
	}
	sys_handle_close(proc);
	iris_chan_close(&c);
	bench_report(metric, values, rounds);
	snprintf(name, sizeof(name), "%s.entries", metric);
	/* The two FLAG_STATS round trips' own entries are left out only approximately (<= 4). */
	bench_report_ratio(name, (own1 - own0) + (child1 - child0), (uint64_t)n * rounds);
	return 0;

failed:
	if (proc != IRIS_HANDLE_INVALID)
		sys_kill(proc);
	printf("BENCH-FAIL %s: %s: %s\n", metric, what, strerror((int)-err));
	return 1;
}
