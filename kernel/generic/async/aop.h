/*
 * Asynchronous operations: one system call in flight, from its submission
 * to its completion on a ring. Immediate calls complete at once; blocking
 * ones (SYS_SLEEP, SYS_WAIT, SYS_POLL, SYS_TIMEOUT) wait on a timer or a
 * waitable object, and complete from wherever that fires. An operation may
 * chain the next one (IRIS_SQE_LINK), be guarded by a link timeout, and be
 * cancelled. The first completion wins; every other path finds it done.
 */
#pragma once

#include <common/list.h>
#include <iris/abi/ring.h>
#include <obj/waitable.h>
#include <sched/ktimer.h>
#include <stdbool.h>
#include <stdint.h>

struct ring;
struct kobject;

struct aop {
	uint32_t refcount; /* see "Who owns an operation" in docs/rings.md and aop.c */
	volatile uint32_t done;
	struct ring *ring;
	struct list_head ring_link;  /* the ring's in-flight list */
	struct list_head defer_link; /* the ring's deferred list (which holds a reference) */
	uint64_t user_data;
	uint32_t nr, flags;
	uint64_t args[6];
	bool reserved; /* holds a CQ slot promised at submission */
	bool started;
	bool timed; /* its timer has been armed (so finishing must disarm it) */

	struct aop *start_next; /* ring_submit's list of chain heads to start (holds a reference) */
	struct aop *link_next;  /* starts when this one succeeds (a reference; AOP_LINK_CLOSED:
	                           finished) */
	int64_t result;         /* set when it finishes, before link_next closes */
	struct aop
	        *link_timeout; /* a SYS_LINK_TIMEOUT guarding this one (a reference until freed) */
	struct aop
	        *guarded; /* for a link timeout: what it guards (a reference until it completes) */

	struct ktimer timer;     /* SYS_TIMEOUT, SYS_SLEEP, SYS_LINK_TIMEOUT */
	struct waitsub sub;      /* SYS_WAIT, SYS_POLL */
	struct waitable *source; /* what `sub` is subscribed to */
	struct kobject *object;  /* the object behind the handle (a reference) */
};

/*
 * Decodes a submission into a new operation of ring `r` (not started), on
 * the ring's in-flight list. Returns it with two references, the ring's
 * (dropped when it completes) and the caller's (to hand to whoever starts
 * it, or to drop), or NULL if memory runs out.
 */
struct aop *aop_create(struct ring *r, uint32_t nr, uint32_t flags, uint64_t user_data,
                       const uint64_t args[6]);

#define AOP_LINK_CLOSED ((struct aop *)1)

/*
 * Makes `op` follow `prev` in a chain, taking the caller's reference on op.
 * Returns NULL if prev holds it now and will start it (or op was cancelled
 * because prev failed), or `op` with that reference when prev has already
 * succeeded and the caller must start it.
 */
struct aop *aop_link(struct aop *prev, struct aop *op);

/*
 * Makes `lt` (a SYS_LINK_TIMEOUT not started) guard `op` (not started),
 * taking one reference on each from the caller: op keeps lt until op is
 * freed, lt keeps op until lt completes. If op has completed already, lt
 * is cancelled.
 */
void aop_guard(struct aop *op, struct aop *lt);

/* A reference of one's own on `op`, dropped with aop_put(); the last one frees it. */
static inline void aop_get(struct aop *op)
{
	__atomic_fetch_add(&op->refcount, 1, __ATOMIC_RELAXED);
}
void aop_put(struct aop *op);

/*
 * Starts `op` (a chain's head, or an operation alone), consuming a
 * reference the caller holds on it; it may complete at once. An operation
 * found done (cancelled while it waited) is not started.
 */
void aop_start(struct aop *op);

/* Completes `op` with `result` unless it is done already; returns whether this call did. */
bool aop_complete(struct aop *op, int64_t result);

/* Cancels `op` (-ECANCELED) if it has not completed. */
void aop_cancel(struct aop *op);

/*
 * The synchronous form of a blocking call: runs system call `nr` on the
 * calling thread's private ring and waits for it. Returns its result.
 */
long aop_run_sync(uint32_t nr, const uint64_t args[6]);

/*
 * Waits for a process or thread object to end (kernel threads that hold the
 * object itself rather than a handle). Returns 0 or -ECANCELED if killed.
 */
long aop_wait_object(struct kobject *obj);

/* Cancels every operation of `r` (its owner is going away). */
void aop_cancel_all(struct ring *r);
