/*
 * The operation engine. Who holds a reference on an operation, and when
 * (docs/rings.md, "Who owns an operation"):
 *  - its ring, from creation until it completes (finish() drops it); the
 *    operation is on the ring's in-flight list exactly while this one lives;
 *  - whoever will start it, until it has been started or found done: the
 *    creator (aop_create returns this one), which hands it to the submit
 *    loop's list of chain heads, to the previous link's `link_next`, or to
 *    the ring's deferred list;
 *  - its armed timer, its waitable subscription;
 *  - the ring's open chain end (`link_from`);
 *  - a link timeout's guarded operation holds the timeout until it is freed;
 *    the timeout holds the guarded operation until the timeout completes;
 *  - a canceller, while it completes it.
 * Whoever drops the last frees it. The first completion wins (the `done`
 * flag); every other path finds it done and only drops its reference. So an
 * operation cancelled while it waits to start stays valid until its starter
 * looks at it.
 *
 * Chains never recurse: completing an operation returns the next one to
 * start, and aop_run_chain() loops. A chain's next operation that is an
 * ordinary system call (or a WAIT or POLL, which look up handles) must run
 * on a thread of its process at a safe point: where it was submitted, never
 * inside a completion, which may arrive from a timer interrupt or in the
 * middle of another system call holding its locks (even one of the same
 * process). So a chain step reached from a completion is queued on the ring
 * and run by the next thread of that process that enters or waits on it.
 */
#include <async/aop.h>
#include <common/string.h>
#include <console/log.h>
#include <iris/abi/errno.h>
#include <iris/abi/syscall.h>
#include <mm/heap.h>
#include <mm/usercopy.h>
#include <obj/channel.h>
#include <obj/handle.h>
#include <obj/irq.h>
#include <obj/process.h>
#include <obj/ring.h>
#include <sched/thread.h>
#include <syscall/syscall.h>
#include <time.h>

void aop_put(struct aop *op)
{
	if (__atomic_sub_fetch(&op->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	if (op->object)
		kobject_put(op->object);
	if (op->link_timeout)
		aop_put(op->link_timeout);
	kobject_put(&op->ring->obj);
	kfree(op);
}

/* What a start function returns when the operation now waits (never a call's result). */
#define PENDING INT64_MIN

static void aop_timer_fired(struct ktimer *t);
static void aop_run_chain(struct aop *op, bool safe);

struct aop *aop_create(struct ring *r, uint32_t nr, uint32_t flags, uint64_t user_data,
                       const uint64_t args[6])
{
	struct aop *op = kzalloc(sizeof(*op));
	if (!op)
		return NULL;
	op->refcount = 2; /* the ring's and the creator's */
	op->ring = r;
	kobject_get(&r->obj);
	op->nr = nr;
	op->flags = flags;
	op->user_data = user_data;
	memcpy(op->args, args, sizeof(op->args));
	ktimer_init(&op->timer, aop_timer_fired);
	list_init(&op->sub.link);
	list_init(&op->defer_link);
	bool irq = spin_lock_irqsave(&r->lock);
	list_add_tail(&op->ring_link, &r->inflight);
	spin_unlock_irqrestore(&r->lock, irq);
	return op;
}

/*
 * Stops whatever could still complete `op` (its timer, its subscription).
 * Both finish() and the path that armed or subscribed call it (whichever
 * comes second undoes the arming): `timed` and `source` are set, and `done`
 * is set, with full barriers, so at least one of them sees the other.
 */
static void aop_detach(struct aop *op)
{
	if (__atomic_load_n(&op->timed, __ATOMIC_SEQ_CST) && ktimer_cancel(&op->timer))
		aop_put(op);
	if (__atomic_load_n(&op->source, __ATOMIC_SEQ_CST) &&
	    waitable_unsubscribe(op->source, &op->sub))
		aop_put(op);
}

/*
 * Completes the operations of a failed chain, iteratively, dropping each
 * link's reference. Each one's result is set before its link closes, as
 * finish() does: aop_link() reads the result of a predecessor it finds
 * closed, and must not find the 0 of one not completed yet.
 */
static void cancel_chain(struct aop *op)
{
	while (op) {
		if (!__atomic_load_n(&op->done, __ATOMIC_ACQUIRE))
			__atomic_store_n(&op->result, -ECANCELED, __ATOMIC_RELEASE);
		struct aop *next =
		        __atomic_exchange_n(&op->link_next, AOP_LINK_CLOSED, __ATOMIC_ACQ_REL);
		aop_complete(op, -ECANCELED);
		aop_put(op);
		op = next == AOP_LINK_CLOSED ? NULL : next;
	}
}

struct aop *aop_link(struct aop *prev, struct aop *op)
{
	struct aop *expected = NULL;
	if (__atomic_compare_exchange_n(&prev->link_next, &expected, op, false, __ATOMIC_ACQ_REL,
	                                __ATOMIC_ACQUIRE))
		return NULL; /* prev holds it now and starts it when it succeeds */
	/* prev has finished already: go on after a success, cancel after a failure. */
	if (__atomic_load_n(&prev->result, __ATOMIC_ACQUIRE) >= 0)
		return op;
	aop_complete(op, -ECANCELED);
	aop_put(op);
	return NULL;
}

void aop_guard(struct aop *op, struct aop *lt)
{
	/* lt may have been cancelled already (it is in flight): then it lets op go at once. */
	__atomic_store_n(&lt->guarded, op, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&lt->done, __ATOMIC_SEQ_CST)) {
		struct aop *guarded = __atomic_exchange_n(&lt->guarded, NULL, __ATOMIC_SEQ_CST);
		if (guarded)
			aop_put(guarded);
	}
	__atomic_store_n(&op->link_timeout, lt, __ATOMIC_SEQ_CST);
	/* op may have completed meanwhile without seeing lt: then lt ends here. */
	if (__atomic_load_n(&op->done, __ATOMIC_SEQ_CST))
		aop_complete(lt, -ECANCELED);
}

/*
 * A link timeout completed: if it fired, it cancels the operation it
 * guarded; either way it lets go of that operation.
 */
static void unguard(struct aop *lt, int64_t result)
{
	struct aop *guarded = __atomic_exchange_n(&lt->guarded, NULL, __ATOMIC_SEQ_CST);
	if (!guarded)
		return;
	if (result == -ETIMEDOUT)
		aop_cancel(guarded);
	aop_put(guarded);
}

/*
 * Completes `op` with `result` if nobody has; returns the operation to start
 * next (its chain's successor after a success), or NULL.
 */
static struct aop *finish(struct aop *op, int64_t result, bool *did)
{
	*did = false;
	if (__atomic_exchange_n(&op->done, 1, __ATOMIC_ACQ_REL))
		return NULL;
	*did = true;
	aop_detach(op);
	/* A link timeout guarding us ends with us (it stays ours until we are freed). */
	struct aop *lt = __atomic_load_n(&op->link_timeout, __ATOMIC_SEQ_CST);
	if (lt)
		aop_complete(lt, -ECANCELED);
	if (op->nr == SYS_LINK_TIMEOUT)
		unguard(op, result);

	struct ring *r = op->ring;
	bool irq = spin_lock_irqsave(&r->lock);
	list_del(&op->ring_link);
	spin_unlock_irqrestore(&r->lock, irq);
	ring_post(r, op->user_data, result, 0, op->reserved);

	__atomic_store_n(&op->result, result, __ATOMIC_RELEASE);
	struct aop *next = __atomic_exchange_n(&op->link_next, AOP_LINK_CLOSED, __ATOMIC_ACQ_REL);
	if (next == AOP_LINK_CLOSED)
		next = NULL;
	if (next && result < 0) {
		cancel_chain(next);
		next = NULL;
	}
	aop_put(op); /* the ring's */
	return next; /* with the link's reference */
}

bool aop_complete(struct aop *op, int64_t result)
{
	bool did;
	struct aop *next = finish(op, result, &did);
	aop_run_chain(next, false); /* a completion is no place for a system call */
	return did;
}

void aop_cancel(struct aop *op)
{
	aop_complete(op, -ECANCELED);
}

/* Writes a struct iris_exit_info of `obj` to the owner's memory at `uaddr` (0: nowhere). */
static int64_t write_exit_info(struct aop *op, struct kobject *obj, uintptr_t uaddr)
{
	struct iris_exit_info info;
	if (obj->type == KOBJ_PROCESS)
		info = process_from(obj)->exit;
	else
		info = thread_from(obj)->exit;
	if (!uaddr)
		return 0;
	struct process *p = op->ring->owner;
	return vm_write(&p->vm, uaddr, &info, sizeof(info)) < 0 ? -EFAULT : 0;
}

/* What to wait on for an object: a process's or thread's end, a channel endpoint; else NULL. */
static struct waitable *object_waitable(struct kobject *obj)
{
	if (obj->type == KOBJ_PROCESS)
		return &process_from(obj)->exited;
	if (obj->type == KOBJ_THREAD)
		return &thread_from(obj)->exited;
	if (obj->type == KOBJ_CHANNEL)
		return &endpoint_from(obj)->w;
	if (obj->type == KOBJ_IRQ)
		return &irq_from(obj)->w;
	return NULL;
}

static void aop_sub_fired(struct waitsub *s, uint32_t events)
{
	struct aop *op = container_of(s, struct aop, sub);
	int64_t result = events;
	if (op->nr == SYS_WAIT)
		result = write_exit_info(op, op->object, op->args[1]);
	aop_complete(op, result);
	aop_put(op); /* the subscription's reference */
}

static void aop_timer_fired(struct ktimer *t)
{
	struct aop *op = container_of(t, struct aop, timer);
	aop_complete(op, op->nr == SYS_SLEEP ? 0 : -ETIMEDOUT);
	aop_put(op); /* the timer's reference */
}

/* Arms the operation's timer for `ns` (relative, or absolute with IRIS_TIMEOUT_ABS). */
static int64_t arm_timer(struct aop *op, uint64_t ns, uint64_t flags)
{
	uint64_t now = time_ns();
	if (flags & ~(uint64_t)IRIS_TIMEOUT_ABS)
		return -EINVAL;
	uint64_t deadline = (flags & IRIS_TIMEOUT_ABS) ? ns : now + ns;
	if (!(flags & IRIS_TIMEOUT_ABS) && ns > INT64_MAX - now)
		return -EINVAL;
	aop_get(op); /* the timer's */
	__atomic_store_n(&op->timed, true, __ATOMIC_SEQ_CST);
	ktimer_arm(&op->timer, deadline > now ? deadline : now);
	if (__atomic_load_n(&op->done, __ATOMIC_SEQ_CST))
		aop_detach(op); /* completed meanwhile (cancelled): the timer must not keep it */
	return PENDING;
}

/* Resolves the handle argument of SYS_WAIT/SYS_POLL into op->object and op->source. */
static int64_t take_object(struct aop *op, uint64_t handle, uint32_t need)
{
	struct process *p = op->ring->owner;
	int64_t h = (int64_t)handle;
	if (!op->object) {
		if (!p || h < INT32_MIN || h > INT32_MAX)
			return -EBADF;
		int r = handle_get(&p->handles, (iris_handle_t)h, 0, need, &op->object, NULL);
		if (r < 0)
			return r;
	}
	__atomic_store_n(&op->source, object_waitable(op->object), __ATOMIC_SEQ_CST);
	return op->source ? 0 : -EBADF;
}

/* Subscribes to op->source for `events`; returns the events ready now (0: subscribed). */
static uint32_t subscribe(struct aop *op, uint32_t events)
{
	aop_get(op); /* the subscription's */
	uint32_t now = waitable_subscribe(op->source, &op->sub, events, aop_sub_fired);
	if (now)
		aop_put(op);
	else if (__atomic_load_n(&op->done, __ATOMIC_SEQ_CST))
		aop_detach(op); /* completed meanwhile (cancelled): drop the subscription */
	return now;
}

static int64_t start_wait(struct aop *op)
{
	uint64_t flags = op->args[2];
	if (flags & ~(uint64_t)IRIS_WAIT_NOHANG)
		return -EINVAL;
	if (op->args[1] && !user_range_ok(op->args[1], sizeof(struct iris_exit_info)))
		return -EFAULT;
	int64_t r = take_object(op, op->args[0], IRIS_RIGHT_READ);
	if (r < 0)
		return r;
	if (op->object->type != KOBJ_PROCESS && op->object->type != KOBJ_THREAD)
		return -EBADF;
	if (thread_current() &&
	    (op->object == &thread_current()->obj ||
	     (thread_current()->proc && op->object == &thread_current()->proc->obj)))
		return -EINVAL;
	if (waitable_ready(op->source) & IRIS_POLL_IN)
		return write_exit_info(op, op->object, op->args[1]);
	if (flags & IRIS_WAIT_NOHANG)
		return -EAGAIN;
	if (subscribe(op, IRIS_POLL_IN))
		return write_exit_info(op, op->object, op->args[1]);
	return PENDING;
}

static int64_t start_poll(struct aop *op)
{
	uint64_t events = op->args[1], flags = op->args[2];
	uint64_t all = IRIS_POLL_IN | IRIS_POLL_OUT | IRIS_POLL_HUP;
	if ((events & ~all) || !events || (flags & ~(uint64_t)IRIS_POLL_MULTISHOT))
		return -EINVAL;
	int64_t r = take_object(op, op->args[0], IRIS_RIGHT_READ);
	if (r < 0)
		return r;
	uint32_t now = subscribe(op, (uint32_t)events);
	return now ? (int64_t)now : PENDING;
}

static int64_t start_cancel(struct aop *op)
{
	struct ring *r = op->ring;
	struct aop *target = NULL;
	bool irq = spin_lock_irqsave(&r->lock);
	struct list_head *pos;
	list_for_each (pos, &r->inflight) {
		struct aop *o = list_entry(pos, struct aop, ring_link);
		if (o != op && o->user_data == op->args[0] && !o->done) {
			target = o;
			aop_get(o); /* the canceller's */
			break;
		}
	}
	spin_unlock_irqrestore(&r->lock, irq);
	if (!target)
		return -ENOENT;
	/* Exactly one wins: the target's own completion, or this cancel. */
	bool won = aop_complete(target, -ECANCELED);
	aop_put(target);
	return won ? 0 : -ENOENT;
}

/* Starts `op` by its number. Returns its result if it finished at once (*pending false). */
static int64_t dispatch(struct aop *op, bool *pending)
{
	int64_t r;
	*pending = false;
	switch (op->nr) {
	case SYS_SLEEP:
	case SYS_TIMEOUT:
		r = arm_timer(op, op->args[0], op->nr == SYS_TIMEOUT ? op->args[1] : 0);
		break;
	case SYS_LINK_TIMEOUT:
		return -EINVAL; /* started only through the operation it guards */
	case SYS_CANCEL:
		return start_cancel(op);
	case SYS_WAIT:
		r = start_wait(op);
		break;
	case SYS_POLL:
		r = start_poll(op);
		break;
	default:
		return syscall_gate_only(op->nr) ? -EINVAL : syscall_invoke(op->nr, op->args);
	}
	*pending = r == PENDING;
	return r;
}

/*
 * Whether `op` may start here. The calls the table marks `anywhere` (timers,
 * NOP, CANCEL) start anywhere; the rest need a thread of the ring's owner at
 * a safe point (`safe`: a submission or the deferred list, not a completion).
 */
static bool may_start_here(struct aop *op, bool safe)
{
	return syscall_anywhere(op->nr) || (safe && process_current() == op->ring->owner);
}

/*
 * Starts one operation (the caller holds a reference on it); returns the
 * next one of its chain to start, with the link's reference, if it finished
 * at once.
 */
static struct aop *start_one(struct aop *op, bool safe)
{
	if (__atomic_load_n(&op->done, __ATOMIC_ACQUIRE))
		return NULL; /* cancelled while it waited to start */
	bool elsewhere = !may_start_here(op, safe);
	if (elsewhere && ring_defer(op->ring, op))
		return NULL;
	if (elsewhere || op->ring->dead) { /* the ring is going away */
		bool did;
		return finish(op, -ECANCELED, &did);
	}
	op->started = true;
	struct aop *lt = __atomic_load_n(&op->link_timeout, __ATOMIC_SEQ_CST);
	if (lt && !__atomic_load_n(&lt->done, __ATOMIC_ACQUIRE)) {
		int64_t r = arm_timer(lt, lt->args[0], lt->args[1]);
		if (r != PENDING)
			aop_complete(lt, r);
	}
	bool pending, did;
	int64_t r = dispatch(op, &pending);
	if (!pending)
		return finish(op, r, &did);
	/* A link timeout of 0 is "try now": what did not finish at once is cancelled. */
	if (lt && lt->args[0] == 0 && !(lt->args[1] & IRIS_TIMEOUT_ABS))
		aop_complete(lt, -ETIMEDOUT);
	return NULL;
}

/*
 * Starts `op` and the chain steps that follow at once; consumes a reference
 * on each. `safe`: called where the operations were submitted (see above).
 */
static void aop_run_chain(struct aop *op, bool safe)
{
	while (op) {
		struct aop *next = start_one(op, safe);
		aop_put(op);
		op = next;
	}
}

void aop_start(struct aop *op)
{
	aop_run_chain(op, true);
}

void aop_cancel_all(struct ring *r)
{
	for (;;) {
		struct aop *op = NULL;
		bool irq = spin_lock_irqsave(&r->lock);
		struct list_head *pos;
		list_for_each (pos, &r->inflight) {
			struct aop *o = list_entry(pos, struct aop, ring_link);
			if (!o->done) {
				op = o;
				aop_get(op); /* the canceller's */
				break;
			}
		}
		spin_unlock_irqrestore(&r->lock, irq);
		if (!op)
			return;
		aop_cancel(op);
		aop_put(op);
	}
}

/*
 * Runs `op` (of the calling thread's private ring, with the creator's
 * reference) and waits for its completion.
 */
static long run_sync(struct ring *r, struct aop *op)
{
	aop_get(op); /* ours, until we are done; the creator's goes to aop_start */
	uint64_t target = r->posted + 1;
	aop_start(op);
	/* The fast path: it finished at once. Otherwise wait on the ring. */
	if (r->posted < target && ring_wait(r, target, 0) == -EINTR)
		aop_cancel(op); /* being killed: stop waiting for it */
	aop_put(op);
	return r->last_result;
}

long aop_run_sync(uint32_t nr, const uint64_t args[6])
{
	struct ring *r = &thread_current()->sync_ring;
	struct aop *op = aop_create(r, nr, 0, 0, args);
	return op ? run_sync(r, op) : -ENOMEM;
}

long aop_wait_object(struct kobject *obj)
{
	static const uint64_t none[6];
	struct ring *r = &thread_current()->sync_ring;
	struct aop *op = aop_create(r, SYS_WAIT, 0, 0, none);
	if (!op)
		return -ENOMEM;
	kobject_get(obj);
	op->object = obj;
	return run_sync(r, op);
}
