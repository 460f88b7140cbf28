/*
 * Rings: where operations complete. A user ring is a memory object shared
 * with the process (include/iris/abi/ring.h, docs/rings.md): the process fills
 * the submission queue, the kernel the completion queue, and the kernel
 * trusts nothing it reads there. Every thread also has a private ring with no
 * shared memory, through which its synchronous blocking calls complete:
 * waiting on a ring (ring_wait) is the one way a thread blocks.
 */
#pragma once

#include <common/list.h>
#include <iris/abi/ring.h>
#include <obj/object.h>
#include <obj/vmo.h>
#include <sched/waitq.h>
#include <stdbool.h>
#include <stdint.h>
#include <sync/spinlock.h>

struct process;
struct thread;

struct ring {
	struct kobject obj;
	spinlock_t lock;           /* completion production, the in-flight list, counters */
	spinlock_t submit_lock;    /* taking submissions: one taker at a time */
	struct process *owner;     /* whose memory the operations use (a reference), or NULL */
	struct list_head inflight; /* operations not yet completed */
	struct waitq waiters;      /* threads in ring_wait */
	uint64_t posted;           /* completions posted so far */
	int64_t last_result;       /* private rings: the result of the last completion */

	/* Shared rings. */
	struct vmo *vmo; /* all pages allocated up front */
	uint32_t sq_entries, cq_entries;
	uint32_t sq_head; /* the kernel's own indices: never read back from the process */
	uint32_t cq_tail;
	uint32_t reserved;        /* CQ slots promised to accepted operations */
	struct list_head backlog; /* completions waiting for CQ space */
	uint32_t backlog_count;
	bool dead;             /* being destroyed: nothing new starts */
	struct thread *sqpoll; /* the polling thread, or NULL */
	volatile bool sqpoll_stop;
	struct waitq sqpoll_wake;
	struct list_head deferred;   /* operations to start in the owner's context */
	uint64_t deferrals;          /* operations ever deferred (wakes wait_cq) */
	struct aop *link_from;       /* a chain the last submissions left open (a reference) */
	struct list_head owner_link; /* the owner's list of rings */
};

static inline struct ring *ring_from(struct kobject *o)
{
	return (struct ring *)o;
}

/* Sets up a thread's private ring (no memory to share, no owner). */
void ring_init_private(struct ring *r);

/*
 * SYS_RING_SETUP: creates a shared ring of the calling process. Returns 0
 * with the ring (one reference) and its parameters, or -EINVAL/-ENOMEM.
 */
int ring_create(struct process *owner, uint32_t sq_entries, uint32_t cq_entries, uint32_t flags,
                struct ring **out, struct iris_ring_params *params);

/*
 * SYS_RING_ENTER: takes up to `to_submit` submissions, then with
 * IRIS_ENTER_GETEVENTS waits for `min_complete` completions or the
 * deadline. Returns the number taken, or -EINVAL (wild indices), -EINTR.
 */
long ring_enter(struct ring *r, uint32_t to_submit, uint32_t min_complete, uint32_t flags,
                uint64_t deadline);

/*
 * Posts a completion. `reserved`: it uses a CQ slot promised at submission.
 * Called from any context (interrupts, other CPUs).
 */
void ring_post(struct ring *r, uint64_t user_data, int64_t result, uint32_t flags, bool reserved);

/*
 * Blocks the calling thread until `r` has posted `target` completions in all
 * (r->posted >= target), the deadline passes (0: none), or the thread is
 * killed. Returns 0, -ETIMEDOUT or -EINTR.
 */
int ring_wait(struct ring *r, uint64_t target, uint64_t deadline);

/* Completions waiting in the CQ (shared rings), clamped to the CQ size. */
uint32_t ring_cq_ready(struct ring *r);

struct aop;
/*
 * Queues `op` to be started by the next thread of the owner that enters or
 * waits on `r`; the queue takes a reference of its own. Returns false (and
 * queues nothing) if the ring is being destroyed.
 */
bool ring_defer(struct ring *r, struct aop *op);

/*
 * Nothing new may start on `r` (its last handle closed, or its owner is
 * ending): cancels everything in flight, lets go of the open chain end and
 * the deferred list, and tells the polling thread to stop.
 */
void ring_shutdown(struct ring *r);
