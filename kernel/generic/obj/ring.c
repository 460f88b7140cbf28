/*
 * Shared and private rings. The kernel reads the process's sq_tail and
 * cq_head once per use, bounds them against its own sq_head and cq_tail, and
 * copies each submission out of the shared memory before looking at it, so
 * nothing the process writes there (or changes while the kernel reads) can
 * make it fault, loop or overrun. It never waits on anything the process
 * controls.
 */
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <async/aop.h>
#include <common/string.h>
#include <console/log.h>
#include <iris/abi/errno.h>
#include <iris/abi/syscall.h>
#include <mm/heap.h>
#include <mm/layout.h>
#include <obj/process.h>
#include <obj/ring.h>
#include <sched/sched.h>
#include <sched/thread.h>
#include <syscall/syscall.h>
#include <time.h>

#define HEADER_SIZE PAGE_SIZE
#define SQPOLL_IDLE (1000 * 1000ull) /* ns of idle polling before the thread sleeps */
#define SQE_SIZE    sizeof(struct iris_sqe)
#define CQE_SIZE    sizeof(struct iris_cqe)

_Static_assert(SQE_SIZE == 64 && CQE_SIZE == 32, "ring entries must not straddle pages");

struct backlog_entry {
	struct list_head link;
	struct iris_cqe cqe;
};

static void ring_private_release(struct kobject *o)
{
	(void)o; /* embedded in its thread, which outlives every use */
}

void ring_init_private(struct ring *r)
{
	memset(r, 0, sizeof(*r));
	kobject_init(&r->obj, KOBJ_RING, ring_private_release);
	r->lock = (spinlock_t)SPINLOCK_INIT;
	r->submit_lock = (spinlock_t)SPINLOCK_INIT;
	list_init(&r->inflight);
	list_init(&r->backlog);
	list_init(&r->deferred);
	list_init(&r->owner_link);
	waitq_init(&r->waiters);
	waitq_init(&r->sqpoll_wake);
}

/* The kernel's view of byte `offset` of the ring memory (never straddles a page). */
static void *ring_ptr(struct ring *r, uint64_t offset)
{
	return (uint8_t *)phys_to_virt(r->vmo->pages[offset / PAGE_SIZE]) + offset % PAGE_SIZE;
}

static struct iris_ring_header *header(struct ring *r)
{
	return ring_ptr(r, 0);
}

static uint64_t sq_offset(void)
{
	return HEADER_SIZE;
}

static uint64_t cq_offset(struct ring *r)
{
	return HEADER_SIZE +
	       (((uint64_t)r->sq_entries * SQE_SIZE + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
}

/* CQ entries the process has not consumed, from its (untrusted) cq_head; lock held. */
static uint32_t cq_used(struct ring *r)
{
	uint32_t head = __atomic_load_n(&header(r)->cq_head, __ATOMIC_ACQUIRE);
	uint32_t used = r->cq_tail - head;
	return used > r->cq_entries ? r->cq_entries : used;
}

uint32_t ring_cq_ready(struct ring *r)
{
	bool irq = spin_lock_irqsave(&r->lock);
	uint32_t used = cq_used(r);
	spin_unlock_irqrestore(&r->lock, irq);
	return used;
}

/* Writes one completion into the CQ; lock held, space checked. */
static void cq_write(struct ring *r, const struct iris_cqe *cqe)
{
	uint64_t off = cq_offset(r) + (uint64_t)(r->cq_tail & (r->cq_entries - 1)) * CQE_SIZE;
	memcpy(ring_ptr(r, off), cqe, sizeof(*cqe));
	r->cq_tail++;
	__atomic_store_n(&header(r)->cq_tail, r->cq_tail, __ATOMIC_RELEASE);
}

/* Moves held-back completions into the CQ while there is room; lock held. */
static void backlog_flush(struct ring *r)
{
	while (!list_empty(&r->backlog) && cq_used(r) < r->cq_entries) {
		struct backlog_entry *b = list_first(&r->backlog, struct backlog_entry, link);
		list_del(&b->link);
		cq_write(r, &b->cqe);
		r->backlog_count--;
		kfree(b);
	}
	header(r)->overflow = r->backlog_count;
}

void ring_post(struct ring *r, uint64_t user_data, int64_t result, uint32_t flags, bool reserved)
{
	struct iris_cqe cqe = { .user_data = user_data, .result = result, .flags = flags };
	bool irq = spin_lock_irqsave(&r->lock);
	if (r->vmo) {
		if (reserved)
			r->reserved--;
		backlog_flush(r);
		if (list_empty(&r->backlog) && cq_used(r) < r->cq_entries) {
			cq_write(r, &cqe);
		} else {
			struct backlog_entry *b = kmalloc(sizeof(*b));
			if (b) {
				b->cqe = cqe;
				list_add_tail(&b->link, &r->backlog);
				r->backlog_count++;
				header(r)->overflow = r->backlog_count;
			} else {
				pr_warn("ring: no memory to hold a completion back; it is lost\n");
			}
		}
	}
	r->last_result = result;
	r->posted++;
	spin_unlock_irqrestore(&r->lock, irq);
	waitq_wake_all(&r->waiters);
}

bool ring_defer(struct ring *r, struct aop *op)
{
	bool irq = spin_lock_irqsave(&r->lock);
	bool ok = !r->dead;
	if (ok) {
		aop_get(op); /* the deferred list's */
		list_add_tail(&op->defer_link, &r->deferred);
		__atomic_fetch_add(&r->deferrals, 1, __ATOMIC_RELEASE);
	}
	spin_unlock_irqrestore(&r->lock, irq);
	if (ok) {
		waitq_wake_all(&r->waiters);
		waitq_wake_all(&r->sqpoll_wake);
	}
	return ok;
}

/* Takes the oldest deferred operation off the list, with the list's reference; NULL if none. */
static struct aop *pop_deferred(struct ring *r)
{
	struct aop *op = NULL;
	bool irq = spin_lock_irqsave(&r->lock);
	if (!list_empty(&r->deferred)) {
		op = list_first(&r->deferred, struct aop, defer_link);
		list_del(&op->defer_link);
		list_init(&op->defer_link);
	}
	spin_unlock_irqrestore(&r->lock, irq);
	return op;
}

/* Starts what completions elsewhere left for the owner's context (we are in it). */
static void run_deferred(struct ring *r)
{
	struct aop *op;
	while ((op = pop_deferred(r)))
		aop_start(op);
}

/* Whether one more submission could be promised a CQ slot now. */
static bool cq_has_room(struct ring *r)
{
	bool irq = spin_lock_irqsave(&r->lock);
	bool ok = cq_used(r) + r->reserved + r->backlog_count < r->cq_entries;
	spin_unlock_irqrestore(&r->lock, irq);
	return ok;
}

/* Promises a CQ slot to one more submission; false when the CQ could overflow. */
static bool reserve_slot(struct ring *r)
{
	bool irq = spin_lock_irqsave(&r->lock);
	bool ok = cq_used(r) + r->reserved + r->backlog_count < r->cq_entries;
	if (ok)
		r->reserved++;
	spin_unlock_irqrestore(&r->lock, irq);
	return ok;
}

/* Entries run at once, without an operation: no link, no flags, a call that never waits. */
static bool sqe_immediate(const struct iris_sqe *s, const struct aop *link_from)
{
	return !link_from && s->flags == 0 && !syscall_is_operation(s->nr);
}

static int64_t run_immediate(const struct iris_sqe *s)
{
	if (s->nr == SYS_NOP) /* the null entry: no table walk, as the gate does for SYS_ECHO */
		return 0;
	return syscall_gate_only(s->nr) ? -EINVAL : syscall_invoke(s->nr, s->args);
}

/*
 * Takes one submission that needs an operation (a link, a link timeout, or
 * a call that may wait) and adds it to the chain being built or to `heads`
 * (which, like `*link_from`, holds a reference on each operation on it).
 */
static void take_operation(struct ring *r, const struct iris_sqe *sqe, struct aop **link_from,
                           struct aop ***heads_end)
{
	struct aop *prev = *link_from; /* its reference is ours now */
	*link_from = NULL;
	struct aop *op = aop_create(r, sqe->nr, sqe->flags, sqe->user_data, sqe->args);
	if (!op) {
		ring_post(r, sqe->user_data, -ENOMEM, 0, true);
		goto out;
	}
	op->reserved = true;
	if (sqe->flags & ~IRIS_SQE_LINK) {
		aop_complete(op, -EINVAL);
		aop_put(op);
		goto out;
	}
	if (sqe->nr == SYS_LINK_TIMEOUT) {
		/* It guards the linked entry before it, which must not have started. */
		if (!prev || prev->link_timeout || prev->started) {
			aop_complete(op, -EINVAL);
			aop_put(op);
			goto out;
		}
		aop_get(prev);
		aop_guard(prev, op);
		if (sqe->flags & IRIS_SQE_LINK) { /* the chain goes on from the guarded entry */
			*link_from = prev;
			prev = NULL;
		}
		goto out;
	}
	if (sqe->flags & IRIS_SQE_LINK) {
		aop_get(op);
		*link_from = op;
	}
	struct aop *start = prev ? aop_link(prev, op) : op;
	if (start) {
		**heads_end = start;
		*heads_end = &start->start_next;
	}
out:
	if (prev)
		aop_put(prev);
}

#define IMMEDIATE_BATCH 32

/*
 * Takes up to `max` submissions, in order, in segments: a run of immediate
 * entries (run and posted directly), or a run of operations (chains built
 * over it, their heads started at its end). Taking is serialised; running
 * happens outside the lock. A chain left open goes on in the next call.
 * Returns the number taken, or -EINVAL for wild indices.
 */
static long ring_submit(struct ring *r, uint32_t max)
{
	struct iris_ring_header *h = header(r);
	bool irq = spin_lock_irqsave(&r->submit_lock);
	uint32_t tail = __atomic_load_n(&h->sq_tail, __ATOMIC_ACQUIRE);
	uint32_t pending = tail - r->sq_head;
	if (pending > r->sq_entries) {
		/* Show the process where the kernel really is, so it can recover. */
		__atomic_store_n(&h->sq_head, r->sq_head, __ATOMIC_RELEASE);
		__atomic_store_n(&h->cq_tail, r->cq_tail, __ATOMIC_RELEASE);
		spin_unlock_irqrestore(&r->submit_lock, irq);
		return -EINVAL;
	}
	spin_unlock_irqrestore(&r->submit_lock, irq);
	uint32_t n = pending < max ? pending : max, taken = 0;
	struct iris_sqe carry;
	bool have_carry = false;

	while (taken < n || have_carry) {
		struct iris_sqe now[IMMEDIATE_BATCH];
		unsigned nnow = 0;
		struct aop *heads = NULL, **heads_end = &heads;
		uint32_t before = taken;
		bool carried = have_carry;
		irq = spin_lock_irqsave(&r->submit_lock);
		struct aop *link_from = r->link_from;
		r->link_from = NULL;
		while (!r->dead) {
			struct iris_sqe sqe;
			if (have_carry) {
				sqe = carry;
				have_carry = false;
			} else {
				/* Another thread may have taken entries since `tail` was read. */
				if (taken == n || (int32_t)(tail - r->sq_head) <= 0 ||
				    !reserve_slot(r))
					break;
				uint64_t off =
				        sq_offset() +
				        (uint64_t)(r->sq_head & (r->sq_entries - 1)) * SQE_SIZE;
				memcpy(&sqe, ring_ptr(r, off), sizeof(sqe)); /* read once */
				r->sq_head++;
				__atomic_store_n(&h->sq_head, r->sq_head, __ATOMIC_RELEASE);
				taken++;
			}
			bool immediate = sqe_immediate(&sqe, link_from);
			if ((immediate && heads) || (!immediate && nnow) ||
			    nnow == IMMEDIATE_BATCH) {
				carry = sqe; /* it starts the next segment */
				have_carry = true;
				break;
			}
			if (immediate)
				now[nnow++] = sqe;
			else
				take_operation(r, &sqe, &link_from, &heads_end);
		}
		bool dead = r->dead;
		if (dead && link_from) { /* nothing will extend it: let it go */
			aop_put(link_from);
			link_from = NULL;
		}
		r->link_from = link_from;
		spin_unlock_irqrestore(&r->submit_lock, irq);
		if (dead && have_carry) { /* taken, never to start: it still gets its completion */
			ring_post(r, carry.user_data, -ECANCELED, 0, true);
			have_carry = false;
		}

		for (unsigned i = 0; i < nnow; i++)
			ring_post(r, now[i].user_data, run_immediate(&now[i]), 0, true);
		while (heads) {
			struct aop *next = heads->start_next;
			heads->start_next = NULL;
			aop_start(heads);
			heads = next;
		}
		if (taken == before && !carried)
			break; /* no room in the CQ, or nothing left */
	}
	return taken;
}

/*
 * Waits until `r` has posted `target` completions in all, the deadline
 * passes, the thread is killed, or (unless `deferrals` is UINT64_MAX) an
 * operation was deferred since the caller saw `deferrals` of them.
 */
static int wait_posted(struct ring *r, uint64_t target, uint64_t deferrals, uint64_t deadline)
{
	bool irq = spin_lock_irqsave(&r->waiters.lock);
	int res = 0;
	while (__atomic_load_n(&r->posted, __ATOMIC_ACQUIRE) < target &&
	       (deferrals == UINT64_MAX ||
	        __atomic_load_n(&r->deferrals, __ATOMIC_ACQUIRE) == deferrals)) {
		if (deadline && time_ns() >= deadline) {
			res = -ETIMEDOUT;
			break;
		}
		res = waitq_wait(&r->waiters, deadline);
		if (res == -EINTR)
			break;
		res = 0;
	}
	spin_unlock_irqrestore(&r->waiters.lock, irq);
	return res;
}

int ring_wait(struct ring *r, uint64_t target, uint64_t deadline)
{
	return wait_posted(r, target, UINT64_MAX, deadline);
}

/* Waits until the CQ holds `min` completions; runs deferred chain steps as they arrive. */
static int wait_cq(struct ring *r, uint32_t min, uint64_t deadline)
{
	for (;;) {
		run_deferred(r);
		bool irq = spin_lock_irqsave(&r->lock);
		backlog_flush(r);
		bool enough = cq_used(r) >= min;
		uint64_t posted = r->posted, deferrals = r->deferrals;
		bool deferred = !list_empty(&r->deferred);
		spin_unlock_irqrestore(&r->lock, irq);
		if (enough)
			return 0;
		if (deferred)
			continue;
		int res = wait_posted(r, posted + 1, deferrals, deadline);
		if (res < 0)
			return res;
	}
}

long ring_enter(struct ring *r, uint32_t to_submit, uint32_t min_complete, uint32_t flags,
                uint64_t deadline)
{
	long taken = 0;
	/* An asleep polling thread is woken on any entry: it may sleep with the CQ full. */
	if (r->sqpoll &&
	    ((flags & IRIS_ENTER_SQ_WAKEUP) ||
	     (__atomic_load_n(&header(r)->flags, __ATOMIC_ACQUIRE) & IRIS_RING_NEED_WAKEUP)))
		waitq_wake_all(&r->sqpoll_wake);
	if (!r->sqpoll && to_submit) {
		taken = ring_submit(r, to_submit);
		if (taken < 0)
			return taken;
	}
	run_deferred(r);
	if (flags & IRIS_ENTER_GETEVENTS) {
		if (min_complete > r->cq_entries)
			min_complete = r->cq_entries;
		int res = wait_cq(r, min_complete, deadline);
		if (res == -EINTR || (res < 0 && taken == 0))
			return res;
	}
	return taken;
}

/*
 * The polling thread of an IRIS_RING_SQPOLL ring: takes submissions as they
 * appear; after SQPOLL_IDLE without any it raises IRIS_RING_NEED_WAKEUP and
 * sleeps until SYS_RING_ENTER with IRIS_ENTER_SQ_WAKEUP (or new deferred work).
 */
static void sqpoll_loop(void *arg)
{
	struct ring *r = arg;
	struct iris_ring_header *h = header(r);
	uint64_t idle_since = time_ns();

	while (!r->sqpoll_stop) {
		/* A kernel thread is never preempted: give the CPU up when asked. */
		if (cpu_current()->need_resched)
			sched_yield();
		long n = ring_submit(r, r->sq_entries);
		run_deferred(r);
		if (n > 0) {
			idle_since = time_ns();
			continue;
		}
		/* Nothing taken (nothing there, no CQ room, or wild indices): poll a while, then
		 * sleep. */
		if (time_ns() - idle_since < SQPOLL_IDLE) {
			cpu_relax();
			continue;
		}
		bool irq = spin_lock_irqsave(&r->sqpoll_wake.lock);
		__atomic_store_n(&h->flags, IRIS_RING_NEED_WAKEUP, __ATOMIC_SEQ_CST);
		/* Re-check after raising the flag: a submission published before it was seen. */
		uint32_t tail = __atomic_load_n(&h->sq_tail, __ATOMIC_SEQ_CST);
		uint32_t pending = tail - r->sq_head;
		bool work = pending && pending <= r->sq_entries && cq_has_room(r);
		if (!work && list_empty(&r->deferred) && !r->sqpoll_stop)
			waitq_wait(&r->sqpoll_wake, 0);
		__atomic_store_n(&h->flags, 0, __ATOMIC_SEQ_CST);
		spin_unlock_irqrestore(&r->sqpoll_wake.lock, irq);
		idle_since = time_ns();
	}
	process_worker_done(r->owner);
	kobject_put(&r->obj); /* the polling thread's reference */
}

static void ring_destroy(struct kobject *o)
{
	struct ring *r = ring_from(o);
	while (!list_empty(&r->backlog)) {
		struct backlog_entry *b = list_first(&r->backlog, struct backlog_entry, link);
		list_del(&b->link);
		kfree(b);
	}
	if (r->owner) {
		bool irq = spin_lock_irqsave(&r->owner->lock);
		list_del(&r->owner_link);
		spin_unlock_irqrestore(&r->owner->lock, irq);
		kobject_put(&r->owner->obj);
	}
	kobject_put(&r->vmo->obj);
	kfree(r);
}

/* Nobody can submit or wait any more: cancel what is in flight and stop polling. */
static void ring_last_handle(struct kobject *o)
{
	ring_shutdown(ring_from(o));
}

static uint32_t round_pow2(uint32_t v)
{
	uint32_t p = 1;
	while (p < v)
		p <<= 1;
	return p;
}

int ring_create(struct process *owner, uint32_t sq_entries, uint32_t cq_entries, uint32_t flags,
                struct ring **out, struct iris_ring_params *params)
{
	if (sq_entries == 0 || sq_entries > IRIS_RING_MAX_ENTRIES ||
	    cq_entries > 2 * IRIS_RING_MAX_ENTRIES || (flags & ~IRIS_RING_SQPOLL))
		return -EINVAL;
	struct ring *r = kmalloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	ring_init_private(r);
	r->sq_entries = round_pow2(sq_entries);
	r->cq_entries = round_pow2(cq_entries ? cq_entries : 2 * r->sq_entries);
	if (r->cq_entries < r->sq_entries)
		r->cq_entries = r->sq_entries;
	uint64_t size = cq_offset(r) + (uint64_t)r->cq_entries * CQE_SIZE;
	size = (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	int err = -ENOMEM;
	r->vmo = vmo_create(size);
	if (!r->vmo)
		goto free_ring;
	for (size_t i = 0; i < r->vmo->npages; i++) {
		if (!vmo_get_page(r->vmo, i))
			goto put_vmo;
	}
	r->obj.destroy = ring_destroy;
	r->obj.last_handle = ring_last_handle;
	struct iris_ring_header *h = header(r);
	h->sq_entries = r->sq_entries;
	h->cq_entries = r->cq_entries;
	if (flags & IRIS_RING_SQPOLL) {
		/* The polling thread runs the owner's calls: the owner's end waits for it. */
		err = process_worker_add(owner);
		if (err < 0)
			goto put_vmo;
		r->sqpoll = thread_create_kernel("sqpoll", sqpoll_loop, r);
		if (!r->sqpoll) {
			err = -ENOMEM;
			goto worker_done;
		}
		r->sqpoll->proc = owner; /* it runs the ring's calls in the owner's context */
		kobject_get(&owner->obj);
		kobject_get(&r->obj);
	}
	r->owner = owner;
	kobject_get(&owner->obj);
	bool irq = spin_lock_irqsave(&owner->lock);
	list_add_tail(&r->owner_link, &owner->rings);
	spin_unlock_irqrestore(&owner->lock, irq);

	params->vmo = -1;
	params->size = (uint32_t)size;
	params->sq_offset = (uint32_t)sq_offset();
	params->cq_offset = (uint32_t)cq_offset(r);
	params->sq_entries = r->sq_entries;
	params->cq_entries = r->cq_entries;
	*out = r;
	if (r->sqpoll) {
		sched_start(r->sqpoll);
		kobject_put(&r->sqpoll->obj);
	}
	return 0;

worker_done:
	process_worker_done(owner);
put_vmo:
	kobject_put(&r->vmo->obj);
free_ring:
	kobject_abandon(&r->obj);
	kfree(r);
	return err;
}

void ring_shutdown(struct ring *r)
{
	bool irq = spin_lock_irqsave(&r->lock);
	r->dead = true; /* under the lock: ring_defer adds nothing from now on */
	spin_unlock_irqrestore(&r->lock, irq);
	r->sqpoll_stop = true;
	waitq_wake_all(&r->sqpoll_wake);

	/* The open chain end and the deferred list hold operations (which hold the ring). */
	irq = spin_lock_irqsave(&r->submit_lock);
	struct aop *link_from = r->link_from;
	r->link_from = NULL;
	spin_unlock_irqrestore(&r->submit_lock, irq);
	if (link_from)
		aop_put(link_from);
	aop_cancel_all(r);
	struct aop *op;
	while ((op = pop_deferred(r)))
		aop_put(op); /* cancelled above: it would not start */
}
