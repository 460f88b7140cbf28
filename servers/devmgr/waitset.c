/*
 * The wait set (waitset.h). A completion's user_data is the waiter's slot
 * in the high half and the tag of its poll in the low half; tags come from
 * one counter, so the completion of a poll that was cancelled, or whose
 * waiter was removed and its slot reused, matches nobody and is dropped.
 * Cancellations complete with user_data 0.
 */
#include "waitset.h"
#include <errno.h>
#include <iris/ringbuf.h>
#include <iris/sys.h>

/*
 * At most WAITSET_MAX polls are in flight, plus the cancellations queued
 * since the last wait (one per removal): the CQ, twice the SQ, always has
 * room for their completions, so the kernel always takes what is queued.
 */
#define SQ_ENTRIES 256

static struct iris_ringbuf ring;
static struct waiter *slots[WAITSET_MAX];
static uint32_t last_tag;

int waitset_init(void)
{
	return iris_ringbuf_setup(&ring, SQ_ENTRIES, 2 * SQ_ENTRIES, 0);
}

int64_t waitset_now(void)
{
	return sys_clock_get(IRIS_CLOCK_MONOTONIC);
}

/* Queues one submission, handing the kernel what is queued first if the SQ is full. */
static void submit(uint32_t nr, uint64_t user_data, uint64_t a0, uint64_t a1)
{
	struct iris_sqe sqe = { .nr = nr, .user_data = user_data, .args = { a0, a1 } };
	while (!iris_ringbuf_push(&ring, &sqe))
		iris_ringbuf_enter(&ring, 0, 0, 0);
}

int waitset_add(struct waiter *w, iris_handle_t handle, struct iris_chan *chan, uint32_t events)
{
	for (uint32_t i = 0; i < WAITSET_MAX; i++) {
		if (slots[i])
			continue;
		*w = (struct waiter){
			.handle = handle, .chan = chan, .events = events, .slot = i + 1
		};
		slots[i] = w;
		return 0;
	}
	return -ENOSPC;
}

void waitset_remove(struct waiter *w)
{
	if (!w->slot)
		return;
	if (w->tag)
		submit(SYS_CANCEL, 0, (uint64_t)w->slot << 32 | w->tag, 0);
	slots[w->slot - 1] = NULL;
	w->slot = 0;
	w->tag = 0;
}

/* Raises or lowers a channel's consumer_sleeping flag (docs/channels.md). */
static void set_sleeping(struct iris_chan *c, uint32_t v)
{
	__atomic_store_n(&c->rx->consumer_sleeping, v, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static bool has_message(const struct iris_chan *c)
{
	return __atomic_load_n(&c->rx->tail, __ATOMIC_ACQUIRE) != c->rx_head;
}

/*
 * Submits a poll for every waiter that has none in flight and can still
 * change, and raises the channels' flags. Returns whether a channel
 * already holds a message (then the wait must not sleep).
 */
static bool arm(void)
{
	bool pending = false;
	for (uint32_t i = 0; i < WAITSET_MAX; i++) {
		struct waiter *w = slots[i];
		if (!w || (w->seen & IRIS_POLL_HUP))
			continue;
		if (w->chan) {
			set_sleeping(w->chan, 1);
			pending = pending || has_message(w->chan);
		}
		if (!w->tag) {
			w->tag = ++last_tag ? last_tag : ++last_tag;
			submit(SYS_POLL, (uint64_t)w->slot << 32 | w->tag, (uint32_t)w->handle,
			       w->events | IRIS_POLL_HUP);
		}
	}
	return pending;
}

/* Hands each completion to its waiter. A failed poll counts as HUP: the handle is unusable. */
static void reap(void)
{
	struct iris_cqe cqe;
	while (iris_ringbuf_pop(&ring, &cqe)) {
		uint32_t slot = (uint32_t)(cqe.user_data >> 32), tag = (uint32_t)cqe.user_data;
		if (slot == 0 || slot > WAITSET_MAX)
			continue;
		struct waiter *w = slots[slot - 1];
		if (!w || w->tag != tag)
			continue;
		w->tag = 0;
		if (cqe.result > 0)
			w->seen |= (uint32_t)cqe.result;
		else if (cqe.result != -ECANCELED)
			w->seen |= IRIS_POLL_HUP;
	}
	for (uint32_t i = 0; i < WAITSET_MAX; i++)
		if (slots[i] && slots[i]->chan)
			set_sleeping(slots[i]->chan, 0);
}

int waitset_wait(int64_t deadline)
{
	bool pending = arm();
	int64_t left = deadline - waitset_now();
	long r;
	if (pending || left <= 0)
		r = iris_ringbuf_enter(&ring, 0, 0, 0);
	else
		r = iris_ringbuf_enter(&ring, 1, IRIS_ENTER_GETEVENTS,
		                       deadline == INT64_MAX ? 0 : (uint64_t)left);
	reap();
	return r < 0 && r != -ETIMEDOUT ? (int)r : 0;
}
