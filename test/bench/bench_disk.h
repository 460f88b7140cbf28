/*
 * The disk metrics of `./iris bench` (disk_* on AHCI, nvme_* on NVMe; see
 * README.md), shared by both sides: the disk image's contents, the order of
 * the requests, and the measuring loop. Each side only supplies how to start
 * a request and how to wait for requests to finish (struct bench_disk_io):
 * io_uring on an O_DIRECT block device on Linux, the block client
 * (iris/blk.h) on Iris.
 *
 * Random reads are BENCH_DISK_RANDOM bytes; sequential reads and writes are
 * BENCH_DISK_SEQ bytes, from the start of the disk on, wrapping. The
 * wall-clock figures (the boots run without -icount) keep `qd` requests in
 * flight for BENCH_DISK_ROUND_NS, stop submitting, wait for the requests
 * still in flight, and count every request that came back over the whole
 * time. The instruction figure (the boot runs under -icount) does the same
 * for BENCH_DISK_COUNT_OPS requests and divides the guest instructions (the
 * TSC) by them.
 *
 * Every read is checked against the image (each 512-byte sector starts with
 * its LBA and BENCH_DISK_MAGIC ^ LBA, the rest is BENCH_DISK_FILL;
 * test/bench/bench.py writes the image), so a read that did not happen, or
 * read the wrong sectors, fails the metric. A write writes what the image
 * already holds there, so the image stays as bench.py wrote it and the reads
 * of the next run check what the writes left.
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
#define BENCH_DISK_FILL       0xA5                  /* the rest of each sector */
#define BENCH_DISK_RANDOM     4096                  /* bytes per random read */
#define BENCH_DISK_SEQ        (1u << 20)            /* bytes per sequential read or write */
#define BENCH_DISK_QD_MAX     32
#define BENCH_DISK_ROUND_NS   1000000000ll /* one wall-clock round; the warm-up is a fifth */
#define BENCH_DISK_COUNT_OPS  4096         /* requests per counted round; the warm-up: a tenth */
#define BENCH_DISK_SEED       0x9e3779b97f4a7c15ull
#define BENCH_DISK_WRONG_DATA 1 /* a read brought back other data than the image holds */

/* What the disk metrics do. */
enum bench_disk_mode {
	BENCH_DISK_RANDREAD,
	BENCH_DISK_SEQREAD,
	BENCH_DISK_SEQWRITE,
};

/* What a side provides: requests on BENCH_DISK_QD_MAX slots of a buffer. */
struct bench_disk_io {
	void *ctx;
	uint8_t *buffer; /* slot i's data is at buffer + i * the request size */
	/*
	 * Starts reading (write 0) or writing (write 1) `bytes` at byte `offset`
	 * of the disk into or from slot `slot`; 0 or -errno.
	 */
	int (*submit)(void *ctx, int write, unsigned slot, uint64_t offset, uint32_t bytes);
	/*
	 * Sends what was submitted, if it is not sent yet, and waits for at
	 * least one request to finish; stores the slots of up to `max` finished
	 * requests in slots[] and returns how many, or -errno (a request that
	 * failed or came back short included).
	 */
	int (*reap)(void *ctx, unsigned *slots, unsigned max);
};

/* The order of the requests: random blocks of one size, or the disk from start to end, wrapping. */
struct bench_disk_plan {
	enum bench_disk_mode mode;
	int counting;    /* instructions (rdtsc, a fixed number of requests), not wall clock */
	uint32_t bytes;  /* per request */
	uint64_t blocks; /* the disk holds this many requests of `bytes` */
	uint64_t next;   /* sequential: the next block */
	uint64_t rng;    /* random: xorshift64 state */
};

/* The mode a word names (randread, seqread, seqwrite), or -1. */
static inline int bench_disk_mode_parse(const char *word)
{
	static const char *const names[] = { "randread", "seqread", "seqwrite" };

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(word, names[i]) == 0)
			return (int)i;
	return -1;
}

/* The bytes of one request in `mode`. */
static inline uint32_t bench_disk_request_bytes(enum bench_disk_mode mode)
{
	return mode == BENCH_DISK_RANDREAD ? BENCH_DISK_RANDOM : BENCH_DISK_SEQ;
}

static inline int64_t bench_disk_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* The plan's clock: guest instructions (under -icount) or nanoseconds. */
static inline int64_t bench_disk_now(const struct bench_disk_plan *p)
{
	return p->counting ? (int64_t)bench_rdtsc() : bench_disk_now_ns();
}

/* The byte offset of the next request. */
static inline uint64_t bench_disk_next(struct bench_disk_plan *p)
{
	if (p->mode != BENCH_DISK_RANDREAD) {
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
 * Makes data[0..bytes) what the image holds at byte `offset`, given that
 * everything but each sector's first 16 bytes is BENCH_DISK_FILL already
 * (bench_disk_measure fills the buffer once before a write metric).
 */
static inline void bench_disk_fill(uint8_t *data, uint64_t offset, uint32_t bytes)
{
	for (uint32_t at = 0; at < bytes; at += BENCH_DISK_SECTOR) {
		uint64_t lba = (offset + at) / BENCH_DISK_SECTOR;
		uint64_t word[2] = { lba, BENCH_DISK_MAGIC ^ lba };
		memcpy(data + at, word, sizeof(word));
	}
}

/*
 * Keeps `qd` requests in flight until `duration` has passed on the plan's
 * clock or `limit` requests were submitted, then waits for the rest. Stores
 * the requests done and the time they took (nanoseconds or instructions).
 * Returns 0, -errno from the side's calls (-EBADMSG: it named a slot with
 * no request in it), or BENCH_DISK_WRONG_DATA (*bad_offset says where).
 */
static inline int bench_disk_round(struct bench_disk_io *io, struct bench_disk_plan *p, unsigned qd,
                                   int64_t duration, uint64_t limit, uint64_t *ops,
                                   int64_t *elapsed, uint64_t *bad_offset)
{
	uint64_t offset[BENCH_DISK_QD_MAX], submitted = 0;
	unsigned free_slot[BENCH_DISK_QD_MAX], done[BENCH_DISK_QD_MAX];
	unsigned nfree = qd, inflight = 0;
	int write = p->mode == BENCH_DISK_SEQWRITE;
	int64_t start = bench_disk_now(p);
	int stopping = 0;

	*ops = 0;
	for (unsigned i = 0; i < qd; i++)
		free_slot[i] = qd - 1 - i;
	for (;;) {
		while (!stopping && nfree > 0 && submitted < limit) {
			unsigned slot = free_slot[--nfree];
			uint8_t *data = io->buffer + (size_t)slot * p->bytes;
			offset[slot] = bench_disk_next(p);
			if (write)
				bench_disk_fill(data, offset[slot], p->bytes);
			int r = io->submit(io->ctx, write, slot, offset[slot], p->bytes);
			if (r < 0)
				return r;
			inflight++;
			submitted++;
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
			if (!write && !bench_disk_check(io->buffer + (size_t)slot * p->bytes,
			                                offset[slot], p->bytes)) {
				*bad_offset = offset[slot];
				return BENCH_DISK_WRONG_DATA;
			}
			free_slot[nfree++] = slot;
			inflight--;
			(*ops)++;
		}
		if (!stopping && bench_disk_now(p) - start >= duration)
			stopping = 1;
	}
	*elapsed = bench_disk_now(p) - start;
	return 0;
}

/*
 * Measures `metric` on a disk of disk_bytes, `qd` requests of `mode` in
 * flight: on the wall clock (counting 0: random reads per second, or
 * sequential MB/s, 10^6 bytes per second) or in guest instructions per
 * request (counting 1, under -icount). A warm-up, then `rounds` rounds;
 * prints BENCH-ROUND lines and the median as BENCH. Returns 0, or 1 after a
 * BENCH-FAIL line.
 */
static inline int bench_disk_measure(const char *metric, struct bench_disk_io *io,
                                     enum bench_disk_mode mode, int counting, unsigned qd,
                                     uint64_t disk_bytes, unsigned rounds)
{
	struct bench_disk_plan plan = {
		.mode = mode,
		.counting = counting,
		.bytes = bench_disk_request_bytes(mode),
		.rng = BENCH_DISK_SEED,
	};
	uint64_t values[BENCH_ROUNDS_MAX], ops, bad = 0;
	int64_t elapsed;

	plan.blocks = disk_bytes / plan.bytes;
	if (plan.blocks == 0 || qd == 0 || qd > BENCH_DISK_QD_MAX || rounds == 0 ||
	    rounds > BENCH_ROUNDS_MAX) {
		printf("BENCH-FAIL %s: a disk of %llu bytes, QD 1..%d, ROUNDS 1..%d\n", metric,
		       (unsigned long long)disk_bytes, BENCH_DISK_QD_MAX, BENCH_ROUNDS_MAX);
		return 1;
	}
	if (mode == BENCH_DISK_SEQWRITE)
		memset(io->buffer, BENCH_DISK_FILL, (size_t)qd * plan.bytes);
	for (unsigned i = 0; i <= rounds; i++) {
		/* Round 0 is the warm-up. */
		int64_t duration = counting ? INT64_MAX : BENCH_DISK_ROUND_NS / (i ? 1 : 5);
		uint64_t limit = counting ? BENCH_DISK_COUNT_OPS / (i ? 1 : 10) : UINT64_MAX;
		int r = bench_disk_round(io, &plan, qd, duration, limit, &ops, &elapsed, &bad);
		if (r == BENCH_DISK_WRONG_DATA) {
			printf("BENCH-FAIL %s: the read at byte %llu brought back other data\n",
			       metric, (unsigned long long)bad);
			return 1;
		}
		if (r < 0) {
			printf("BENCH-FAIL %s: %s: %s\n", metric,
			       mode == BENCH_DISK_SEQWRITE ? "write" : "read", strerror(-r));
			return 1;
		}
		if (i == 0)
			continue;
		if (elapsed <= 0)
			elapsed = 1;
		/* In hundredths: instructions per request, requests per second, or MB/s. */
		if (counting)
			values[i - 1] = bench_per_op(0, (uint64_t)elapsed, ops);
		else if (mode == BENCH_DISK_RANDREAD)
			values[i - 1] = ops * 100000000000ull / (uint64_t)elapsed;
		else
			values[i - 1] = ops * plan.bytes * 100000 / (uint64_t)elapsed;
		bench_round(metric, i - 1, values[i - 1]);
	}
	bench_report(metric, values, rounds);
	return 0;
}
