/*
 * Rings driven with seeded operation mixes, every completion checked.
 *
 * Each thread keeps a few rings of its own (some SQPOLL). A step submits a
 * batch: any system call with typed arguments, NOP and ECHO, TIMEOUT, SLEEP
 * and LINK_TIMEOUT with edge values, CANCEL of a queued, started, finished,
 * later, unknown or its own user_data, POLL (one-shot and multishot), WAIT,
 * the calls a ring refuses, and calls on another ring's handle (close,
 * poll, duplicate, enter, send over a channel). Entries are linked with a
 * per-batch probability from none to all, and a batch may end with an open
 * link that the next batch continues.
 *
 * The oracle per ring: every user_data submitted completes exactly once
 * (a multishot POLL: the last completion without IRIS_CQE_MORE), no
 * completion names a user_data never submitted, results are in the
 * documented set, ECHO returns its value, and a chain step whose
 * predecessor failed or has not completed comes back -ECANCELED. A ring's
 * drain cancels what is still in flight and waits for all of it. None of
 * this is checked on a ring whose handle was closed behind its back (its
 * operations were cancelled with it and their completions may be lost).
 */
#include "fuzz.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FZ_RINGS      3
#define RING_OPS      512
#define RING_RETIRE   (RING_OPS - 160) /* room left for the drain's cancels */
#define SCRATCH_SLOTS 16
#define SCRATCH_LEN   512

enum op_state { OP_FREE, OP_OUT, OP_DONE };

struct fz_op {
	struct fz_call call;
	int16_t prev; /* chain predecessor; -1 none, -2 not checked */
	uint8_t state;
	bool cancel_sent;     /* by the drain */
	int16_t cancelled_by; /* the drain's CANCEL for it, or -1 */
	int64_t result;
};

struct fz_ring {
	struct iris_ringbuf rb;
	bool live;    /* set up and mapped */
	bool checked; /* its handle was not closed behind its back */
	uint64_t gen;
	int nops, outstanding;
	int chain_tail; /* the entry the next one follows (it had LINK), -1 none */
	bool chain_unchecked;
	struct fz_op ops[RING_OPS];
	uint8_t scratch[SCRATCH_SLOTS][SCRATCH_LEN];
};

static uint64_t ud_of(const struct fz_ring *r, int idx)
{
	return r->gen << 20 | (uint64_t)idx;
}

static void ring_forget_handle(struct fz_thread *t, struct fz_ring *r)
{
	for (int i = 0; i < t->nhandles; i++) {
		if (t->handles[i].h == r->rb.ring) {
			t->handles[i] = t->handles[--t->nhandles];
			return;
		}
	}
}

static bool ring_create(struct fz_thread *t, struct fz_ring *r)
{
	static const uint32_t sqs[] = { 1, 2, 4, 8, 16, 32 };
	uint32_t sq = sqs[fz_below(&t->rng, sizeof(sqs) / sizeof(sqs[0]))];
	uint32_t cq = fz_one_in(&t->rng, 2) ? 0 : sq << fz_below(&t->rng, 3);
	unsigned flags = fz_one_in(&t->rng, 4) ? IRIS_RING_SQPOLL : 0;
	if (iris_ringbuf_setup(&r->rb, sq, cq, flags) < 0)
		return false; /* out of handles or memory: legal, try later */
	fz_add(&t->fig->calls, 2);
	fz_add(&t->fig->rings, 1);
	r->live = r->checked = true;
	r->gen = ++t->ring_gen;
	r->nops = r->outstanding = 0;
	r->chain_tail = -1;
	r->chain_unchecked = false;
	fz_handle_add(t, r->rb.ring, FZ_RING, false);
	return true;
}

static void ring_destroy(struct fz_thread *t, struct fz_ring *r)
{
	ring_forget_handle(t, r);
	iris_ringbuf_destroy(&r->rb);
	fz_add(&t->fig->calls, 2);
	r->live = false;
}

void rings_ring_closed(struct fz_thread *t, iris_handle_t h)
{
	for (int i = 0; i < t->nrings; i++) {
		if (t->rings[i].live && t->rings[i].rb.ring == h)
			t->rings[i].checked = false;
	}
}

static void report_op(struct fz_thread *t, struct fz_ring *r, int idx, const char *what,
                      int64_t result)
{
	const struct fz_op *op = &r->ops[idx];
	fz_fail(t, "ring %llu op %d: %s: %s(%#llx, %#llx, %#llx, %#llx) -> %lld",
	        (unsigned long long)r->gen, idx, what, calls_name(op->call.nr),
	        (unsigned long long)op->call.args[0], (unsigned long long)op->call.args[1],
	        (unsigned long long)op->call.args[2], (unsigned long long)op->call.args[3],
	        (long long)result);
}

/* Checks one completion against what was submitted. */
static void check_cqe(struct fz_thread *t, struct fz_ring *r, const struct iris_cqe *c)
{
	uint64_t idx = c->user_data & 0xfffff;
	if (c->user_data >> 20 != r->gen || idx >= (uint64_t)r->nops) {
		fz_fail(t,
		        "ring %llu: a completion for user_data %#llx, never submitted (result "
		        "%lld)",
		        (unsigned long long)r->gen, (unsigned long long)c->user_data,
		        (long long)c->result);
		return;
	}
	struct fz_op *op = &r->ops[idx];
	if (op->state != OP_OUT) {
		report_op(t, r, (int)idx, "a second completion", c->result);
		return;
	}
	bool more = c->flags & IRIS_CQE_MORE;
	bool multishot = op->call.nr == SYS_POLL && op->call.args[2] == IRIS_POLL_MULTISHOT;
	if ((c->flags & ~IRIS_CQE_MORE) || c->reserved || c->reserved2 || (more && !multishot))
		report_op(t, r, (int)idx, "completion flags or reserved fields set", c->result);
	if (!calls_result_ok(op->call.nr, c->result, true))
		report_op(t, r, (int)idx, "an undocumented result", c->result);
	else if (op->call.nr == SYS_ECHO && c->result != (int64_t)op->call.args[0] &&
	         c->result != -ECANCELED)
		report_op(t, r, (int)idx, "ECHO returned another value", c->result);
	if (op->prev >= 0 && c->result != -ECANCELED) {
		const struct fz_op *p = &r->ops[op->prev];
		if (p->state != OP_DONE || p->result < 0)
			report_op(t, r, (int)idx,
			          p->state != OP_DONE
			                  ? "a chain step ran before its predecessor completed"
			                  : "a chain step ran after its predecessor failed",
			          c->result);
	}
	fz_add(&t->fig->checked, 1);
	if (more)
		return;
	op->state = OP_DONE;
	op->result = c->result;
	r->outstanding--;
	calls_harvest(t, &op->call, c->result);
}

static void reap(struct fz_thread *t, struct fz_ring *r)
{
	struct iris_cqe c;
	while (iris_ringbuf_pop(&r->rb, &c)) {
		if (r->checked)
			check_cqe(t, r, &c);
	}
}

/* An edge value for TIMEOUT and LINK_TIMEOUT: relative, absolute past or future, or refused. */
static void timeout_args(struct fz_thread *t, uint64_t *ns, uint64_t *flags)
{
	static const uint64_t rel[] = { 0,
		                        1,
		                        1000,
		                        MS,
		                        5 * MS,
		                        20 * MS,
		                        1ull << 40,
		                        0x7fffffffffffffff,
		                        (uint64_t)-1,
		                        1ull << 63 };
	uint64_t now = (uint64_t)sys_clock_get(IRIS_CLOCK_MONOTONIC);
	uint64_t roll = fz_below(&t->rng, 10);
	if (roll < 6) {
		*ns = rel[fz_below(&t->rng, sizeof(rel) / sizeof(rel[0]))];
		*flags = 0;
	} else if (roll < 9) {
		uint64_t abs[] = {
			0, 1, now - MS, now, now + MS, now + 10 * MS, 0x7fffffffffffffff
		};
		*ns = abs[fz_below(&t->rng, sizeof(abs) / sizeof(abs[0]))];
		*flags = IRIS_TIMEOUT_ABS;
	} else {
		static const uint64_t bad[] = { 2, 0x80, 1ull << 32 | 1 };
		*ns = MS;
		*flags = bad[fz_below(&t->rng, 3)];
	}
}

/* A user_data for CANCEL: queued, in flight, finished, later, its own, or unknown. */
static uint64_t cancel_target(struct fz_thread *t, struct fz_ring *r, int idx, int batch_start)
{
	switch (fz_below(&t->rng, 7)) {
	case 0: /* earlier in this batch */
		if (idx > batch_start)
			return ud_of(r, batch_start + (int)fz_below(&t->rng,
			                                            (uint64_t)(idx - batch_start)));
		/* fall through */
	case 1: /* in flight from an earlier batch */
	case 2:
		for (int tries = 0; tries < 8 && idx; tries++) {
			int k = (int)fz_below(&t->rng, (uint64_t)idx);
			if (r->ops[k].state == OP_OUT)
				return ud_of(r, k);
		}
		/* fall through */
	case 3: /* finished, or anything earlier */
		return idx ? ud_of(r, (int)fz_below(&t->rng, (uint64_t)idx)) : ud_of(r, 0);
	case 4: /* later in this batch, or never */
		return ud_of(r, idx + 1 + (int)fz_below(&t->rng, 3));
	case 5:
		return ud_of(r, idx); /* itself */
	default:
		return fz_next(&t->rng);
	}
}

/* Any handle of this thread's, or -1. */
static uint64_t pick_any(struct fz_thread *t)
{
	if (!t->nhandles)
		return (uint64_t)-1;
	return (uint64_t)(int64_t)t->handles[fz_below(&t->rng, (uint64_t)t->nhandles)].h;
}

/* A call on another of this thread's rings: the nested-ring cases. */
static void other_ring_call(struct fz_thread *t, struct fz_call *c, uint8_t *scratch)
{
	struct fz_ring *o = &t->rings[fz_below(&t->rng, (uint64_t)t->nrings)];
	uint64_t h = o->live ? (uint64_t)(int64_t)o->rb.ring : (uint64_t)-1;
	switch (fz_below(&t->rng, 6)) {
	case 0:
		*c = (struct fz_call){ .nr = SYS_HANDLE_CLOSE, .args = { h } };
		break;
	case 1:
		*c = (struct fz_call){ .nr = SYS_POLL,
			               .args = { h, IRIS_POLL_IN | IRIS_POLL_OUT, 0 } };
		break;
	case 2:
		*c = (struct fz_call){ .nr = SYS_HANDLE_DUPLICATE,
			               .args = { h, IRIS_RIGHTS_SAME } };
		break;
	case 3:
		*c = (struct fz_call){ .nr = SYS_RING_ENTER, .args = { h, 1, 0, 0, 0 } };
		break;
	case 4: {
		uint64_t ch = (uint64_t)-1;
		for (int i = 0; i < t->nhandles; i++) {
			if (t->handles[i].kind == FZ_CHANNEL)
				ch = (uint64_t)(int64_t)t->handles[i].h;
		}
		*c = (struct fz_call){ .nr = SYS_CHANNEL_SEND_HANDLE,
			               .args = { ch, h, IRIS_RIGHTS_SAME } };
		break;
	}
	default:
		*c = (struct fz_call){ .nr = SYS_RING_SETUP,
			               .args = { 1 + fz_below(&t->rng, 8), 0,
			                         fz_one_in(&t->rng, 3) ? IRIS_RING_SQPOLL : 0,
			                         (uint64_t)scratch },
			               .out = scratch };
		break;
	}
}

/*
 * Fills entry `idx` of `r` (the next of a batch that started at
 * `batch_start`) and returns its SQE flags.
 */
static uint32_t gen_entry(struct fz_thread *t, struct fz_ring *r, int idx, int batch_start,
                          unsigned link_pct)
{
	struct fz_op *op = &r->ops[idx];
	struct fz_call *c = &op->call;
	uint8_t *scratch = r->scratch[idx % SCRATCH_SLOTS];
	uint64_t roll = fz_below(&t->rng, 100);
	memset(c, 0, sizeof(*c));
	if (roll < 30) {
		calls_generate(t, c, true, scratch);
	} else if (roll < 42) {
		c->nr = fz_one_in(&t->rng, 2) ? SYS_NOP : SYS_ECHO;
		c->args[0] = fz_next(&t->rng);
	} else if (roll < 52) {
		c->nr = SYS_TIMEOUT;
		timeout_args(t, &c->args[0], &c->args[1]);
	} else if (roll < 58) {
		c->nr = SYS_SLEEP;
		c->args[0] = fz_one_in(&t->rng, 5) ? 1ull << 40 : fz_below(&t->rng, 20) * MS;
	} else if (roll < 70) {
		c->nr = SYS_CANCEL;
		c->args[0] = cancel_target(t, r, idx, batch_start);
	} else if (roll < 78) {
		c->nr = SYS_LINK_TIMEOUT;
		timeout_args(t, &c->args[0], &c->args[1]);
	} else if (roll < 86) {
		c->nr = SYS_POLL;
		c->args[0] = pick_any(t);
		c->args[1] =
		        fz_one_in(&t->rng, 5) ? fz_next(&t->rng) & 15 : 1 + fz_below(&t->rng, 7);
		c->args[2] = fz_one_in(&t->rng, 3) ? IRIS_POLL_MULTISHOT : 0;
	} else if (roll < 90) {
		c->nr = SYS_WAIT;
		c->args[0] = pick_any(t);
		c->args[1] = (uint64_t)scratch;
		c->args[2] = fz_one_in(&t->rng, 3) ? IRIS_WAIT_NOHANG : 0;
	} else if (roll < 95) {
		other_ring_call(t, c, scratch);
	} else if (roll < 98) {
		static const uint32_t refused[] = { SYS_THREAD_EXIT, SYS_PROCESS_EXIT,
			                            SYS_RING_ENTER };
		c->nr = refused[fz_below(&t->rng, 3)];
		c->args[0] = (uint64_t)(int64_t)r->rb.ring;
	} else {
		c->nr = (uint32_t)(SYS_COUNT + fz_below(&t->rng, 4096));
	}
	bool link = fz_below(&t->rng, 100) < link_pct;
	if (c->nr == SYS_POLL && c->args[2] == IRIS_POLL_MULTISHOT)
		link = false; /* when a multishot step "completes" is not defined */

	/* A link timeout guards the entry just before it in this batch; else it stands alone. */
	bool guards = idx > batch_start && r->chain_tail == idx - 1;
	if (c->nr == SYS_LINK_TIMEOUT && !guards && r->chain_tail >= 0)
		*c = (struct fz_call){
			.nr = SYS_NOP
		}; /* its meaning would be unclear: no oracle */
	if (c->nr == SYS_LINK_TIMEOUT) {
		op->prev = -1;
		if (!guards)
			link = false;
		if (link)
			r->chain_unchecked = true; /* the guarded entry's successor: not checked */
		else
			r->chain_tail = -1;
	} else {
		op->prev = (int16_t)(r->chain_unchecked ? -2 : r->chain_tail);
		r->chain_unchecked = false;
		r->chain_tail = link ? idx : -1;
	}
	calls_record(t, c, true, 0);
	/* A handle closed or moved by this entry leaves the pools now. */
	if (c->nr == SYS_HANDLE_CLOSE)
		fz_handle_forget(t, (iris_handle_t)c->args[0]);
	else if (c->nr == SYS_CHANNEL_SEND_HANDLE)
		fz_handle_forget(t, (iris_handle_t)c->args[1]);
	return link ? IRIS_SQE_LINK : 0;
}

static bool push_op(struct fz_ring *r, int idx, uint32_t flags)
{
	struct fz_op *op = &r->ops[idx];
	struct iris_sqe sqe = { .nr = op->call.nr, .flags = flags, .user_data = ud_of(r, idx) };
	memcpy(sqe.args, op->call.args, sizeof(sqe.args));
	if (!iris_ringbuf_push(&r->rb, &sqe))
		return false;
	op->state = OP_OUT;
	op->cancel_sent = false;
	op->cancelled_by = -1;
	r->outstanding++;
	return true;
}

/* Lets the kernel take what is published, maybe waiting a little; checks what it answers. */
static void enter(struct fz_thread *t, struct fz_ring *r, bool wait)
{
	unsigned flags = wait ? IRIS_ENTER_GETEVENTS : 0;
	long res = iris_ringbuf_enter(&r->rb, 1, flags, (1 + fz_below(&t->rng, 4)) * MS);
	fz_add(&t->fig->calls, 1);
	if (r->checked && res < 0 && res != -ETIMEDOUT) {
		fz_fail(t, "ring %llu: SYS_RING_ENTER on an honest ring (handle %#x): %ld",
		        (unsigned long long)r->gen, (unsigned)r->rb.ring, res);
		calls_history(t, r->rb.ring);
		r->checked = false; /* once is enough */
	}
	reap(t, r);
}

static void submit_batch(struct fz_thread *t, struct fz_ring *r)
{
	static const unsigned link_pcts[] = { 0, 25, 50, 75, 100 };
	unsigned link_pct = link_pcts[fz_below(&t->rng, 5)];
	uint32_t space = iris_ringbuf_sq_space(&r->rb);
	int n = (int)(1 + fz_below(&t->rng, space < 12 ? space : 12));
	int start = r->nops;
	for (int i = 0; i < n && space; i++) {
		int idx = r->nops++;
		uint32_t flags = gen_entry(t, r, idx, start, link_pct);
		push_op(r, idx, flags);
		fz_add(&t->fig->ops, 1);
	}
	enter(t, r, fz_one_in(&t->rng, 3));
}

/*
 * Whether the kernel may rightly refuse every entry still in the SQ: the
 * operations it took hold a CQ slot each (docs/rings.md, Back-pressure), and
 * when they fill the CQ, nothing behind them — a CANCEL included — can get
 * in. (A ring whose CQ is no bigger than its long operations does that.)
 */
static bool stalled(struct fz_ring *r)
{
	uint32_t pending = iris_ringbuf_sq_pending(&r->rb);
	uint32_t taken = (uint32_t)r->outstanding - pending;
	return pending > 0 && taken + iris_ringbuf_cq_ready(&r->rb) >= r->rb.cq_entries;
}

/* Cancels everything in flight and waits for every completion (3 s at most). */
static void ring_drain(struct fz_thread *t, struct fz_ring *r)
{
	if (!r->checked)
		return;
	long deadline = sys_clock_get(IRIS_CLOCK_MONOTONIC) + 3000 * MS;
	/* Close an open chain: a final NOP without LINK. */
	if (r->chain_tail >= 0 || r->chain_unchecked) {
		int idx = r->nops++;
		r->ops[idx].call = (struct fz_call){ .nr = SYS_NOP };
		r->ops[idx].prev = (int16_t)(r->chain_unchecked ? -2 : r->chain_tail);
		r->chain_tail = -1;
		r->chain_unchecked = false;
		while (!push_op(r, idx, 0) && sys_clock_get(IRIS_CLOCK_MONOTONIC) < deadline) {
			enter(t, r, true);
			if (stalled(r))
				return;
		}
	}
	while (r->checked && r->outstanding > 0 && sys_clock_get(IRIS_CLOCK_MONOTONIC) < deadline) {
		for (int i = 0; i < r->nops && r->nops < RING_OPS; i++) {
			struct fz_op *op = &r->ops[i];
			if (op->state != OP_OUT || op->call.nr == SYS_CANCEL)
				continue;
			/*
			 * One CANCEL per operation, again if the last one ended while the
			 * operation goes on: an earlier CANCEL aimed at a user_data "later,
			 * or never" may have cancelled the drain's own CANCEL before it ran.
			 */
			if (op->cancel_sent && r->ops[op->cancelled_by].state != OP_DONE)
				continue;
			int idx = r->nops;
			r->ops[idx].call =
			        (struct fz_call){ .nr = SYS_CANCEL, .args = { ud_of(r, i) } };
			r->ops[idx].prev = -1;
			if (!push_op(r, idx, 0))
				break;
			r->nops++;
			op->cancel_sent = true;
			op->cancelled_by = (int16_t)idx;
		}
		enter(t, r, true);
		if (stalled(r))
			return; /* no CANCEL can get in: destroying the ring is the only way out */
	}
	if (r->checked && r->outstanding > 0) {
		int shown = 0;
		for (int i = 0; i < r->nops && shown < 4; i++) {
			if (r->ops[i].state == OP_OUT) {
				int k = r->ops[i].cancelled_by;
				bool answered = k >= 0 && r->ops[k].state == OP_DONE;
				report_op(t, r, i,
				          answered ? "never completed; its CANCEL did (result "
				                     "after ->)"
				                   : "never completed, nor did a CANCEL for it",
				          answered ? r->ops[k].result : 0);
				shown++;
			}
		}
		fz_fail(t,
		        "ring %llu (%s, SQ %u, CQ %u): %d submissions without a completion; %u "
		        "in the SQ (head %u, tail %u), %u in the CQ",
		        (unsigned long long)r->gen,
		        r->rb.flags & IRIS_RING_SQPOLL ? "SQPOLL" : "plain", r->rb.sq_entries,
		        r->rb.cq_entries, r->outstanding, iris_ringbuf_sq_pending(&r->rb),
		        r->rb.hdr->sq_head, r->rb.sq_tail, iris_ringbuf_cq_ready(&r->rb));
	}
}

/*
 * One step of this thread's ring work: makes, retires or destroys a ring,
 * or submits a batch on one and checks what came back.
 */
void rings_step(struct fz_thread *t)
{
	if (!t->rings) {
		t->rings = calloc(FZ_RINGS, sizeof(struct fz_ring));
		if (!t->rings)
			return;
		t->nrings = FZ_RINGS;
	}
	struct fz_ring *r = &t->rings[fz_below(&t->rng, FZ_RINGS)];
	if (!r->live) {
		ring_create(t, r);
		return;
	}
	if (!r->checked || r->nops > RING_RETIRE) {
		ring_drain(t, r);
		ring_destroy(t, r);
		return;
	}
	if (fz_one_in(&t->rng, 40)) {
		/* Destroyed with whatever is in flight: only the kernel's survival is checked. */
		ring_destroy(t, r);
		return;
	}
	if (iris_ringbuf_sq_space(&r->rb) == 0) {
		enter(t, r, true);
		return;
	}
	submit_batch(t, r);
}

/* Submits one batch and returns without reaping: for an exit with work in flight. */
void rings_submit_only(struct fz_thread *t)
{
	for (int i = 0; t->rings && i < t->nrings; i++) {
		struct fz_ring *r = &t->rings[i];
		if (r->live && iris_ringbuf_sq_space(&r->rb)) {
			struct iris_sqe sqe = { .nr = SYS_TIMEOUT,
				                .user_data = 1,
				                .args = { 1ull << 40 } };
			iris_ringbuf_push(&r->rb, &sqe);
			iris_ringbuf_publish(&r->rb);
			sys_ring_enter(r->rb.ring, 1, 0, 0, 0);
		}
	}
}

void rings_drain_all(struct fz_thread *t)
{
	for (int i = 0; t->rings && i < t->nrings; i++) {
		struct fz_ring *r = &t->rings[i];
		if (!r->live)
			continue;
		ring_drain(t, r);
		ring_destroy(t, r);
	}
}

/*
 * The honest owner's side of a ring another thread scribbles on: three
 * ECHOs, an enter (sometimes waiting 1 ms), and whatever completions there
 * are. The enter must answer a count, -EINVAL (a wild sq_tail) or
 * -ETIMEDOUT; after garbage it picks up from the kernel's own indices.
 */
void rings_honest_step(struct fz_thread *t, struct iris_ringbuf *rb)
{
	for (uint32_t i = 0; i < 3; i++) {
		struct iris_sqe sqe = { .nr = SYS_ECHO, .user_data = i, .args = { i } };
		rb->sq[rb->sq_tail++ & (rb->sq_entries - 1)] = sqe;
	}
	bool wait = fz_one_in(&t->rng, 4);
	long r = iris_ringbuf_enter(rb, 1, wait ? IRIS_ENTER_GETEVENTS : 0, wait ? MS : 0);
	fz_add(&t->fig->calls, 1);
	fz_add(&t->fig->ops, 3);
	if (!((r >= 0 && r <= (long)rb->sq_entries) || r == -EINVAL || r == -ETIMEDOUT))
		fz_fail(t, "scribbled ring: SYS_RING_ENTER answered %ld", r);
	struct iris_cqe c;
	while (iris_ringbuf_pop(rb, &c))
		;
	if (r == -EINVAL || iris_ringbuf_sq_pending(rb) >= rb->sq_entries)
		rb->sq_tail = __atomic_load_n(&rb->hdr->sq_head, __ATOMIC_RELAXED);
	if (__atomic_load_n(&rb->hdr->cq_tail, __ATOMIC_RELAXED) - rb->cq_head > rb->cq_entries)
		rb->cq_head = __atomic_load_n(&rb->hdr->cq_tail, __ATOMIC_RELAXED);
}
