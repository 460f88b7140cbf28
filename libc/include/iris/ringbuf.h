/*
 * A process's side of a submission/completion ring (iris/abi/ring.h,
 * docs/rings.md): the mapping, and the producer and consumer steps with the
 * memory ordering the ABI asks for. libc's async API (async.h), poll() and
 * the benchmarks are built on it.
 *
 * A struct iris_ringbuf is not thread-safe: one producer and one consumer at
 * a time (they may be two threads). The producer keeps its own sq_tail and
 * the consumer its own cq_head; both are only ever stored to the header,
 * never read back from it, so ring memory scribbled over by a stray write
 * cannot send them astray.
 */
#pragma once

#include <iris/abi/ring.h>
#include <iris/sys.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct iris_ringbuf {
	iris_handle_t ring; /* READ|WRITE|MANAGE|DUPLICATE|TRANSFER */
	unsigned flags;     /* IRIS_RING_* given to SYS_RING_SETUP */
	void *base;         /* the mapping: `size` bytes */
	size_t size;
	struct iris_ring_header *hdr; /* at base */
	struct iris_sqe *sq;
	struct iris_cqe *cq;
	uint32_t sq_entries, cq_entries; /* powers of two */
	uint32_t sq_tail;                /* the next SQ index to fill (the producer's) */
	uint32_t cq_head;                /* the next CQ index to read (the consumer's) */
};

/*
 * Creates a ring (SYS_RING_SETUP with the same arguments) and maps it. The
 * memory-object handle is closed once mapped: the mapping keeps the memory.
 * Returns 0 or a negative errno; on failure nothing is left behind.
 */
int iris_ringbuf_setup(struct iris_ringbuf *rb, uint32_t sq_entries, uint32_t cq_entries,
                       unsigned flags);

/* Closes the ring (the kernel cancels what is still in flight) and unmaps it. */
void iris_ringbuf_destroy(struct iris_ringbuf *rb);

/*
 * Published submissions the kernel has not taken yet. A header whose
 * sq_head is garbage (further than a whole SQ away) counts as a full SQ.
 */
static inline uint32_t iris_ringbuf_sq_pending(const struct iris_ringbuf *rb)
{
	uint32_t head = __atomic_load_n(&rb->hdr->sq_head, __ATOMIC_ACQUIRE);
	uint32_t used = rb->sq_tail - head;
	return used > rb->sq_entries ? rb->sq_entries : used;
}

/* Free SQ slots: how many iris_ringbuf_push calls will succeed now. */
static inline uint32_t iris_ringbuf_sq_space(const struct iris_ringbuf *rb)
{
	return rb->sq_entries - iris_ringbuf_sq_pending(rb);
}

/*
 * Copies `sqe` into the next SQ slot without publishing it (see
 * iris_ringbuf_publish). Returns false, doing nothing, when the SQ is full.
 */
static inline bool iris_ringbuf_push(struct iris_ringbuf *rb, const struct iris_sqe *sqe)
{
	if (!iris_ringbuf_sq_space(rb))
		return false;
	rb->sq[rb->sq_tail & (rb->sq_entries - 1)] = *sqe;
	rb->sq_tail++;
	return true;
}

/*
 * Makes every pushed entry visible to the kernel: a release store of
 * sq_tail (the entries are written before it). On an SQPOLL ring, then
 * wakes the polling thread if it went to sleep: the full barrier orders the
 * store of sq_tail before the load of the flag, so either the thread sees
 * the new tail before it sleeps or we see IRIS_RING_NEED_WAKEUP. Returns 1
 * when it had to wake the thread, 0 when not, or a negative errno.
 */
static inline long iris_ringbuf_publish(struct iris_ringbuf *rb)
{
	__atomic_store_n(&rb->hdr->sq_tail, rb->sq_tail, __ATOMIC_RELEASE);
	if (!(rb->flags & IRIS_RING_SQPOLL))
		return 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!(__atomic_load_n(&rb->hdr->flags, __ATOMIC_RELAXED) & IRIS_RING_NEED_WAKEUP))
		return 0;
	long r = sys_ring_enter(rb->ring, 0, 0, IRIS_ENTER_SQ_WAKEUP, 0);
	return r < 0 ? r : 1;
}

/*
 * Publishes the pushed entries and enters the kernel so that it takes them
 * (an SQPOLL ring's thread takes them itself: this only wakes it). With
 * IRIS_ENTER_GETEVENTS in `flags`, then waits until `min_complete`
 * completions are in the CQ or `timeout_ns` (0: none) passes. Does not enter
 * the kernel when there is nothing to do. Returns the number of entries the
 * kernel took in this call, or a negative errno.
 */
static inline long iris_ringbuf_enter(struct iris_ringbuf *rb, uint32_t min_complete,
                                      unsigned flags, uint64_t timeout_ns)
{
	long woke = iris_ringbuf_publish(rb);
	if (woke < 0)
		return woke;
	uint32_t to_submit = rb->flags & IRIS_RING_SQPOLL ? 0 : iris_ringbuf_sq_pending(rb);
	if (!to_submit && !(flags & IRIS_ENTER_GETEVENTS))
		return 0;
	return sys_ring_enter(rb->ring, to_submit, min_complete, flags, timeout_ns);
}

/*
 * Completions waiting in the CQ (an acquire load of cq_tail: their contents
 * are visible after it). A cq_tail further than a whole CQ away is garbage
 * and counts as none.
 */
static inline uint32_t iris_ringbuf_cq_ready(const struct iris_ringbuf *rb)
{
	uint32_t ready = __atomic_load_n(&rb->hdr->cq_tail, __ATOMIC_ACQUIRE) - rb->cq_head;
	return ready > rb->cq_entries ? 0 : ready;
}

/*
 * Takes the oldest completion into *cqe and gives its slot back to the
 * kernel (a release store of cq_head after the copy). Returns false when the
 * CQ is empty.
 */
static inline bool iris_ringbuf_pop(struct iris_ringbuf *rb, struct iris_cqe *cqe)
{
	if (!iris_ringbuf_cq_ready(rb))
		return false;
	*cqe = rb->cq[rb->cq_head & (rb->cq_entries - 1)];
	rb->cq_head++;
	__atomic_store_n(&rb->hdr->cq_head, rb->cq_head, __ATOMIC_RELEASE);
	return true;
}
