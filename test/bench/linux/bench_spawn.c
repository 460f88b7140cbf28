/*
 * Linux side of `process_spawn`: start a small static program, let it exit,
 * wait for it; the cost of one such cycle in guest instructions (../bench.h).
 *
 *   bench_spawn METRIC posix_spawn|fork CHILD [ITERATIONS [ROUNDS]]
 *
 * posix_spawn is glibc's (clone with CLONE_VM | CLONE_VFORK, then execve);
 * fork is fork() + execve() in the child. Both end with waitpid(). The child
 * gets argv { CHILD } and no environment, as on Iris. Unlike Iris, which
 * starts an ELF image already in the parent's memory, this starts a file by
 * path: the runner prints no Iris/Linux ratio for the metric.
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../bench.h"

static char *const no_environment[] = { NULL };

/* Starts `path`; returns its pid, or -1. */
static pid_t start_child(int use_fork, const char *path, char *const argv[])
{
	pid_t pid;

	if (!use_fork)
		return posix_spawn(&pid, path, NULL, NULL, argv, no_environment) == 0 ? pid : -1;
	pid = fork();
	if (pid == 0) {
		execve(path, argv, no_environment);
		_exit(127);
	}
	return pid;
}

/* Runs `path` once to the end; returns 0 if it started and exited with status 0. */
static int spawn_once(int use_fork, const char *path, char *const argv[])
{
	int status;
	pid_t pid = start_child(use_fork, path, argv);

	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc < 4 || (strcmp(argv[2], "posix_spawn") != 0 && strcmp(argv[2], "fork") != 0)) {
		fprintf(stderr, "usage: bench_spawn METRIC posix_spawn|fork CHILD [N [ROUNDS]]\n");
		return 2;
	}
	const char *metric = argv[1];
	int use_fork = strcmp(argv[2], "fork") == 0;
	char *child_argv[] = { argv[3], NULL };
	long iterations = argc > 4 ? atol(argv[4]) : BENCH_SPAWN_ITERATIONS;
	unsigned rounds = argc > 5 ? (unsigned)atoi(argv[5]) : BENCH_ROUNDS;
	uint64_t values[BENCH_ROUNDS_MAX];

	if (iterations <= 0 || rounds == 0 || rounds > BENCH_ROUNDS_MAX) {
		fprintf(stderr, "bench_spawn: bad ITERATIONS or ROUNDS (<=%d)\n", BENCH_ROUNDS_MAX);
		return 2;
	}
	for (long i = 0; i < iterations / 10 + 1; i++) {
		if (spawn_once(use_fork, argv[3], child_argv) < 0) {
			fprintf(stderr, "bench_spawn: %s of %s failed\n", argv[2], argv[3]);
			return 1;
		}
	}
	for (unsigned r = 0; r < rounds; r++) {
		int failed = 0;
		uint64_t start = bench_rdtsc();
		for (long i = 0; i < iterations; i++)
			failed |= spawn_once(use_fork, argv[3], child_argv);
		uint64_t end = bench_rdtsc();
		if (failed) {
			fprintf(stderr, "bench_spawn: %s of %s failed\n", argv[2], argv[3]);
			return 1;
		}
		values[r] = bench_per_op(start, end, (uint64_t)iterations);
		bench_round(metric, r, values[r]);
	}
	bench_report(metric, values, rounds);
	return 0;
}
