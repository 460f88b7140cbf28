/*
 * Iris side of `syscall_null` and `syscall_null_int80`: the cost of one null
 * synchronous system call, SYS_ECHO, through `syscall` and through
 * `int $0x80`, in guest instructions (see ../bench.h). Run by init with
 * `test=bench run=bench_syscall`; prints `BENCH <metric> <value>` lines.
 * syscall_null is bench_syscall_null, the loop Linux's side runs too.
 */
#include <iris/abi/syscall.h>
#include <iris/sys.h>

#include "../bench.h"

#define ITERATIONS BENCH_SYSCALL_ITERATIONS

static void bench_echo_int80(void)
{
	uint64_t values[BENCH_ROUNDS];

	for (long i = 0; i < ITERATIONS / 10; i++)
		iris_syscall6_int80(SYS_ECHO, i, 0, 0, 0, 0, 0);
	for (unsigned r = 0; r < BENCH_ROUNDS; r++) {
		uint64_t start = bench_rdtsc();
		for (long i = 0; i < ITERATIONS; i++)
			iris_syscall6_int80(SYS_ECHO, i, 0, 0, 0, 0, 0);
		uint64_t end = bench_rdtsc();
		values[r] = bench_per_op(start, end, ITERATIONS);
		bench_round("syscall_null_int80", r, values[r]);
	}
	bench_report("syscall_null_int80", values, BENCH_ROUNDS);
}

int main(void)
{
	if (bench_syscall6(SYS_ECHO, 42, 0, 0, 0, 0, 0) != 42) {
		printf("BENCH-FAIL echo does not echo\n");
		return 1;
	}
	bench_syscall_null("syscall_null", SYS_ECHO, ITERATIONS, BENCH_ROUNDS);
	bench_echo_int80();
	return 0;
}
