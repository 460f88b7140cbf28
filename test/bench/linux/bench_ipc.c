/*
 * Linux side of `ipc_roundtrip_block` and `ipc_roundtrip_poll`: a round trip
 * between two processes (fork), in guest instructions (see ../bench.h). As on
 * Iris, the parent sends an 8-byte message v, the child answers v + 1, and
 * the parent checks the answer.
 *
 *   bench_ipc METRIC pipe|unix|shm [ROUNDTRIPS [ROUNDS]]
 *
 *   pipe: the 8 bytes there and back over two pipes (write, then a blocking
 *         read, each an inline `syscall`: bench_syscall6);
 *   unix: the same over a unix stream socket pair;
 *   shm:  both processes spin (`pause` between looks) on two 8-byte cells in a
 *         MAP_SHARED | MAP_ANONYMOUS page, on separate cache lines: no system
 *         call; with two CPUs online the parent runs on CPU 0, the child on CPU 1.
 *
 * Also prints `BENCH METRIC.entries`: system calls per round trip (pipe and
 * unix: this side's write and read, counted, twice, as the child makes the
 * same calls: 4; shm: 0).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../bench.h"

struct shm {
	volatile uint64_t ping;
	char pad0[56];
	volatile uint64_t pong;
	char pad1[56];
};

static uint64_t calls; /* this process's system calls in the timed loops */

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set); /* best effort: one CPU online is fine */
}

/* Sends the 8-byte message v; 0, or -1 if the write failed or was short. */
static int xwrite(int fd, uint64_t v)
{
	calls++;
	return bench_syscall6(SYS_write, fd, (long)&v, sizeof(v), 0, 0, 0) == sizeof(v) ? 0 : -1;
}

/* Receives an 8-byte message into *v; 0, or -1 at end of file, on failure or a short read. */
static int xread(int fd, uint64_t *v)
{
	calls++;
	return bench_syscall6(SYS_read, fd, (long)v, sizeof(*v), 0, 0, 0) == sizeof(*v) ? 0 : -1;
}

/* The child of pipe/unix: answers each message v with v + 1 until end of file. */
static void echo_child(int in, int out)
{
	uint64_t v;

	for (;;) {
		if (xread(in, &v) < 0)
			_exit(0);
		if (xwrite(out, v + 1) < 0)
			_exit(1);
	}
}

static void spin_child(struct shm *s)
{
	pin(1);
	uint64_t seen = 0;
	for (;;) {
		uint64_t v;
		while ((v = __atomic_load_n(&s->ping, __ATOMIC_ACQUIRE)) == seen)
			__builtin_ia32_pause();
		if (v == UINT64_MAX)
			_exit(0);
		seen = v;
		__atomic_store_n(&s->pong, v + 1, __ATOMIC_RELEASE);
	}
}

static uint64_t next;   /* the last shm message: each one differs from the one before */
static uint64_t answer; /* the last shm answer the parent saw */

/* `n` round trips; returns 0, or -1 if a call failed or an answer was wrong. */
static int roundtrips(const char *mode, long n, int wfd, int rfd, struct shm *s)
{
	if (strcmp(mode, "shm") == 0) {
		for (long i = 0; i < n; i++) {
			uint64_t v = ++next, got;
			__atomic_store_n(&s->ping, v, __ATOMIC_RELEASE);
			while ((got = __atomic_load_n(&s->pong, __ATOMIC_ACQUIRE)) == answer)
				__builtin_ia32_pause();
			answer = got;
			if (got != v + 1)
				return -1;
		}
		return 0;
	}
	for (long i = 0; i < n; i++) {
		uint64_t v = (uint64_t)i, got = 0;
		if (xwrite(wfd, v) < 0 || xread(rfd, &got) < 0 || got != v + 1)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3 ||
	    (strcmp(argv[2], "pipe") && strcmp(argv[2], "unix") && strcmp(argv[2], "shm"))) {
		fprintf(stderr, "usage: bench_ipc METRIC pipe|unix|shm [ROUNDTRIPS [ROUNDS<=%d]]\n",
		        BENCH_ROUNDS_MAX);
		return 2;
	}
	const char *metric = argv[1], *mode = argv[2];
	int shm = strcmp(mode, "shm") == 0;
	long n = argc > 3 ? atol(argv[3])
	         : shm    ? BENCH_IPC_POLL_ROUNDTRIPS
	                  : BENCH_IPC_BLOCK_ROUNDTRIPS;
	unsigned rounds = argc > 4 ? (unsigned)atoi(argv[4]) : BENCH_ROUNDS;
	uint64_t values[BENCH_ROUNDS_MAX];
	char name[128];
	int to_child[2] = { -1, -1 }, to_parent[2] = { -1, -1 };
	struct shm *s = NULL;

	if (n <= 0 || rounds == 0 || rounds > BENCH_ROUNDS_MAX) {
		printf("BENCH-FAIL %s: ROUNDTRIPS > 0, ROUNDS 1..%d\n", metric, BENCH_ROUNDS_MAX);
		return 2;
	}
	if (shm) {
		s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (s == MAP_FAILED) {
			printf("BENCH-FAIL %s: mmap\n", metric);
			return 1;
		}
	} else if (strcmp(mode, "pipe") == 0) {
		if (pipe(to_child) < 0 || pipe(to_parent) < 0) {
			printf("BENCH-FAIL %s: pipe\n", metric);
			return 1;
		}
	} else {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
			printf("BENCH-FAIL %s: socketpair\n", metric);
			return 1;
		}
		to_child[1] = to_parent[0] = sv[0];
		to_child[0] = to_parent[1] = sv[1];
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		printf("BENCH-FAIL %s: fork\n", metric);
		return 1;
	}
	if (pid == 0) {
		if (shm)
			spin_child(s);
		close(to_child[1]);
		if (to_parent[0] != to_child[1])
			close(to_parent[0]);
		echo_child(to_child[0], to_parent[1]);
	}
	if (shm)
		pin(0);
	else {
		close(to_child[0]);
		if (to_parent[1] != to_child[0])
			close(to_parent[1]);
	}
	int wfd = to_child[1], rfd = to_parent[0];
	if (roundtrips(mode, n / 10 + 1, wfd, rfd, s) < 0)
		goto failed;
	calls = 0;
	for (unsigned r = 0; r < rounds; r++) {
		uint64_t start = bench_rdtsc();
		if (roundtrips(mode, n, wfd, rfd, s) < 0)
			goto failed;
		uint64_t end = bench_rdtsc();
		values[r] = bench_per_op(start, end, (uint64_t)n);
		bench_round(metric, r, values[r]);
	}
	/* The child makes a write and a read per round trip, as this side does. */
	uint64_t total = shm ? 0 : 2 * calls;
	if (shm)
		__atomic_store_n(&s->ping, UINT64_MAX, __ATOMIC_RELEASE);
	else
		close(wfd); /* the child reads end of file and exits */
	int status;
	waitpid(pid, &status, 0);
	bench_report(metric, values, rounds);
	snprintf(name, sizeof(name), "%s.entries", metric);
	bench_report_ratio(name, total, (uint64_t)n * rounds);
	return 0;

failed:
	kill(pid, SIGKILL);
	printf("BENCH-FAIL %s: %s round trip failed\n", metric, mode);
	return 1;
}
