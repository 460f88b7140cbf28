/*
 * Linux side of `syscall_null`: the cost of one null system call,
 * syscall(SYS_getppid), in guest instructions (see ../bench.h).
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
	uint64_t values[BENCH_ROUNDS_MAX];

	if (iterations <= 0 || rounds == 0 || rounds > BENCH_ROUNDS_MAX) {
		fprintf(stderr, "usage: bench_syscall [METRIC [ITERATIONS [ROUNDS<=%d]]]\n",
		        BENCH_ROUNDS_MAX);
		return 2;
	}
	for (long i = 0; i < iterations / 10; i++)
		syscall(SYS_getppid);
	for (unsigned r = 0; r < rounds; r++) {
		uint64_t start = bench_rdtsc();
		for (long i = 0; i < iterations; i++)
			syscall(SYS_getppid);
		uint64_t end = bench_rdtsc();
		values[r] = bench_per_op(start, end, (uint64_t)iterations);
		bench_round(metric, r, values[r]);
	}
	bench_report(metric, values, rounds);
	return 0;
}
