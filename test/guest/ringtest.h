/*
 * What the ring tests share (test_ring.c, test_ring_safety.c): the clock,
 * queueing one entry, and submitting while collecting completions.
 */
#pragma once

#include <errno.h>
#include <iris/ringbuf.h>
#include <iris/sys.h>
#include <stdint.h>
#include <string.h>

#define MS (1000 * 1000L)

static inline long now(void)
{
	return sys_clock_get(IRIS_CLOCK_MONOTONIC);
}

/* Queues an entry with all six arguments (the tests size their rings so that it fits). */
static inline void push6(struct iris_ringbuf *rb, uint32_t nr, uint32_t flags, uint64_t user_data,
                         const uint64_t args[6])
{
	struct iris_sqe sqe = { .nr = nr, .flags = flags, .user_data = user_data };
	memcpy(sqe.args, args, sizeof(sqe.args));
	iris_ringbuf_push(rb, &sqe);
}

/*
 * Submits what is queued and collects `n` completions into out[], waiting
 * at most `ms` milliseconds in all. Returns how many came.
 */
static inline int run(struct iris_ringbuf *rb, int n, struct iris_cqe *out, long ms)
{
	long deadline = now() + ms * MS;
	int got = 0;
	while (got < n) {
		long left = deadline - now();
		if (left <= 0)
			break;
		long r = iris_ringbuf_enter(rb, (uint32_t)(n - got), IRIS_ENTER_GETEVENTS,
		                            (uint64_t)left);
		while (got < n && iris_ringbuf_pop(rb, &out[got]))
			got++;
		if (r < 0 && r != -ETIMEDOUT)
			break;
	}
	return got;
}

/* The result of the completion with `user_data` among c[0..n), or INT64_MIN if none. */
static inline int64_t result_of(const struct iris_cqe *c, int n, uint64_t user_data)
{
	for (int i = 0; i < n; i++) {
		if (c[i].user_data == user_data)
			return c[i].result;
	}
	return INT64_MIN;
}

/* A xorshift64 step: the tests' seeded pseudo-random numbers. */
static inline uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}
