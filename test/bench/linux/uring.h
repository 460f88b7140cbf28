/*
 * A bare io_uring for the Linux bench programs (bench_ring, bench_disk):
 * io_uring_setup and io_uring_enter through an inline `syscall`
 * (bench_syscall6, as Iris's side enters its rings), the rings mapped with
 * mmap, no liburing. Slot i of the SQ index array names SQE i once and for
 * all, so a program writes SQE `tail & sq_mask` and publishes the new tail.
 */
#ifndef BENCH_LINUX_URING_H
#define BENCH_LINUX_URING_H

#include <errno.h>
#include <linux/io_uring.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../bench.h"

struct uring {
	int fd;
	unsigned *sq_tail;
	unsigned *sq_flags;
	unsigned sq_mask;
	unsigned sq_local_tail; /* the tail this program has written */
	struct io_uring_sqe *sqes;
	unsigned *cq_head;
	unsigned *cq_tail;
	unsigned cq_mask;
	struct io_uring_cqe *cqes;
};

/*
 * Creates an io_uring of `entries` SQEs with the flags and fields the caller
 * set in `p` (the kernel fills in the rest) and maps its rings into `u`.
 * Returns 0, or -errno: u->fd is negative if io_uring_setup itself failed,
 * otherwise mapping the rings did. On failure nothing is unmapped or closed
 * (the caller exits).
 */
static inline int uring_setup(struct uring *u, unsigned entries, struct io_uring_params *p)
{
	u->fd = (int)bench_syscall6(__NR_io_uring_setup, entries, (long)p, 0, 0, 0, 0);
	if (u->fd < 0)
		return u->fd;

	size_t sq_size = p->sq_off.array + p->sq_entries * sizeof(unsigned);
	size_t cq_size = p->cq_off.cqes + p->cq_entries * sizeof(struct io_uring_cqe);
	int single = (p->features & IORING_FEAT_SINGLE_MMAP) != 0;
	if (single && cq_size > sq_size)
		sq_size = cq_size;
	char *sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd,
	                IORING_OFF_SQ_RING);
	char *cq = single ? sq
	                  : mmap(NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
	                         u->fd, IORING_OFF_CQ_RING);
	void *sqes = mmap(NULL, p->sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
	                  MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		return -errno;
	u->sq_tail = (unsigned *)(sq + p->sq_off.tail);
	u->sq_flags = (unsigned *)(sq + p->sq_off.flags);
	u->sq_mask = *(unsigned *)(sq + p->sq_off.ring_mask);
	u->sq_local_tail = *u->sq_tail;
	u->sqes = sqes;
	u->cq_head = (unsigned *)(cq + p->cq_off.head);
	u->cq_tail = (unsigned *)(cq + p->cq_off.tail);
	u->cq_mask = *(unsigned *)(cq + p->cq_off.ring_mask);
	u->cqes = (struct io_uring_cqe *)(cq + p->cq_off.cqes);
	unsigned *array = (unsigned *)(sq + p->sq_off.array);
	for (unsigned i = 0; i < p->sq_entries; i++)
		array[i] = i;
	return 0;
}

/* io_uring_enter without a signal mask: the SQEs it took, or -errno. */
static inline int uring_enter(const struct uring *u, unsigned to_submit, unsigned min_complete,
                              unsigned flags)
{
	return (int)bench_syscall6(__NR_io_uring_enter, u->fd, to_submit, min_complete, flags, 0,
	                           0);
}

/* Hands the kernel the SQEs written up to `tail` (the slots before it are filled in). */
static inline void uring_sq_publish(struct uring *u, unsigned tail)
{
	u->sq_local_tail = tail;
	__atomic_store_n(u->sq_tail, tail, __ATOMIC_RELEASE);
}

/* The CQ tail: the CQEs before it are complete and readable. */
static inline unsigned uring_cq_tail(const struct uring *u)
{
	return __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE);
}

/* Gives the CQEs before `head` back to the kernel. */
static inline void uring_cq_consume(struct uring *u, unsigned head)
{
	__atomic_store_n(u->cq_head, head, __ATOMIC_RELEASE);
}

#endif
