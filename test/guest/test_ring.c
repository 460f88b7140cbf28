/*
 * Submission/completion rings (KTAP): setup and entry errors, ordering and
 * batching, blocking calls inside a ring, CQ back-pressure, timeouts, linked
 * chains, link timeouts, cancellation, SYS_POLL, SYS_WAIT, SQPOLL, a hostile
 * thread scribbling over a ring, leaks, 60,000 armed timers, libc's async_*
 * API, and poll() and select(). Run by init: `test=user run=test_ring` (best
 * on -smp 2). Also runs as its own child (`test_ring child MODE`) for
 * something to wait for.
 */
#include "ktap.h"
#include "ringtest.h"
#include <async.h>
#include <errno.h>
#include <iris/modules.h>
#include <iris/ringbuf.h>
#include <iris/sys.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#define KERNEL_VA  ((void *)0xffff800000000000ull)
#define BAD_HANDLE ((iris_handle_t)0x7ffffff0)
#define HUP_IN     (IRIS_POLL_IN | IRIS_POLL_HUP)
#define CHILD_CODE 42

static long ms_since(long t0)
{
	return (now() - t0) / MS;
}

static int child(const char *mode)
{
	if (strcmp(mode, "exit20") == 0)
		sys_sleep(20 * MS);
	else if (strcmp(mode, "sleep") == 0)
		sys_sleep(60000 * MS);
	return CHILD_CODE;
}

/* Starts `test_ring child MODE`; returns its handle (negative on failure). */
static iris_handle_t spawn_child(const char *mode)
{
	char line[64] = "test_ring child ";
	strcat(line, mode);
	return iris_module_spawn("test_ring", line);
}

static void reap_child(iris_handle_t c)
{
	sys_kill(c);
	sys_wait(c, NULL, 0);
	sys_handle_close(c);
}

static void push(struct iris_ringbuf *rb, uint32_t nr, uint32_t flags, uint64_t user_data,
                 uint64_t a0, uint64_t a1, uint64_t a2)
{
	const uint64_t args[6] = { a0, a1, a2 };
	push6(rb, nr, flags, user_data, args);
}

/* A ring for one test; reports a failure to make it. */
static bool ring_open(struct iris_ringbuf *rb, uint32_t sq, uint32_t cq, unsigned flags)
{
	int r = iris_ringbuf_setup(rb, sq, cq, flags);
	if (r < 0)
		printf("# ring setup(%u, %u, %#x) failed: %d\n", sq, cq, flags, r);
	return r == 0;
}

static void test_setup_errors(void)
{
	struct iris_ring_params p;
	ktap_check(sys_ring_setup(0, 0, 0, &p) == -EINVAL, "setup with 0 entries: EINVAL");
	ktap_check(sys_ring_setup(IRIS_RING_MAX_ENTRIES + 1, 0, 0, &p) == -EINVAL,
	           "setup with 4097 entries: EINVAL");
	ktap_check(sys_ring_setup(8, 2 * IRIS_RING_MAX_ENTRIES + 1, 0, &p) == -EINVAL &&
	                   sys_ring_setup(8, 0, 0x80, &p) == -EINVAL,
	           "setup with too many CQ entries or unknown flags: EINVAL");
	ktap_check(sys_ring_setup(8, 0, 0, KERNEL_VA) == -EFAULT &&
	                   sys_ring_setup(8, 0, 0, (void *)8) == -EFAULT,
	           "setup with unwritable parameters: EFAULT");

	long before = sys_stat(IRIS_STAT_HANDLES);
	long ring = sys_ring_setup(5, 0, 0, &p);
	bool layout = ring > 0 && p.vmo > 0 && p.sq_entries == 8 && p.cq_entries == 16 &&
	              p.sq_offset >= sizeof(struct iris_ring_header) && p.sq_offset % 64 == 0 &&
	              p.cq_offset >= p.sq_offset + 8 * sizeof(struct iris_sqe) &&
	              p.size >= p.cq_offset + 16 * sizeof(struct iris_cqe) && p.size % 4096 == 0;
	long base = sys_map(NULL, p.size, IRIS_PROT_READ | IRIS_PROT_WRITE, 0, p.vmo, 0);
	struct iris_ring_header *h = (struct iris_ring_header *)base;
	ktap_check(layout && base > 0 && h->sq_entries == 8 && h->cq_entries == 16 &&
	                   h->sq_head == 0 && h->cq_tail == 0 &&
	                   sys_stat(IRIS_STAT_HANDLES) == before + 2,
	           "setup(5): 8 SQ and 16 CQ entries, layout (size %u, sq at %u, cq at %u)", p.size,
	           p.sq_offset, p.cq_offset);

	ktap_check(sys_ring_enter(BAD_HANDLE, 0, 0, 0, 0) == -EBADF &&
	                   sys_ring_enter(p.vmo, 0, 0, 0, 0) == -EBADF,
	           "enter a bad handle or a memory object: EBADF");
	long ro = sys_handle_duplicate((iris_handle_t)ring, IRIS_RIGHT_READ);
	ktap_check(ro > 0 && sys_ring_enter((iris_handle_t)ro, 0, 0, 0, 0) == -EPERM,
	           "enter without the WRITE right: EPERM");
	ktap_check(sys_ring_enter((iris_handle_t)ring, 0, 0, 0x80, 0) == -EINVAL,
	           "enter with unknown flags: EINVAL");

	h->sq_tail = 9; /* 9 entries pending in an 8-entry SQ */
	long wild = sys_ring_enter((iris_handle_t)ring, 9, 0, 0, 0);
	ktap_check(wild == -EINVAL && h->sq_head == 0, "a wild sq_tail: EINVAL, nothing taken");
	h->sq_tail = 0;
	sys_handle_close((iris_handle_t)ro);
	sys_handle_close(p.vmo);
	sys_handle_close((iris_handle_t)ring);
	sys_unmap((void *)base, p.size);

	long r2 = sys_ring_setup(4, 100, 0, &p);
	ktap_check(r2 > 0 && p.sq_entries == 4 && p.cq_entries == 128,
	           "setup(4, 100): the CQ rounds up to 128");
	sys_handle_close(p.vmo);
	sys_handle_close((iris_handle_t)r2);
	ktap_check(sys_stat(IRIS_STAT_HANDLES) == before, "closing the handles frees them");
}

/* The synchronous forms of the ring-only and new calls. */
static void test_sync_forms(void)
{
	ktap_check(sys_nop() == 0, "sync NOP: 0");
	long t0 = now();
	long r = sys_timeout(10 * MS, 0);
	ktap_check(r == -ETIMEDOUT && now() - t0 >= 10 * MS,
	           "sync TIMEOUT 10 ms: ETIMEDOUT (%ld ms)", ms_since(t0));
	ktap_check(iris_syscall6(SYS_CANCEL, 1, 0, 0, 0, 0, 0) == -EINVAL &&
	                   iris_syscall6(SYS_LINK_TIMEOUT, 0, 0, 0, 0, 0, 0) == -EINVAL,
	           "sync CANCEL and LINK_TIMEOUT: EINVAL");
}

/* Submissions the kernel refuses inside a ring. */
static void test_ring_refusals(void)
{
	struct iris_ringbuf rb;
	if (!ring_open(&rb, 8, 0, 0))
		return;
	push(&rb, SYS_THREAD_EXIT, 0, 1, 0, 0, 0);
	push(&rb, SYS_PROCESS_EXIT, 0, 2, 0, 0, 0);
	push(&rb, SYS_RING_ENTER, 0, 3, (uint64_t)rb.ring, 0, 0);
	push(&rb, 9999, 0, 4, 0, 0, 0);
	push(&rb, SYS_LINK_TIMEOUT, 0, 5, 0, 0, 0);
	push(&rb, SYS_TIMEOUT, 0, 6, 0, 0x80, 0);
	struct iris_cqe c[6];
	int n = run(&rb, 6, c, 1000);
	ktap_check(n == 6 && result_of(c, n, 1) == -EINVAL && result_of(c, n, 2) == -EINVAL &&
	                   result_of(c, n, 3) == -EINVAL && result_of(c, n, 4) == -ENOSYS &&
	                   result_of(c, n, 5) == -EINVAL && result_of(c, n, 6) == -EINVAL,
	           "in a ring: exits and RING_ENTER EINVAL, unknown ENOSYS, a lone LINK_TIMEOUT "
	           "and bad TIMEOUT flags EINVAL");
	iris_ringbuf_destroy(&rb);
}

/* The expected result of entry i of a batch: even ones are NOPs, odd ones ECHOs. */
static int64_t batch_value(uint32_t i)
{
	return i % 2 ? (int64_t)i * 3 + 1 : 0;
}

static bool batch_run(struct iris_ringbuf *rb, uint32_t count, uint64_t tag)
{
	for (uint32_t i = 0; i < count; i++)
		push(rb, i % 2 ? SYS_ECHO : SYS_NOP, 0, tag + i, (uint64_t)batch_value(i), 0, 0);
	long taken = iris_ringbuf_enter(rb, count, IRIS_ENTER_GETEVENTS, 5000 * MS);
	uint32_t ok = 0;
	struct iris_cqe c;
	for (uint32_t i = 0; iris_ringbuf_pop(rb, &c); i++)
		ok += c.user_data == tag + i && c.result == batch_value(i) && c.flags == 0;
	return taken == count && ok == count && rb->hdr->overflow == 0;
}

static void test_batches(void)
{
	static const uint32_t sizes[] = { 1, 4, 32, 256, 4096 };
	struct iris_ringbuf rb;
	if (!ring_open(&rb, IRIS_RING_MAX_ENTRIES, 0, 0))
		return;
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		long t0 = now();
		bool ok = batch_run(&rb, sizes[i], (uint64_t)(i + 1) << 40);
		ktap_check(ok,
		           "batch of %u NOP/ECHO entries: taken in one enter, results in order "
		           "(%ld ms)",
		           sizes[i], ms_since(t0));
	}
	iris_ringbuf_destroy(&rb);
}

static void test_blocking_in_ring(void)
{
	struct iris_ringbuf rb;
	if (!ring_open(&rb, 8, 0, 0))
		return;
	long t0 = now();
	push(&rb, SYS_SLEEP, 0, 1, 10 * MS, 0, 0);
	push(&rb, SYS_NOP, 0, 2, 0, 0, 0);
	struct iris_cqe c[2];
	int first = run(&rb, 1, c, 1000);
	ktap_check(first == 1 && c[0].user_data == 2 && c[0].result == 0,
	           "a 10 ms SLEEP does not hold back the NOP behind it");
	int second = run(&rb, 1, c + 1, 1000);
	ktap_check(second == 1 && c[1].user_data == 1 && c[1].result == 0 && now() - t0 >= 10 * MS,
	           "the SLEEP completes later with 0 (%ld ms)", ms_since(t0));
	iris_ringbuf_destroy(&rb);
}

/* Queues ECHO(first..first+count) with user_data = the value. */
static void push_echoes(struct iris_ringbuf *rb, uint64_t first, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++)
		push(rb, SYS_ECHO, 0, first + i, first + i, 0, 0);
}

/* Pops `count` completions and checks they are ECHO(first..) in order. */
static bool pop_echoes(struct iris_ringbuf *rb, uint64_t first, uint32_t count)
{
	struct iris_cqe c;
	uint32_t ok = 0;
	for (uint32_t i = 0; i < count && iris_ringbuf_pop(rb, &c); i++)
		ok += c.user_data == first + i && c.result == (int64_t)(first + i);
	return ok == count;
}

static void test_backpressure(void)
{
	struct iris_ringbuf rb;
	if (!ring_open(&rb, 8, 16, 0))
		return;
	push_echoes(&rb, 0, 8);
	long a = iris_ringbuf_enter(&rb, 0, 0, 0);
	push_echoes(&rb, 8, 8);
	long b = iris_ringbuf_enter(&rb, 0, 0, 0);
	push_echoes(&rb, 16, 8);
	long c = iris_ringbuf_enter(&rb, 0, 0, 0);
	ktap_check(a == 8 && b == 8 && c == 0 && iris_ringbuf_sq_pending(&rb) == 8 &&
	                   iris_ringbuf_cq_ready(&rb) == 16,
	           "a full CQ stops the kernel taking submissions (took %ld, %ld, %ld)", a, b, c);
	bool first = pop_echoes(&rb, 0, 16);
	long d = iris_ringbuf_enter(&rb, 0, 0, 0);
	ktap_check(first && d == 8 && pop_echoes(&rb, 16, 8) && rb.hdr->overflow == 0,
	           "after draining, the held entries run: 24 results, in order, none lost");
	iris_ringbuf_destroy(&rb);

	/* In-flight operations hold their CQ slots even while the CQ is empty. */
	if (!ring_open(&rb, 4, 4, 0))
		return;
	for (int i = 0; i < 4; i++)
		push(&rb, SYS_SLEEP, 0, 100 + i, 20 * MS, 0, 0);
	long e = iris_ringbuf_enter(&rb, 0, 0, 0);
	push_echoes(&rb, 0, 4);
	long f = iris_ringbuf_enter(&rb, 0, 0, 0);
	struct iris_cqe s[4];
	int slept = run(&rb, 4, s, 2000);
	long g = iris_ringbuf_enter(&rb, 0, 0, 0);
	ktap_check(e == 4 && f == 0 && slept == 4 && g == 4 && pop_echoes(&rb, 0, 4),
	           "4 pending SLEEPs reserve a 4-entry CQ: the ECHOs wait for them");
	iris_ringbuf_destroy(&rb);
}

static void test_timeouts(void)
{
	struct iris_ringbuf rb;
	if (!ring_open(&rb, 8, 0, 0))
		return;
	long t0 = now();
	long abs = t0 + 30 * MS;
	push(&rb, SYS_TIMEOUT, 0, 1, 30 * MS, 0, 0);
	push(&rb, SYS_TIMEOUT, 0, 2, (uint64_t)abs, IRIS_TIMEOUT_ABS, 0);
	push(&rb, SYS_TIMEOUT, 0, 3, 1, IRIS_TIMEOUT_ABS, 0);
	struct iris_cqe c[3];
	int past = run(&rb, 1, c, 1000);
	long t_past = now() - t0;
	ktap_check(past == 1 && c[0].user_data == 3 && c[0].result == -ETIMEDOUT,
	           "an absolute TIMEOUT in the past: ETIMEDOUT first (%ld ms)", t_past / MS);
	long t_rel = 0, t_abs = 0;
	int n = 1;
	while (n < 3 && run(&rb, 1, c + n, 1000) == 1) {
		if (c[n].user_data == 1)
			t_rel = now();
		else
			t_abs = now();
		n++;
	}
	ktap_check(n == 3 && result_of(c, 3, 1) == -ETIMEDOUT && t_rel - t0 >= 30 * MS,
	           "a relative TIMEOUT of 30 ms: ETIMEDOUT, never early (%ld ms)",
	           (t_rel - t0) / MS);
	ktap_check(n == 3 && result_of(c, 3, 2) == -ETIMEDOUT && t_abs >= abs,
	           "an absolute TIMEOUT: ETIMEDOUT at or after its time (%ld ms after)",
	           (t_abs - abs) / MS);
	iris_ringbuf_destroy(&rb);
}

static void test_links(void)
{
	struct iris_ringbuf rb;
	if (!ring_open(&rb, 16, 0, 0))
		return;
	push(&rb, SYS_ECHO, IRIS_SQE_LINK, 1, 11, 0, 0);
	push(&rb, SYS_SLEEP, IRIS_SQE_LINK, 2, 5 * MS, 0, 0);
	push(&rb, SYS_ECHO, 0, 3, 33, 0, 0);
	push(&rb, SYS_NOP, 0, 4, 0, 0, 0);
	struct iris_cqe c[4];
	int n = run(&rb, 4, c, 2000);
	int pos[5] = { 0 };
	for (int i = 0; i < n; i++)
		pos[c[i].user_data % 5] = i;
	ktap_check(n == 4 && result_of(c, n, 1) == 11 && result_of(c, n, 2) == 0 &&
	                   result_of(c, n, 3) == 33 && result_of(c, n, 4) == 0 && pos[1] < pos[2] &&
	                   pos[2] < pos[3],
	           "a chain ECHO -> SLEEP -> ECHO completes in order beside an independent NOP "
	           "(%d completions, results %ld %ld %ld %ld, order %d %d %d)",
	           n, (long)result_of(c, n, 1), (long)result_of(c, n, 2), (long)result_of(c, n, 3),
	           (long)result_of(c, n, 4), pos[1], pos[2], pos[3]);

	push(&rb, SYS_ECHO, IRIS_SQE_LINK, 1, 11, 0, 0);
	push(&rb, SYS_CLOCK_GET, IRIS_SQE_LINK, 2, 77, 0, 0);
	push(&rb, SYS_ECHO, IRIS_SQE_LINK, 3, 33, 0, 0);
	push(&rb, SYS_ECHO, 0, 4, 44, 0, 0);
	push(&rb, SYS_ECHO, 0, 5, 55, 0, 0);
	struct iris_cqe d[5];
	n = run(&rb, 5, d, 2000);
	ktap_check(n == 5 && result_of(d, n, 1) == 11 && result_of(d, n, 2) == -EINVAL &&
	                   result_of(d, n, 3) == -ECANCELED && result_of(d, n, 4) == -ECANCELED &&
	                   result_of(d, n, 5) == 55,
	           "a failing link cancels the rest of its chain (ECANCELED), not what follows");
	iris_ringbuf_destroy(&rb);
}

static void test_link_timeouts(void)
{
	struct iris_ringbuf rb;
	if (!ring_open(&rb, 16, 0, 0))
		return;
	long t0 = now();
	push(&rb, SYS_SLEEP, IRIS_SQE_LINK, 1, 1000 * MS, 0, 0);
	push(&rb, SYS_LINK_TIMEOUT, 0, 2, 20 * MS, 0, 0);
	struct iris_cqe c[2];
	int n = run(&rb, 2, c, 3000);
	long took = ms_since(t0);
	ktap_check(n == 2 && result_of(c, n, 1) == -ECANCELED && result_of(c, n, 2) == -ETIMEDOUT &&
	                   took >= 20 && took < 500,
	           "a 20 ms LINK_TIMEOUT cancels a 1 s SLEEP (%ld ms)", took);

	t0 = now();
	push(&rb, SYS_SLEEP, IRIS_SQE_LINK, 1, 5 * MS, 0, 0);
	push(&rb, SYS_LINK_TIMEOUT, 0, 2, 1000 * MS, 0, 0);
	n = run(&rb, 2, c, 3000);
	took = ms_since(t0);
	ktap_check(n == 2 && result_of(c, n, 1) == 0 && result_of(c, n, 2) == -ECANCELED &&
	                   took < 500,
	           "a LINK_TIMEOUT whose operation finishes first: ECANCELED (%ld ms)", took);

	iris_handle_t kid = spawn_child("sleep");
	struct iris_exit_info info;
	t0 = now();
	push(&rb, SYS_WAIT, IRIS_SQE_LINK, 1, (uint64_t)kid, (uint64_t)&info, 0);
	push(&rb, SYS_LINK_TIMEOUT, 0, 2, 0, 0, 0);
	push(&rb, SYS_ECHO, IRIS_SQE_LINK, 3, 7, 0, 0);
	push(&rb, SYS_LINK_TIMEOUT, 0, 4, 0, 0, 0);
	struct iris_cqe d[4];
	n = run(&rb, 4, d, 3000);
	took = ms_since(t0);
	ktap_check(kid > 0 && n == 4 && result_of(d, n, 1) == -ECANCELED &&
	                   result_of(d, n, 2) == -ETIMEDOUT && took < 200,
	           "LINK_TIMEOUT 0 on a WAIT for a running child: try-now, ECANCELED (%ld ms)",
	           took);
	ktap_check(n == 4 && result_of(d, n, 3) == 7 && result_of(d, n, 4) == -ECANCELED,
	           "LINK_TIMEOUT 0 on a call that completes at once: its result");
	reap_child(kid);
	iris_ringbuf_destroy(&rb);
}

/* One TIMEOUT of `ns` raced by a CANCEL sent after about `ns`; false if they disagree. */
static bool cancel_race(struct iris_ringbuf *rb, long ns, int *cancelled)
{
	push(rb, SYS_TIMEOUT, 0, 1, (uint64_t)ns, 0, 0);
	iris_ringbuf_enter(rb, 0, 0, 0);
	for (long t0 = now(); now() - t0 < ns;)
		__builtin_ia32_pause();
	push(rb, SYS_CANCEL, 0, 2, 1, 0, 0);
	struct iris_cqe c[2];
	int n = run(rb, 2, c, 2000);
	int64_t timer = result_of(c, n, 1), cancel = result_of(c, n, 2);
	*cancelled += cancel == 0;
	return n == 2 &&
	       ((timer == -ETIMEDOUT && cancel == -ENOENT) || (timer == -ECANCELED && cancel == 0));
}

static void test_cancel(void)
{
	struct iris_ringbuf rb;
	if (!ring_open(&rb, 8, 0, 0))
		return;
	long t0 = now();
	push(&rb, SYS_TIMEOUT, 0, 1, 10000 * MS, 0, 0);
	push(&rb, SYS_CANCEL, 0, 2, 1, 0, 0);
	push(&rb, SYS_CANCEL, 0, 3, 12345, 0, 0);
	struct iris_cqe c[3];
	int n = run(&rb, 3, c, 3000);
	ktap_check(n == 3 && result_of(c, n, 1) == -ECANCELED && result_of(c, n, 2) == 0 &&
	                   ms_since(t0) < 1000,
	           "CANCEL of a pending 10 s TIMEOUT: it completes ECANCELED, the cancel 0");
	ktap_check(n == 3 && result_of(c, n, 3) == -ENOENT,
	           "CANCEL of an unknown user_data: ENOENT");

	static const long delays[] = { 0,      500 * 1000, 1 * MS,  2 * MS,
		                       5 * MS, 9 * MS,     10 * MS, 11 * MS };
	int agree = 0, cancelled = 0, runs = 0;
	for (int round = 0; round < 4; round++) {
		for (unsigned i = 0; i < sizeof(delays) / sizeof(delays[0]); i++, runs++)
			agree += cancel_race(&rb, delays[i], &cancelled);
	}
	ktap_check(agree == runs,
	           "CANCEL racing a TIMEOUT: the two results agree in %d of %d (%d cancelled)",
	           agree, runs, cancelled);
	iris_ringbuf_destroy(&rb);
}

static void test_poll_ops(void)
{
	struct iris_ringbuf rb;
	if (!ring_open(&rb, 8, 0, 0))
		return;
	iris_handle_t kid = spawn_child("exit20");
	push(&rb, SYS_POLL, 0, 1, (uint64_t)kid, HUP_IN, 0);
	long taken = iris_ringbuf_enter(&rb, 0, 0, 0);
	bool pending = iris_ringbuf_cq_ready(&rb) == 0;
	struct iris_cqe c[4];
	int n = run(&rb, 1, c, 3000);
	ktap_check(kid > 0 && taken == 1 && pending && n == 1 && c[0].result == HUP_IN &&
	                   c[0].flags == 0,
	           "POLL on a child process: pending, then IN|HUP when it exits");
	push(&rb, SYS_POLL, 0, 2, (uint64_t)BAD_HANDLE, HUP_IN, 0);
	push(&rb, SYS_POLL, 0, 3, (uint64_t)kid, 0, 0);
	n = run(&rb, 2, c, 1000);
	ktap_check(n == 2 && result_of(c, n, 2) == -EBADF && result_of(c, n, 3) == -EINVAL,
	           "POLL a bad handle: EBADF; POLL for no events: EINVAL");
	push(&rb, SYS_POLL, 0, 4, (uint64_t)kid, IRIS_POLL_IN, 0);
	n = run(&rb, 1, c, 1000);
	ktap_check(n == 1 && c[0].result == IRIS_POLL_IN,
	           "POLL an ended child for IN alone: IN, only the events asked for");
	ktap_check(sys_poll(kid, HUP_IN, 0) == HUP_IN, "sync POLL on an ended child: IN|HUP");
	sys_handle_close(kid);

	kid = spawn_child("exit20");
	push(&rb, SYS_POLL, 0, 5, (uint64_t)kid, HUP_IN, IRIS_POLL_MULTISHOT);
	iris_ringbuf_enter(&rb, 0, 0, 0);
	int shots = 0, good = 0;
	for (bool more = true; more && shots < 16 && run(&rb, 1, c, 3000) == 1; shots++) {
		more = c[0].flags & IRIS_CQE_MORE;
		good += c[0].user_data == 5 && c[0].result == HUP_IN;
	}
	ktap_check(kid > 0 && shots >= 1 && good == shots && !(c[0].flags & IRIS_CQE_MORE),
	           "multishot POLL on a child: %d completion(s), the last without MORE", shots);
	sys_handle_close(kid);

	kid = spawn_child("sleep");
	push(&rb, SYS_POLL, 0, 6, (uint64_t)kid, HUP_IN, IRIS_POLL_MULTISHOT);
	iris_ringbuf_enter(&rb, 0, 0, 0);
	push(&rb, SYS_CANCEL, 0, 7, 6, 0, 0);
	n = run(&rb, 2, c, 3000);
	bool no_more = n == 2 && !(c[0].flags & IRIS_CQE_MORE) && !(c[1].flags & IRIS_CQE_MORE);
	ktap_check(n == 2 && result_of(c, n, 6) == -ECANCELED && result_of(c, n, 7) == 0 && no_more,
	           "CANCEL ends a multishot POLL: ECANCELED without MORE");
	reap_child(kid);
	iris_ringbuf_destroy(&rb);
}

static void test_wait_in_ring(void)
{
	struct iris_ringbuf rb;
	if (!ring_open(&rb, 8, 0, 0))
		return;
	iris_handle_t kid = spawn_child("exit20");
	struct iris_exit_info info = { 0 }, nohang;
	push(&rb, SYS_WAIT, 0, 1, (uint64_t)kid, (uint64_t)&nohang, IRIS_WAIT_NOHANG);
	push(&rb, SYS_WAIT, 0, 2, (uint64_t)kid, (uint64_t)&info, 0);
	struct iris_cqe c[2];
	int n = run(&rb, 2, c, 3000);
	ktap_check(kid > 0 && n == 2 && result_of(c, n, 1) == -EAGAIN,
	           "WAIT NOHANG in a ring on a running child: EAGAIN");
	ktap_check(n == 2 && result_of(c, n, 2) == 0 && info.reason == IRIS_EXIT_CODE &&
	                   info.code == CHILD_CODE,
	           "WAIT in a ring: 0 when the child exits, its exit info stored");
	sys_handle_close(kid);
	iris_ringbuf_destroy(&rb);
}

/* Spins (no system call but the clock) until `n` completions are in the CQ or 5 s pass. */
static bool spin_for(struct iris_ringbuf *rb, uint32_t n)
{
	long deadline = now() + 5000 * MS;
	while (iris_ringbuf_cq_ready(rb) < n && now() < deadline)
		__builtin_ia32_pause();
	return iris_ringbuf_cq_ready(rb) >= n;
}

static void test_sqpoll(void)
{
	struct iris_ringbuf rb;
	if (!ring_open(&rb, 64, 0, IRIS_RING_SQPOLL))
		return;
	long wakeups = 0;
	for (int round = 0; round < 4; round++) {
		push_echoes(&rb, (uint64_t)round * 8, 8);
		wakeups += iris_ringbuf_publish(&rb);
	}
	bool done = spin_for(&rb, 32);
	ktap_check(done && pop_echoes(&rb, 0, 32),
	           "SQPOLL: 32 ECHOs complete with no SYS_RING_ENTER to submit (%ld wake-ups)",
	           wakeups);
	sys_sleep(30 * MS);
	bool asleep = rb.hdr->flags & IRIS_RING_NEED_WAKEUP;
	ktap_check(asleep, "SQPOLL: the idle polling thread sets NEED_WAKEUP");
	push_echoes(&rb, 100, 1);
	long woke = iris_ringbuf_publish(&rb);
	ktap_check(woke == 1 && spin_for(&rb, 1) && pop_echoes(&rb, 100, 1),
	           "SQPOLL: after a wake-up it takes submissions again");
	struct iris_cqe c;
	push(&rb, SYS_SLEEP, 0, 7, 10 * MS, 0, 0);
	iris_ringbuf_publish(&rb);
	long r = iris_ringbuf_enter(&rb, 1, IRIS_ENTER_GETEVENTS, 2000 * MS);
	ktap_check(r == 0 && iris_ringbuf_pop(&rb, &c) && c.user_data == 7 && c.result == 0,
	           "SQPOLL: GETEVENTS waits for a SLEEP the thread took");
	iris_ringbuf_destroy(&rb);
}

/*
 * A thread that writes random words over a ring until told to stop. With
 * `spare_kernel_indices` it leaves alone the two words the kernel only
 * writes and never reads (sq_head, cq_tail), so that the owner can find its
 * way back from garbage; otherwise it writes everywhere.
 */
struct scribbler {
	struct iris_ringbuf *rb;
	bool spare_kernel_indices;
	volatile bool stop;
	long writes;
};

/* Spins for about `ns` or until told to stop. */
static void pause_for(struct scribbler *s, long ns)
{
	for (long t0 = now(); now() - t0 < ns && !s->stop;)
		__builtin_ia32_pause();
}

/* Whether word `i` of the ring memory is sq_head's or cq_tail's. */
static bool kernel_index_word(size_t i)
{
	return i == offsetof(struct iris_ring_header, sq_head) / 8 ||
	       i == offsetof(struct iris_ring_header, cq_tail) / 8;
}

/*
 * Bursts of 1,000 random writes, 2 ms apart (so that honest work gets
 * through in between): mostly random words anywhere, sometimes a plausible
 * sq_tail (the kernel then takes whatever the SQ holds) or cq_head.
 */
static void *scribble(void *arg)
{
	struct scribbler *s = arg;
	volatile struct iris_ring_header *h = s->rb->hdr;
	volatile uint64_t *words = s->rb->base;
	size_t nwords = s->rb->size / 8;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	while (!s->stop) {
		for (int i = 0; i < 1000; i++, s->writes++) {
			uint64_t r = xorshift(&seed);
			if (r % 8 == 0)
				h->sq_tail =
				        h->sq_head + (uint32_t)(r >> 32) % (2 * s->rb->sq_entries);
			else if (r % 8 == 1)
				h->cq_head = h->cq_tail - (uint32_t)(r >> 32) % 64;
			else if (!s->spare_kernel_indices || !kernel_index_word((r >> 16) % nwords))
				words[(r >> 16) % nwords] = xorshift(&seed);
		}
		pause_for(s, 2 * MS);
	}
	return NULL;
}

/*
 * After garbage: picks up from the kernel's own indices, as a robust client
 * would when the kernel calls its sq_tail wild or its CQ looks impossible.
 */
static void resync(struct iris_ringbuf *rb, long enter_result)
{
	if (enter_result == -EINVAL)
		rb->sq_tail = rb->hdr->sq_head;
	if (rb->hdr->cq_tail - rb->cq_head > rb->cq_entries)
		rb->cq_head = rb->hdr->cq_tail;
}

/*
 * The owner's side while the scribbler runs: honest ECHOs, entered with and
 * without waiting. Counts enters that returned something other than a count
 * taken, EINVAL or ETIMEDOUT.
 */
static long hostile_owner(struct iris_ringbuf *rb, long ms, long *enters, long *honest)
{
	long bad = 0;
	struct iris_cqe c;
	for (long t0 = now(); now() - t0 < ms * MS; (*enters)++) {
		for (uint32_t i = 0; i < 3; i++)
			push(rb, SYS_ECHO, 0, 0xbeef0000 + i, i, 0, 0);
		bool wait = *enters % 4 == 0;
		long r = iris_ringbuf_enter(rb, 1, wait ? IRIS_ENTER_GETEVENTS : 0, wait ? MS : 0);
		bad += !((r >= 0 && r <= (long)rb->sq_entries) || r == -EINVAL || r == -ETIMEDOUT);
		while (iris_ringbuf_pop(rb, &c))
			*honest += c.user_data >= 0xbeef0000 && c.user_data < 0xbeef0003 &&
			           c.result == (int64_t)(c.user_data - 0xbeef0000);
		resync(rb, r);
	}
	return bad;
}

static void test_hostile(void)
{
	struct iris_ringbuf rb;
	if (!ring_open(&rb, 64, 0, 0))
		return;
	for (int i = 0; i < 8; i++)
		push(&rb, SYS_TIMEOUT, 0, 1, 10000 * MS, 0, 0);
	iris_ringbuf_enter(&rb, 0, 0, 0);
	struct scribbler s = { .rb = &rb, .spare_kernel_indices = true };
	pthread_t t;
	if (pthread_create(&t, NULL, scribble, &s) != 0)
		return;
	long enters = 0, honest = 0;
	long bad = hostile_owner(&rb, 1500, &enters, &honest);
	s.stop = true;
	pthread_join(t, NULL);
	ktap_check(bad == 0 && honest > 0,
	           "a scribbled ring: %ld enters all answered cleanly (%ld scribbles, %ld honest "
	           "ECHOs completed)",
	           enters, s.writes, honest);
	long t0 = now();
	iris_ringbuf_destroy(&rb);
	ktap_check(sys_echo(12345) == 12345 && ms_since(t0) < 1000,
	           "the scribbled ring closes with its TIMEOUTs in flight; the kernel answers");

	s = (struct scribbler){ .rb = &rb }; /* the count below is this ring's alone */
	if (ring_open(&rb, 64, 0, IRIS_RING_SQPOLL)) {
		if (pthread_create(&t, NULL, scribble, &s) == 0) {
			sys_sleep(500 * MS);
			s.stop = true;
			pthread_join(t, NULL);
		}
		iris_ringbuf_destroy(&rb);
	}
	ktap_check(s.writes > 0 && sys_echo(7) == 7,
	           "an SQPOLL ring scribbled for 0.5 s (%ld scribbles): its thread survives",
	           s.writes);

	bool fresh = ring_open(&rb, 64, 0, 0);
	ktap_check(fresh && batch_run(&rb, 64, 1ull << 50), "a fresh ring works afterwards");
	if (fresh)
		iris_ringbuf_destroy(&rb);
}

/* Creates, uses and destroys `count` rings; returns how many worked. */
static int ring_cycle(int count, unsigned flags)
{
	int ok = 0;
	for (int i = 0; i < count; i++) {
		struct iris_ringbuf rb;
		if (iris_ringbuf_setup(&rb, 8, 0, flags) < 0)
			continue;
		push(&rb, SYS_NOP, 0, 1, 0, 0, 0);
		struct iris_cqe c;
		ok += run(&rb, 1, &c, 2000) == 1 && c.user_data == 1 && c.result == 0;
		iris_ringbuf_destroy(&rb);
	}
	return ok;
}

/*
 * Whether free frames and live threads come back to these within a second.
 * Page-table pages of the kernel's window (where thread stacks are mapped)
 * are kept once made: a round that lands its stacks in a part of the window
 * never used before keeps one or two. Anything more is a leak.
 */
#define KERNEL_TABLE_SLACK 2

static bool back_to(long frames, long threads)
{
	for (int i = 0; i < 20; i++) {
		if (sys_stat(IRIS_STAT_FRAMES_FREE) >= frames - KERNEL_TABLE_SLACK &&
		    sys_stat(IRIS_STAT_THREADS) == threads)
			return true;
		sys_sleep(50 * MS);
	}
	return false;
}

/* Rings closed with a long TIMEOUT in flight: the close must cancel it. */
static int ring_close_busy(int count)
{
	int ok = 0;
	for (int i = 0; i < count; i++) {
		struct iris_ringbuf rb;
		if (iris_ringbuf_setup(&rb, 8, 0, 0) < 0)
			continue;
		push(&rb, SYS_TIMEOUT, 0, 1, 60000 * MS, 0, 0);
		ok += iris_ringbuf_enter(&rb, 0, 0, 0) == 1;
		iris_ringbuf_destroy(&rb);
	}
	return ok;
}

/*
 * The live thread count once it holds still for 100 ms (at most 2 s): a
 * thread of an earlier test (an SQPOLL thread whose ring just closed) may
 * still be on its way out, and must not become the baseline.
 */
static long settled_threads(void)
{
	long threads = sys_stat(IRIS_STAT_THREADS);
	for (int i = 0; i < 20; i++) {
		sys_sleep(100 * MS);
		long again = sys_stat(IRIS_STAT_THREADS);
		if (again == threads)
			break;
		threads = again;
	}
	return threads;
}

static void test_leaks(void)
{
	ring_cycle(10, 0);
	long threads = settled_threads();
	long frames = sys_stat(IRIS_STAT_FRAMES_FREE), handles = sys_stat(IRIS_STAT_HANDLES);
	long t0 = now();
	int ok = ring_cycle(1000, 0);
	bool same = back_to(frames, threads);
	ktap_check(
	        ok == 1000 && same && sys_stat(IRIS_STAT_HANDLES) == handles,
	        "1,000 rings made, used, destroyed: %d worked, frames %ld -> %ld, handles %ld -> "
	        "%ld (%ld ms)",
	        ok, frames, sys_stat(IRIS_STAT_FRAMES_FREE), handles, sys_stat(IRIS_STAT_HANDLES),
	        ms_since(t0));

	frames = sys_stat(IRIS_STAT_FRAMES_FREE);
	ok = ring_close_busy(100);
	same = back_to(frames, threads);
	ktap_check(ok == 100 && same,
	           "100 rings closed with a 60 s TIMEOUT in flight: frames %ld -> %ld", frames,
	           sys_stat(IRIS_STAT_FRAMES_FREE));

	/* A first round of the same size lets the kernel heap grow to what 50 need: then none may
	 * leak. */
	ring_cycle(50, IRIS_RING_SQPOLL);
	back_to(sys_stat(IRIS_STAT_FRAMES_FREE), threads);
	frames = sys_stat(IRIS_STAT_FRAMES_FREE);
	ok = ring_cycle(50, IRIS_RING_SQPOLL);
	same = back_to(frames, threads);
	ktap_check(ok == 50 && same,
	           "50 SQPOLL rings: %d worked, frames %ld -> %ld, threads %ld -> %ld", ok, frames,
	           sys_stat(IRIS_STAT_FRAMES_FREE), threads, sys_stat(IRIS_STAT_THREADS));
}

#define TIMER_RINGS     8    /* each holds its timers' CQ slots: 8 x 7,500 fit 8,192 */
#define TIMERS_PER_RING 7500 /* 60,000 in all */
#define TAIL_ARMS       15

/* Arms a TIMEOUT at absolute time `at` in an enter of its own; returns the enter's ns or -1. */
static long arm_alone(struct iris_ringbuf *rb, uint64_t user_data, long at)
{
	push(rb, SYS_TIMEOUT, 0, user_data, (uint64_t)at, IRIS_TIMEOUT_ABS, 0);
	long t0 = now();
	long r = iris_ringbuf_enter(rb, 0, 0, 0);
	long took = now() - t0;
	return r == 1 ? took : -1;
}

static int long_compare(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

/*
 * The median time of TAIL_ARMS TIMEOUTs armed one per enter, each due after
 * every timer armed so far (`at` onwards): the worst place in a sorted list.
 * Returns -1 if one was refused.
 */
static long tail_arm_median(struct iris_ringbuf *rb, long at)
{
	long t[TAIL_ARMS];
	for (int i = 0; i < TAIL_ARMS; i++) {
		t[i] = arm_alone(rb, 0x7a11000 + (uint64_t)i, at + i);
		if (t[i] < 0)
			return -1;
	}
	qsort(t, TAIL_ARMS, sizeof(t[0]), long_compare);
	return t[TAIL_ARMS / 2];
}

/* Arms TIMERS_PER_RING TIMEOUTs on `rb`, due one ns apart downwards from `at`. */
static bool arm_many(struct iris_ringbuf *rb, long at)
{
	for (uint32_t done = 0; done < TIMERS_PER_RING;) {
		uint32_t n = TIMERS_PER_RING - done < rb->sq_entries ? TIMERS_PER_RING - done
		                                                     : rb->sq_entries;
		for (uint32_t i = 0; i < n; i++, done++)
			push(rb, SYS_TIMEOUT, 0, done, (uint64_t)(at - done), IRIS_TIMEOUT_ABS, 0);
		if (iris_ringbuf_enter(rb, 0, 0, 0) != n)
			return false;
	}
	return true;
}

/*
 * 60,000 armed timers: arming one more must cost about what it costs with
 * none (a sorted list walked all of them, ~1 ms each under TCG); timers
 * still fire among them, and destroying the rings cancels them all.
 */
static void test_many_timers(void)
{
	static struct iris_ringbuf rbs[TIMER_RINGS];
	long frames = sys_stat(IRIS_STAT_FRAMES_FREE), handles = sys_stat(IRIS_STAT_HANDLES);
	long threads = sys_stat(IRIS_STAT_THREADS);
	int open = 0;
	while (open < TIMER_RINGS && iris_ringbuf_setup(&rbs[open], IRIS_RING_MAX_ENTRIES,
	                                                2 * IRIS_RING_MAX_ENTRIES, 0) == 0)
		open++;
	/* Far deadlines: the bulk downwards from `far` (cheap for a list too), the rest after. */
	long far = now() + 600000 * MS;
	long empty = open ? tail_arm_median(&rbs[0], far + 10000 * MS) : -1;
	long t0 = now();
	int armed = 0;
	for (int i = 0; i < open; i++)
		armed += arm_many(&rbs[i], far) ? TIMERS_PER_RING : 0;
	long bulk = now() - t0;
	long full = open ? tail_arm_median(&rbs[0], far + 20000 * MS) : -1;
	t0 = now();
	long slept = sys_sleep(1 * MS);
	long sleep_us = (now() - t0) / 1000;
	long each_ns = armed ? bulk / armed : 0;
	ktap_check(open == TIMER_RINGS && armed == TIMER_RINGS * TIMERS_PER_RING && empty >= 0 &&
	                   full >= 0 && full <= 4 * empty + 100 * 1000 && slept == 0 &&
	                   sleep_us < 100 * 1000,
	           "%d TIMEOUTs armed (%ld ns each in batches); arming one behind them: %ld us "
	           "(%ld us with none armed); a 1 ms SLEEP among them: %ld us",
	           armed, each_ns, full / 1000, empty / 1000, sleep_us);

	t0 = now();
	for (int i = 0; i < open; i++)
		iris_ringbuf_destroy(&rbs[i]);
	long destroy_ms = ms_since(t0);
	bool same = back_to(frames, threads);
	ktap_check(
	        open == TIMER_RINGS && same && sys_stat(IRIS_STAT_HANDLES) == handles,
	        "destroying the %d rings cancels their timers: frames %ld -> %ld, handles %ld -> "
	        "%ld (%ld ms)",
	        open, frames, sys_stat(IRIS_STAT_FRAMES_FREE), handles, sys_stat(IRIS_STAT_HANDLES),
	        destroy_ms);
}

static void test_async_basics(void)
{
	async_context_t ctx;
	errno = 0;
	ktap_check(async_setup(0, &ctx) == -1 && errno == EINVAL &&
	                   async_setup(IRIS_RING_MAX_ENTRIES + 1, &ctx) == -1 && errno == EINVAL,
	           "async_setup of 0 or too many events: EINVAL");
	if (async_setup(64, &ctx) < 0)
		return;
	static struct async_cb cbs[64];
	struct async_cb *cbps[64];
	for (int i = 0; i < 64; i++) {
		cbs[i] = (struct async_cb){ .number = i % 2 ? SYS_ECHO : SYS_NOP, .args = { i } };
		cbps[i] = &cbs[i];
	}
	int sub = async_submit(ctx, 64, cbps);
	struct async_event ev[64];
	int got = async_getevents(ctx, 64, 64, ev, NULL);
	int ok = 0;
	for (int i = 0; i < got; i++)
		ok += ev[i].cbp == &cbs[i] && ev[i].res == (i % 2 ? i : 0) && ev[i].flags == 0;
	ktap_check(sub == 64 && got == 64 && ok == 64,
	           "async: 64 calls submitted and reaped in order");

	struct timespec zero = { 0, 0 }, second = { 1, 0 }, short_wait = { 0, 30 * MS };
	ktap_check(async_check_events(ctx, 1, 1, ev, &zero) == 0,
	           "async_check_events with nothing there: 0");
	cbs[0] = (struct async_cb){ .number = SYS_SLEEP, .args = { 10 * MS } };
	sub = async_submit(ctx, 1, cbps);
	got = async_check_events(ctx, 1, 1, ev, &second);
	ktap_check(sub == 1 && got == 1 && ev[0].cbp == &cbs[0] && ev[0].res == 0,
	           "async_check_events waits in userspace for a 10 ms SLEEP");

	cbs[0] = (struct async_cb){ .number = SYS_ECHO, .args = { 1 }, .flags = ASYNC_CB_LINK };
	cbs[1] = (struct async_cb){ .number = SYS_CLOCK_GET,
		                    .args = { 77 },
		                    .flags = ASYNC_CB_LINK };
	cbs[2] = (struct async_cb){ .number = SYS_ECHO, .args = { 3 } };
	sub = async_submit(ctx, 3, cbps);
	got = async_getevents(ctx, 3, 3, ev, &second);
	ktap_check(sub == 3 && got == 3 && ev[0].res == 1 && ev[1].res == -EINVAL &&
	                   ev[2].res == -ECANCELED,
	           "async: ASYNC_CB_LINK chains (1, EINVAL, ECANCELED)");

	cbs[0] = (struct async_cb){ .number = SYS_TIMEOUT, .args = { 10000 * MS } };
	sub = async_submit(ctx, 1, cbps);
	long t0 = now();
	got = async_getevents(ctx, 1, 1, ev, &short_wait);
	ktap_check(sub == 1 && got == 0 && now() - t0 >= 30 * MS,
	           "async_getevents times out after 30 ms with nothing (%ld ms)", ms_since(t0));

	cbs[1].flags = 0x40;
	errno = 0;
	int bad_flags = async_submit(ctx, 2, cbps);
	int bad_flags_errno = errno;
	cbps[1] = NULL;
	int null_cb = async_submit(ctx, 2, cbps);
	ktap_check(bad_flags == -1 && bad_flags_errno == EINVAL && null_cb == -1 && errno == EFAULT,
	           "async_submit: unknown flags EINVAL, a NULL cb EFAULT");
	ktap_check(async_destroy(ctx) == 0, "async_destroy with a TIMEOUT in flight");
}

static void test_async_backpressure(void)
{
	async_context_t ctx;
	if (async_setup(8, &ctx) < 0)
		return;
	static struct async_cb cbs[41];
	struct async_cb *cbps[41];
	for (int i = 0; i < 41; i++) {
		cbs[i] = (struct async_cb){ .number = SYS_ECHO, .args = { i } };
		cbps[i] = &cbs[i];
	}
	int sub = async_submit(ctx, 40, cbps);
	errno = 0;
	int more = async_submit(ctx, 1, cbps + 40);
	ktap_check(sub == 24 && more == -1 && errno == EAGAIN,
	           "async_submit into an unreaped 8/16 ring: 24 of 40 queued, then EAGAIN (%d)",
	           sub);
	struct async_event ev[24];
	int got = async_getevents(ctx, 24, 24, ev, NULL);
	int ok = 0;
	for (int i = 0; i < got; i++)
		ok += ev[i].cbp == &cbs[i] && ev[i].res == i;
	ktap_check(got == 24 && ok == 24, "async_getevents then gets all 24, in order");
	async_destroy(ctx);
}

#define SUBMITTERS    4
#define PER_SUBMITTER 500
#define SUBMIT_BATCH  10

struct submitter {
	async_context_t ctx;
	struct async_cb cbs[PER_SUBMITTER];
	int events; /* counted by the reaper */
};

static void *submit_all(void *arg)
{
	struct submitter *s = arg;
	struct async_cb *cbps[SUBMIT_BATCH];
	for (int done = 0; done < PER_SUBMITTER;) {
		int n = 0;
		for (; n < SUBMIT_BATCH && done + n < PER_SUBMITTER; n++)
			cbps[n] = &s->cbs[done + n];
		int r = async_submit(s->ctx, n, cbps);
		if (r > 0)
			done += r;
		else
			sys_yield();
	}
	return NULL;
}

/* Reaps until `total` events came or 10 s pass; returns how many were right. */
static int reap_all(async_context_t ctx, struct submitter *subs, int total)
{
	struct async_event ev[64];
	struct timespec second = { 1, 0 };
	int good = 0, seen = 0;
	for (long t0 = now(); seen < total && now() - t0 < 10000 * MS;) {
		int got = async_getevents(ctx, 1, 64, ev, &second);
		for (int i = 0; i < got; i++, seen++) {
			struct async_cb *cb = ev[i].cbp;
			struct submitter *s = &subs[cb->args[1]];
			good += ev[i].res == cb->args[0];
			s->events++;
		}
	}
	return good;
}

static void test_async_threads(void)
{
	static struct submitter subs[SUBMITTERS];
	async_context_t ctx;
	if (async_setup(64, &ctx) < 0)
		return;
	pthread_t t[SUBMITTERS];
	int started = 0;
	for (int i = 0; i < SUBMITTERS; i++) {
		subs[i].ctx = ctx;
		for (int j = 0; j < PER_SUBMITTER; j++)
			subs[i].cbs[j] = (struct async_cb){ .number = SYS_ECHO,
				                            .args = { i * PER_SUBMITTER + j, i } };
		started += pthread_create(&t[i], NULL, submit_all, &subs[i]) == 0;
	}
	long t0 = now();
	int good = reap_all(ctx, subs, started * PER_SUBMITTER);
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	int each = 0;
	for (int i = 0; i < SUBMITTERS; i++)
		each += subs[i].events == PER_SUBMITTER;
	ktap_check(started == SUBMITTERS && good == SUBMITTERS * PER_SUBMITTER &&
	                   each == SUBMITTERS,
	           "async: %d threads x %d calls on one context, %d right, one event each (%ld ms)",
	           started, PER_SUBMITTER, good, ms_since(t0));
	async_destroy(ctx);
}

static void test_async_sqpoll(void)
{
	async_context_t ctx;
	if (async_setup_sqpoll(32, &ctx) < 0)
		return;
	static struct async_cb cbs[16];
	struct async_cb *cbps[16];
	for (int i = 0; i < 16; i++) {
		cbs[i] = (struct async_cb){ .number = SYS_ECHO, .args = { i } };
		cbps[i] = &cbs[i];
	}
	struct async_event ev[16];
	struct timespec limit = { 5, 0 };
	int sub = async_submit(ctx, 16, cbps);
	int got = async_check_events(ctx, 16, 16, ev, &limit);
	int ok = 0;
	for (int i = 0; i < got; i++)
		ok += ev[i].cbp == &cbs[i] && ev[i].res == i;
	ktap_check(sub == 16 && got == 16 && ok == 16,
	           "async on an SQPOLL context: 16 calls, reaped by async_check_events");
	async_destroy(ctx);
}

static void test_poll_fn(void)
{
	iris_handle_t sleeper = spawn_child("sleep");
	iris_handle_t quick = spawn_child("exit20");
	struct pollfd one = { .fd = sleeper, .events = POLLIN };
	long t0 = now();
	int r = poll(&one, 1, 0);
	ktap_check(sleeper > 0 && r == 0 && one.revents == 0 && ms_since(t0) < 200,
	           "poll() timeout 0 on a running child: 0 (%ld ms)", ms_since(t0));
	t0 = now();
	r = poll(&one, 1, 50);
	long took = ms_since(t0);
	ktap_check(r == 0 && one.revents == 0 && took >= 50 && took < 1000,
	           "poll() timeout 50 ms: 0 after %ld ms", took);

	struct pollfd two[3] = { { .fd = sleeper, .events = POLLIN },
		                 { .fd = quick, .events = POLLIN },
		                 { .fd = -1, .events = POLLIN } };
	t0 = now();
	r = poll(two, 3, -1);
	ktap_check(quick > 0 && r == 1 && two[0].revents == 0 &&
	                   two[1].revents == (POLLIN | POLLHUP) && two[2].revents == 0,
	           "poll() without a timeout: the child that exits (IN|HUP) (%ld ms)",
	           ms_since(t0));
	two[0].fd = BAD_HANDLE;
	r = poll(two, 3, 0);
	ktap_check(r == 2 && two[0].revents == POLLNVAL && two[1].revents == (POLLIN | POLLHUP),
	           "poll() timeout 0: a bad handle POLLNVAL, an ended child IN|HUP");

	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(sleeper, &rd);
	FD_SET(quick, &rd);
	int nfds = (sleeper > quick ? sleeper : quick) + 1;
	struct timeval tv = { 1, 0 };
	r = select(nfds, &rd, NULL, NULL, &tv);
	ktap_check(r == 1 && FD_ISSET(quick, &rd) && !FD_ISSET(sleeper, &rd),
	           "select(): only the ended child is left in the read set");
	FD_ZERO(&rd);
	FD_SET(sleeper, &rd);
	tv = (struct timeval){ 0, 30000 };
	t0 = now();
	r = select(nfds, &rd, NULL, NULL, &tv);
	ktap_check(r == 0 && !FD_ISSET(sleeper, &rd) && now() - t0 >= 30 * MS,
	           "select() times out after 30 ms (%ld ms)", ms_since(t0));

	struct iris_exit_info info = { 0 };
	struct async_cb wait_sleeper = { .number = SYS_WAIT, .args = { sleeper } };
	struct async_cb wait_quick = { .number = SYS_WAIT, .args = { quick, (long)&info } };
	struct async_cb echo = { .number = SYS_ECHO, .args = { 5 } };
	ktap_check(async_trynow(&wait_sleeper) == -EAGAIN && async_trynow(&echo) == 5 &&
	                   async_trynow(&wait_quick) == 0 && info.code == CHILD_CODE,
	           "async_trynow: EAGAIN for a running child, results for what is ready");
	reap_child(sleeper);
	sys_handle_close(quick);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "child") == 0)
		return child(argv[2]);
	if (iris_modules_init() < 0) {
		printf("test_ring: no boot modules\n");
		return 1;
	}
	ktap_plan(77);
	long t0 = now();
	test_setup_errors();
	test_sync_forms();
	test_ring_refusals();
	test_batches();
	test_blocking_in_ring();
	test_backpressure();
	test_timeouts();
	test_links();
	test_link_timeouts();
	test_cancel();
	test_poll_ops();
	test_wait_in_ring();
	test_sqpoll();
	test_hostile();
	test_leaks();
	test_many_timers();
	test_async_basics();
	test_async_backpressure();
	test_async_threads();
	test_async_sqpoll();
	test_poll_fn();
	printf("# test_ring took %ld ms\n", ms_since(t0));
	return ktap_done();
}
