/*
 * The disk metrics of `./iris bench` (disk_randread_qd1_iops,
 * disk_randread_qd32_iops, disk_seqread_mbps), shared by both sides: the
 * disk image's contents, the order of the reads, and the measuring loop.
 * Each side only supplies how to start a read and how to wait for reads to
 * finish (struct bench_disk_io): io_uring on an O_DIRECT block device on
 * Linux, the block client (iris/blk.h) on Iris.
 *
 * These are wall-clock figures (the boots run without -icount): a round
 * keeps `qd` reads in flight for BENCH_DISK_ROUND_NS, stops submitting, waits
 * for the reads still in flight, and counts every read it got back over the
 * whole time. Every read is checked against the image (each 512-byte sector
 * starts with its LBA and BENCH_DISK_MAGIC ^ LBA, test/bench/bench.py writes
 * the image), so a read that did not happen, or read the wrong sectors,
 * fails the metric.
 */
#pragma once

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench.h"

#define BENCH_DISK_SECTOR     512
#define BENCH_DISK_MAGIC      0x4952495344495343ull /* "IRISDISC" */
#define BENCH_DISK_RANDOM     4096                  /* bytes per random read */
#define BENCH_DISK_SEQ        (128u << 10)          /* bytes per sequential read */
#define BENCH_DISK_QD_MAX     32
#define BENCH_DISK_ROUND_NS   1000000000ll /* one round; the warm-up is a fifth of it */
#define BENCH_DISK_SEED       0x9e3779b97f4a7c15ull
#define BENCH_DISK_WRONG_DATA 1 /* a read brought back other data than the image holds */

/* What a side provides: reads into BENCH_DISK_QD_MAX slots of a buffer. */
struct bench_disk_io {
	void *ctx;
	uint8_t *buffer; /* slot i's data is at buffer + i * the request size */
	/* Starts reading `bytes` at byte `offset` of the disk into slot `slot`; 0 or -errno. */
	int (*submit)(void *ctx, unsigned slot, uint64_t offset, uint32_t bytes);
	/*
	 * Sends what was submitted, if it is not sent yet, and waits for at
	 * least one read to finish; stores the slots of up to `max` finished
	 * reads in slots[] and returns how many, or -errno (a read that failed
	 * or came back short included).
	 */
	int (*reap)(void *ctx, unsigned *slots, unsigned max);
};

/* The order of the reads: random blocks of one size, or the disk from start to end, wrapping. */
struct bench_disk_plan {
	int sequential;
	uint32_t bytes;  /* per read */
	uint64_t blocks; /* the disk holds this many reads of `bytes` */
	uint64_t next;   /* sequential: the next block */
	uint64_t rng;    /* random: xorshift64 state */
};

static inline int64_t bench_disk_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* The byte offset of the next read. */
static inline uint64_t bench_disk_next(struct bench_disk_plan *p)
{
	if (p->sequential) {
		uint64_t block = p->next;
		p->next = (p->next + 1) % p->blocks;
		return block * p->bytes;
	}
	p->rng ^= p->rng << 13;
	p->rng ^= p->rng >> 7;
	p->rng ^= p->rng << 17;
	return (p->rng % p->blocks) * p->bytes;
}

/* Whether data[0..bytes) is what the image holds at byte `offset`. */
static inline int bench_disk_check(const uint8_t *data, uint64_t offset, uint32_t bytes)
{
	for (uint32_t at = 0; at < bytes; at += BENCH_DISK_SECTOR) {
		uint64_t lba = (offset + at) / BENCH_DISK_SECTOR, word[2];
		memcpy(word, data + at, sizeof(word));
		if (word[0] != lba || word[1] != (BENCH_DISK_MAGIC ^ lba))
			return 0;
	}
	return 1;
}

/*
 * Keeps `qd` reads in flight for `duration_ns`, then waits for the rest.
 * Stores the reads done and the nanoseconds taken. Returns 0, -errno from
 * the side's calls (-EBADMSG: it named a slot with no read in it), or
 * BENCH_DISK_WRONG_DATA (*bad_offset says where).
 */
static inline int bench_disk_round(struct bench_disk_io *io, struct bench_disk_plan *p, unsigned qd,
                                   int64_t duration_ns, uint64_t *ops, int64_t *ns,
                                   uint64_t *bad_offset)
{
	uint64_t offset[BENCH_DISK_QD_MAX];
	unsigned free_slot[BENCH_DISK_QD_MAX], done[BENCH_DISK_QD_MAX];
	unsigned nfree = qd, inflight = 0;
	int64_t start = bench_disk_now_ns();
	int stopping = 0;

	*ops = 0;
	for (unsigned i = 0; i < qd; i++)
		free_slot[i] = qd - 1 - i;
	for (;;) {
		while (!stopping && nfree > 0) {
			unsigned slot = free_slot[--nfree];
			offset[slot] = bench_disk_next(p);
			int r = io->submit(io->ctx, slot, offset[slot], p->bytes);
			if (r < 0)
				return r;
			inflight++;
		}
		if (inflight == 0)
			break;
		int n = io->reap(io->ctx, done, qd);
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++) {
			unsigned slot = done[i];
			if (slot >= qd)
				return -EBADMSG;
			if (!bench_disk_check(io->buffer + (size_t)slot * p->bytes, offset[slot],
			                      p->bytes)) {
				*bad_offset = offset[slot];
				return BENCH_DISK_WRONG_DATA;
			}
			free_slot[nfree++] = slot;
			inflight--;
			(*ops)++;
		}
		if (!stopping && bench_disk_now_ns() - start >= duration_ns)
			stopping = 1;
	}
	*ns = bench_disk_now_ns() - start;
	return 0;
}

/*
 * Measures `metric` on a disk of disk_bytes: random reads of
 * BENCH_DISK_RANDOM bytes (its value: reads per second) or sequential reads
 * of BENCH_DISK_SEQ bytes (MB/s, 10^6 bytes), `qd` in flight. A warm-up,
 * then `rounds` rounds; prints BENCH-ROUND lines and the median as BENCH.
 * Returns 0, or 1 after a BENCH-FAIL line.
 */
static inline int bench_disk_measure(const char *metric, struct bench_disk_io *io, int sequential,
                                     unsigned qd, uint64_t disk_bytes, unsigned rounds)
{
	struct bench_disk_plan plan = {
		.sequential = sequential,
		.bytes = sequential ? BENCH_DISK_SEQ : BENCH_DISK_RANDOM,
		.rng = BENCH_DISK_SEED,
	};
	uint64_t values[BENCH_ROUNDS_MAX], ops, bad = 0;
	int64_t ns;

	plan.blocks = disk_bytes / plan.bytes;
	if (plan.blocks == 0 || qd == 0 || qd > BENCH_DISK_QD_MAX || rounds == 0 ||
	    rounds > BENCH_ROUNDS_MAX) {
		printf("BENCH-FAIL %s: a disk of %llu bytes, QD 1..%d, ROUNDS 1..%d\n", metric,
		       (unsigned long long)disk_bytes, BENCH_DISK_QD_MAX, BENCH_ROUNDS_MAX);
		return 1;
	}
	for (unsigned i = 0; i <= rounds; i++) {
		/* Round 0 is the warm-up. */
		int r = bench_disk_round(io, &plan, qd,
		                         i ? BENCH_DISK_ROUND_NS : BENCH_DISK_ROUND_NS / 5, &ops,
		                         &ns, &bad);
		if (r == BENCH_DISK_WRONG_DATA) {
			printf("BENCH-FAIL %s: the read at byte %llu brought back other data\n",
			       metric, (unsigned long long)bad);
			return 1;
		}
		if (r < 0) {
			printf("BENCH-FAIL %s: read: %s\n", metric, strerror(-r));
			return 1;
		}
		if (i == 0)
			continue;
		if (ns <= 0)
			ns = 1;
		/* In hundredths: reads per second, or 10^6 bytes per second. */
		values[i - 1] = sequential ? ops * plan.bytes * 100000 / (uint64_t)ns
		                           : ops * 100000000000ull / (uint64_t)ns;
		bench_round(metric, i - 1, values[i - 1]);
	}
	bench_report(metric, values, rounds);
	return 0;
}
