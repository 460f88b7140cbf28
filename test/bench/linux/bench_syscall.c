/*
 * Linux side of `syscall_null`: the cost of one null system call, getppid,
 * in guest instructions (see ../bench.h): bench_syscall_null, the loop
 * Iris's side runs too, with the same inline `syscall` and register setup.
 *
 *   bench_syscall [METRIC [ITERATIONS [ROUNDS]]]
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../bench.h"

int main(int argc, char **argv)
{
	const char *metric = argc > 1 ? argv[1] : "syscall_null";
	long iterations = argc > 2 ? atol(argv[2]) : BENCH_SYSCALL_ITERATIONS;
	unsigned rounds = argc > 3 ? (unsigned)atoi(argv[3]) : BENCH_ROUNDS;

	if (iterations <= 0 || rounds == 0 || rounds > BENCH_ROUNDS_MAX) {
		fprintf(stderr, "usage: bench_syscall [METRIC [ITERATIONS [ROUNDS<=%d]]]\n",
		        BENCH_ROUNDS_MAX);
		return 2;
	}
	if (bench_syscall6(SYS_getppid, 0, 0, 0, 0, 0, 0) != getppid()) {
		printf("BENCH-FAIL %s: getppid through bench_syscall6 disagrees with glibc\n",
		       metric);
		return 1;
	}
	bench_syscall_null(metric, SYS_getppid, iterations, rounds);
	return 0;
}
