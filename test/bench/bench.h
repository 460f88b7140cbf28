/*
 * Shared by the guest programs of `./iris bench`, on Linux (host gcc, glibc)
 * and on Iris (clang, Iris libc), so both sides time their loops the same way.
 *
 * Under QEMU's `-icount shift=0` every guest instruction advances the TSC by
 * one, so the difference of two rdtsc readings is the number of guest
 * instructions executed in between, user and kernel together. A program times
 * BENCH_ROUNDS rounds of N operations, and prints the median cost of one
 * operation on one line the runner (test/bench/bench.py) parses:
 *
 *   BENCH <metric> <instructions per operation, two decimals>
 *
 * preceded by one `BENCH-ROUND <metric> <round> <value>` line per round.
 */
#pragma once

#include <stdint.h>
#include <stdio.h>

/* Defaults shared by both sides; the Linux programs take overrides on argv. */
#define BENCH_ROUNDS             5
#define BENCH_ROUNDS_MAX         15
#define BENCH_SYSCALL_ITERATIONS 100000
#define BENCH_SPAWN_ITERATIONS   200

/*
 * The ring NOP metrics (ring_nop_*): operations per round (a multiple of
 * every batch size; fewer with a polling thread, whose rounds cost far more
 * under -icount, see README.md) and the ring sizes, the same on both sides.
 */
#define BENCH_RING_OPS        65536
#define BENCH_RING_SQPOLL_OPS 4096
#define BENCH_RING_SQ_ENTRIES 256
#define BENCH_RING_CQ_ENTRIES 512
#define BENCH_RING_BATCH_MAX  BENCH_RING_SQ_ENTRIES

/*
 * Round trips per round of ipc_roundtrip_block (one CPU) and
 * ipc_roundtrip_poll (two). On both sides a round trip is the same work: the
 * parent sends an 8-byte message (a uint64_t v), the child receives it and
 * answers v + 1, the parent receives the answer and checks it.
 */
#define BENCH_IPC_BLOCK_ROUNDTRIPS 10000
#define BENCH_IPC_POLL_ROUNDTRIPS  10000

/*
 * A system call through the `syscall` instruction, inline, the same on both
 * sides (their gates share the convention): rax = number, rdi, rsi, rdx, r10,
 * r8, r9 = six arguments, all six always loaded; rax = the result (negative:
 * -errno). The CPU clobbers rcx and r11; both kernels preserve the rest.
 * Neither side's C library wrapper is used (glibc's syscall() is an
 * out-of-line function that shuffles its arguments and sets errno).
 */
static inline long bench_syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	__asm__ volatile("syscall"
	                 : "=a"(ret)
	                 : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
	                 : "rcx", "r11", "memory");
	return ret;
}

/* The time stamp counter: guest instructions retired so far under -icount. */
static inline uint64_t bench_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* The cost of one of `ops` operations timed from `start` to `end`, in hundredths. */
static inline uint64_t bench_per_op(uint64_t start, uint64_t end, uint64_t ops)
{
	return (end - start) * 100 / ops;
}

/* Prints a value in hundredths as "123.45". */
static inline void bench_print_hundredths(uint64_t value)
{
	printf("%lu.%02lu", (unsigned long)(value / 100), (unsigned long)(value % 100));
}

/* Prints the result of round `round` of `metric` (a progress line). */
static inline void bench_round(const char *metric, unsigned round, uint64_t value)
{
	printf("BENCH-ROUND %s %u ", metric, round);
	bench_print_hundredths(value);
	printf("\n");
	fflush(stdout);
}

/*
 * Prints the median of the `n` (1..BENCH_ROUNDS_MAX) round values of `metric`,
 * in hundredths of an instruction per operation. Sorts `values` in place.
 */
static inline void bench_report(const char *metric, uint64_t *values, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		uint64_t v = values[i];
		unsigned j = i;
		for (; j > 0 && values[j - 1] > v; j--)
			values[j] = values[j - 1];
		values[j] = v;
	}
	uint64_t median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
	printf("BENCH %s ", metric);
	bench_print_hundredths(median);
	printf("\n");
	fflush(stdout);
}

/*
 * Prints `BENCH <name> <count / ops>` with four decimals (a figure such as
 * kernel entries per operation, which can be far below one).
 */
static inline void bench_report_ratio(const char *name, uint64_t count, uint64_t ops)
{
	uint64_t scaled = ops ? (count * 10000 + ops / 2) / ops : 0;

	printf("BENCH %s %lu.%04lu\n", name, (unsigned long)(scaled / 10000),
	       (unsigned long)(scaled % 10000));
	fflush(stdout);
}

/*
 * syscall_null, the same loop on both sides: after a warm-up of a tenth,
 * `rounds` (1..BENCH_ROUNDS_MAX) rounds of `iterations` calls
 * bench_syscall6(nr, i, 0, 0, 0, 0, 0), the result unused; prints each round
 * and the median as `metric`. `nr` is the side's null call (Iris SYS_ECHO,
 * Linux getppid, which ignores its arguments).
 */
static inline void bench_syscall_null(const char *metric, long nr, long iterations, unsigned rounds)
{
	uint64_t values[BENCH_ROUNDS_MAX];

	for (long i = 0; i < iterations / 10; i++)
		bench_syscall6(nr, i, 0, 0, 0, 0, 0);
	for (unsigned r = 0; r < rounds; r++) {
		uint64_t start = bench_rdtsc();
		for (long i = 0; i < iterations; i++)
			bench_syscall6(nr, i, 0, 0, 0, 0, 0);
		uint64_t end = bench_rdtsc();
		values[r] = bench_per_op(start, end, (uint64_t)iterations);
		bench_round(metric, r, values[r]);
	}
	bench_report(metric, values, rounds);
}
