/*
 * Regressions for the ways an ordinary program crashed or hung the kernel
 * through rings and channels (issue 11), KTAP: cancelling an operation that
 * was taken but not started, extending a chain after a failed link, random
 * async mixes of links, timeouts and cancels, SQPOLL rings running calls
 * while their process ends, a scribbled SQPOLL ring beside an honest
 * submitter, and channel endpoints sent over each other. Run by init:
 * `test=user run=test_ring_safety` (on -smp 2). Also runs as its own child
 * (`test_ring_safety child MODE`).
 */
#include "ktap.h"
#include "ringtest.h"
#include <errno.h>
#include <iris/modules.h>
#include <iris/ringbuf.h>
#include <iris/sys.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BAD_CLOCK    99
#define SQPOLL_SPINS 3 /* child modes: 0 exit, 1 SYS_KILL of itself on the ring, 2 killed */

static void push(struct iris_ringbuf *rb, uint32_t nr, uint32_t flags, uint64_t user_data,
                 uint64_t a0, uint64_t a1)
{
	const uint64_t args[6] = { a0, a1 };
	push6(rb, nr, flags, user_data, args);
}

/* What the kernel holds: after a test, everything must be back to it. */
struct baseline {
	long frames, threads, objects, heap;
};

static struct baseline baseline_now(void)
{
	return (struct baseline){ sys_stat(IRIS_STAT_FRAMES_FREE), sys_stat(IRIS_STAT_THREADS),
		                  sys_stat(IRIS_STAT_OBJECTS), sys_stat(IRIS_STAT_HEAP_BYTES) };
}

/*
 * Whether live threads, kernel objects and kernel heap bytes come back to
 * `b` exactly within 2 s, and free frames nearly: the slab keeps pages once
 * the heap has grown (and two page-table pages of the kernel's stack window
 * stay once made), so a few frames may stay with nothing leaked.
 */
#define FRAME_SLACK 8

static bool back_to(const struct baseline *b)
{
	for (int i = 0; i < 40; i++) {
		struct baseline n = baseline_now();
		if (n.threads == b->threads && n.objects == b->objects && n.heap == b->heap &&
		    n.frames >= b->frames - FRAME_SLACK)
			return true;
		sys_sleep(50 * MS);
	}
	return false;
}

/* "frames A -> B, objects C -> D, heap E -> F" for a KTAP line. */
static const char *describe(const struct baseline *b)
{
	static char text[160];
	struct baseline n = baseline_now();
	snprintf(text, sizeof(text), "frames %ld -> %ld, objects %ld -> %ld, heap %ld -> %ld",
	         b->frames, n.frames, b->objects, n.objects, b->heap, n.heap);
	return text;
}

/* [CANCEL(7), TIMEOUT(1 s, 7)] in one batch: the CANCEL finds the TIMEOUT taken, not started. */
static void test_cancel_queued(void)
{
	struct iris_ringbuf rb;
	if (iris_ringbuf_setup(&rb, 16, 0, 0) < 0)
		return;
	push(&rb, SYS_TIMEOUT, 0, 100, 60000 * MS, 0); /* so freed memory is reused at once */
	iris_ringbuf_enter(&rb, 0, 0, 0);
	int ok = 0, rounds = 300;
	for (int i = 0; i < rounds; i++) {
		struct iris_cqe c[2];
		push(&rb, SYS_CANCEL, 0, 1, 7, 0);
		push(&rb, SYS_TIMEOUT, 0, 7, 1000 * MS, 0);
		int n = run(&rb, 2, c, 2000);
		ok += n == 2 && result_of(c, 2, 1) == 0 && result_of(c, 2, 7) == -ECANCELED;
	}
	ktap_check(ok == rounds,
	           "[CANCEL(7), TIMEOUT(1 s, 7)] x %d: the queued TIMEOUT is cancelled (%d right)",
	           rounds, ok);

	ok = 0;
	rounds = 20;
	for (int i = 0; i < rounds; i++) {
		struct iris_cqe c[3];
		push(&rb, SYS_SLEEP, IRIS_SQE_LINK, 2, 5 * MS, 0);
		push(&rb, SYS_NOP, 0, 5, 0, 0);
		push(&rb, SYS_CANCEL, 0, 6, 5, 0);
		int n = run(&rb, 3, c, 2000);
		ok += n == 3 && result_of(c, 3, 2) == 0 && result_of(c, 3, 5) == -ECANCELED &&
		      result_of(c, 3, 6) == 0;
	}
	ktap_check(ok == rounds,
	           "[SLEEP 5 ms | LINK, NOP(5), CANCEL(5)] x %d: the linked NOP is cancelled while "
	           "it waits, the SLEEP ends after (%d right)",
	           rounds, ok);
	iris_ringbuf_destroy(&rb);
	ktap_check(sys_echo(3) == 3, "the kernel answers after both");
}

/* [CLOCK_GET(bad) | LINK], then one [NOP | LINK] per enter: each is cancelled, none lost. */
static void test_link_after_failure(void)
{
	struct iris_ringbuf rb;
	if (iris_ringbuf_setup(&rb, 8, 0, 0) < 0)
		return;
	struct iris_cqe c;
	push(&rb, SYS_CLOCK_GET, IRIS_SQE_LINK, 1000, BAD_CLOCK, 0);
	bool first = run(&rb, 1, &c, 1000) == 1 && c.result == -EINVAL;
	int ok = 0, rounds = 200;
	for (int i = 0; i < rounds; i++) {
		push(&rb, SYS_NOP, IRIS_SQE_LINK, (uint64_t)i, 0, 0);
		ok += run(&rb, 1, &c, 1000) == 1 && c.user_data == (uint64_t)i &&
		      c.result == -ECANCELED;
	}
	push(&rb, SYS_NOP, 0, 999, 0, 0);
	bool last = run(&rb, 1, &c, 1000) == 1 && c.user_data == 999 && c.result == -ECANCELED;
	ktap_check(first && ok == rounds && last,
	           "a failed link, then %d [NOP | LINK] enters: each cancelled once (%d)", rounds,
	           ok);

	push(&rb, SYS_ECHO, IRIS_SQE_LINK, 1, 5, 0);
	ok = run(&rb, 1, &c, 1000) == 1 && c.result == 5;
	for (int i = 0; i < rounds; i++) {
		push(&rb, SYS_NOP, IRIS_SQE_LINK, (uint64_t)i, 0, 0);
		ok += run(&rb, 1, &c, 1000) == 1 && c.user_data == (uint64_t)i && c.result == 0;
	}
	push(&rb, SYS_NOP, 0, 999, 0, 0);
	ok += run(&rb, 1, &c, 1000) == 1 && c.result == 0;
	ktap_check(ok == rounds + 2,
	           "after a successful link, %d [NOP | LINK] enters each run (%d)", rounds, ok);
	iris_ringbuf_destroy(&rb);
}

/*
 * Random batches of NOP, SLEEP, TIMEOUT, LINK_TIMEOUT and CANCEL with random
 * links: every submission completes exactly once. Returns the batches right.
 */
static int async_mix(struct iris_ringbuf *rb, uint64_t *seed, int rounds, long *subs)
{
	static const uint32_t ops[] = { SYS_NOP, SYS_SLEEP, SYS_TIMEOUT, SYS_LINK_TIMEOUT,
		                        SYS_CANCEL };
	int right = 0;
	for (int round = 0; round < rounds; round++) {
		int n = 1 + (int)(xorshift(seed) % 12);
		uint64_t base = (uint64_t)round << 8;
		for (int i = 0; i < n; i++) {
			uint64_t r = xorshift(seed);
			uint32_t nr = ops[r % 5];
			uint32_t flags = (r >> 8) % 3 == 0 ? IRIS_SQE_LINK : 0;
			uint64_t a0 = (r >> 16) % 3 == 0 ? 0 : (r >> 20) % (2 * MS);
			if (nr == SYS_CANCEL)
				a0 = base + (r >> 24) % (uint64_t)(n + 1); /* maybe unknown */
			push(rb, nr, flags, base + (uint64_t)i, a0, 0);
		}
		*subs += n;
		struct iris_cqe c[16];
		int got = run(rb, n, c, 3000);
		bool once = got == n;
		for (int i = 0; i < got; i++) {
			once &= c[i].user_data >= base && c[i].user_data < base + (uint64_t)n;
			for (int j = 0; j < i; j++)
				once &= c[i].user_data != c[j].user_data;
		}
		/* An open chain is closed by the next batch: end it so nothing carries over. */
		push(rb, SYS_NOP, 0, 0xffff, 0, 0);
		got = run(rb, 1, c, 1000);
		right += once && got == 1 && c[0].user_data == 0xffff;
	}
	return right;
}

static void test_async_mix(void)
{
	struct iris_ringbuf rb;
	if (iris_ringbuf_setup(&rb, 32, 0, 0) < 0)
		return;
	uint64_t seed = 0x1234567887654321ull;
	long subs = 0, t0 = now();
	int rounds = 300, right = async_mix(&rb, &seed, rounds, &subs);
	iris_ringbuf_destroy(&rb);
	ktap_check(right == rounds,
	           "%d random batches of links, timeouts and cancels (%ld submissions): each "
	           "completes exactly once (%d right, %ld ms)",
	           rounds, subs, right, (now() - t0) / MS);
}

/*
 * The child: an SQPOLL ring flooded with RING_SETUP, MAP and HANDLE_CLOSE
 * entries (and, in mode 1, SYS_KILL of itself) while the process ends.
 */
static int sqpoll_child(int mode, uint64_t seed)
{
	struct iris_ringbuf rb;
	if (iris_ringbuf_setup(&rb, 64, 0, IRIS_RING_SQPOLL) < 0)
		return 1;
	static struct iris_ring_params params;
	long self = sys_process_open((uint64_t)sys_process_self());
	long end = now() + (long)(xorshift(&seed) % 30) * MS;
	for (uint64_t i = 0; now() < end || mode == 2; i++) {
		while (iris_ringbuf_sq_space(&rb) > 0) {
			uint64_t r = xorshift(&seed);
			if (r % 3 == 0) {
				const uint64_t setup[6] = { 4, 0, 0, (uint64_t)&params };
				push6(&rb, SYS_RING_SETUP, 0, i, setup);
			} else if (r % 3 == 1) {
				const uint64_t map[6] = {
					0, 4096,         IRIS_PROT_READ | IRIS_PROT_WRITE,
					0, (uint64_t)-1, 0
				};
				push6(&rb, SYS_MAP, 0, i, map);
			} else {
				push(&rb, SYS_HANDLE_CLOSE, 0, i, (r >> 8) % 64, 0);
			}
			if (mode == 1 && r % 97 == 0 && self >= 0)
				push(&rb, SYS_KILL, 0, i, (uint64_t)self, 0);
		}
		iris_ringbuf_publish(&rb);
		struct iris_cqe c;
		while (iris_ringbuf_pop(&rb, &c))
			;
	}
	return 0; /* exits with the ring still busy */
}

static void test_sqpoll_teardown(void)
{
	struct baseline base = baseline_now();
	long t0 = now();
	int rounds = 30, ended = 0;
	for (int i = -rounds; i < rounds; i++) {
		if (i == 0) { /* a first round of the same size lets the kernel heap grow */
			back_to(&base);
			base = baseline_now();
			ended = 0;
		}
		int mode = (i + rounds) % 3;
		char line[64];
		snprintf(line, sizeof(line), "test_ring_safety child sqpoll %d %d", mode,
		         i + rounds);
		iris_handle_t c = iris_module_spawn("test_ring_safety", line);
		if (c < 0)
			continue;
		if (mode == 2) {
			sys_sleep((5 + (i + rounds) % 20) * MS);
			sys_kill(c);
		}
		struct iris_exit_info info;
		ended += sys_wait(c, &info, 0) == 0;
		sys_handle_close(c);
	}
	bool same = back_to(&base);
	ktap_check(ended == rounds && same,
	           "%d processes end (exit, SYS_KILL of itself on the ring, killed) while their "
	           "SQPOLL ring runs RING_SETUP/MAP/CLOSE: %d ended, %s (%ld ms)",
	           rounds, ended, describe(&base), (now() - t0) / MS);
}

/* Writes random words over the ring and its indices until told to stop. */
struct scribbler {
	struct iris_ringbuf *rb;
	volatile bool stop;
	long writes;
};

static void *scribble(void *arg)
{
	struct scribbler *s = arg;
	volatile uint64_t *words = s->rb->base;
	volatile struct iris_ring_header *h = s->rb->hdr;
	size_t nwords = s->rb->size / 8;
	uint64_t seed = 0xdeadbeefcafef00dull;
	while (!s->stop) {
		for (int i = 0; i < 200; i++, s->writes++) {
			uint64_t r = xorshift(&seed);
			if (r % 4 == 0)
				h->sq_tail = h->sq_head + (uint32_t)(r >> 32) % 200;
			else
				words[(r >> 16) % nwords] = xorshift(&seed);
		}
		sys_yield();
	}
	return NULL;
}

/* The honest side: submits mixes on the scribbled ring, never looks for its completions. */
static void *honest(void *arg)
{
	struct scribbler *s = arg;
	struct iris_ringbuf *rb = s->rb;
	uint64_t seed = 77;
	while (!s->stop) {
		uint64_t r = xorshift(&seed);
		push(rb, r % 2 ? SYS_TIMEOUT : SYS_NOP, r % 3 ? IRIS_SQE_LINK : 0, r, (r >> 8) % MS,
		     0);
		push(rb, SYS_CANCEL, 0, r + 1, r, 0);
		iris_ringbuf_publish(rb);
		struct iris_cqe c;
		while (iris_ringbuf_pop(rb, &c))
			;
		rb->sq_tail = rb->hdr->sq_head;
		rb->cq_head = rb->hdr->cq_tail;
		sys_yield();
	}
	return NULL;
}

static void test_sqpoll_scribbled(void)
{
	struct baseline base = baseline_now();
	struct iris_ringbuf rb, probe;
	if (iris_ringbuf_setup(&rb, 64, 0, IRIS_RING_SQPOLL) < 0 ||
	    iris_ringbuf_setup(&probe, 8, 0, 0) < 0)
		return;
	struct scribbler s = { .rb = &rb };
	pthread_t t[2];
	pthread_create(&t[0], NULL, scribble, &s);
	pthread_create(&t[1], NULL, honest, &s);
	long worst = 0, probes = 0;
	for (long t0 = now(); now() - t0 < 1500 * MS; probes++) {
		struct iris_cqe c;
		long p0 = now();
		push(&probe, SYS_SLEEP, 0, 1, MS, 0);
		if (run(&probe, 1, &c, 2000) != 1)
			worst = 999 * MS;
		if (now() - p0 > worst)
			worst = now() - p0;
	}
	s.stop = true;
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	iris_ringbuf_destroy(&rb);
	iris_ringbuf_destroy(&probe);
	ktap_check(worst < 500 * MS && back_to(&base),
	           "an SQPOLL ring scribbled beside an honest submitter for 1.5 s (%ld scribbles): "
	           "a 1 ms SLEEP elsewhere took at most %ld ms in %ld tries, the polling thread "
	           "ends",
	           s.writes, worst / MS, probes);
}

/* Maps, protects and unmaps memory until told to stop (the address-space lock, busy). */
static void *vm_churn(void *arg)
{
	volatile bool *stop = arg;
	while (!*stop) {
		long m = sys_map(NULL, 16 * 4096, IRIS_PROT_READ | IRIS_PROT_WRITE, 0, -1, 0);
		if (m < 0)
			continue;
		*(volatile char *)m = 1;
		sys_protect((void *)m, 16 * 4096, IRIS_PROT_READ);
		sys_unmap((void *)m, 16 * 4096);
	}
	return NULL;
}

/*
 * [SLEEP | LINK, PROTECT] while another thread of the process keeps the
 * address space busy: the PROTECT must never run from the timer interrupt
 * that ends the SLEEP (on top of a call holding the lock it needs).
 */
static void test_chain_from_interrupt(void)
{
	struct iris_ringbuf rb;
	if (iris_ringbuf_setup(&rb, 8, 0, 0) < 0)
		return;
	long page = sys_map(NULL, 4096, IRIS_PROT_READ | IRIS_PROT_WRITE, 0, -1, 0);
	volatile bool stop = false;
	pthread_t t[2];
	pthread_create(&t[0], NULL, vm_churn, (void *)&stop);
	pthread_create(&t[1], NULL, vm_churn, (void *)&stop);
	int rounds = 400, ok = 0;
	long t0 = now();
	for (int i = 0; i < rounds; i++) {
		struct iris_cqe c[2];
		push(&rb, SYS_SLEEP, IRIS_SQE_LINK, 1, (uint64_t)(i % 7) * 100 * 1000, 0);
		const uint64_t prot[6] = { (uint64_t)page, 4096, IRIS_PROT_READ | IRIS_PROT_WRITE };
		push6(&rb, SYS_PROTECT, 0, 2, prot);
		ok += run(&rb, 2, c, 2000) == 2 && result_of(c, 2, 1) == 0 &&
		      result_of(c, 2, 2) == 0;
	}
	stop = true;
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	iris_ringbuf_destroy(&rb);
	ktap_check(ok == rounds,
	           "%d chains [SLEEP | LINK, PROTECT] beside two threads mapping and protecting: "
	           "each PROTECT runs after its SLEEP, never from the timer (%d right, %ld ms)",
	           rounds, ok, (now() - t0) / MS);
}

/* A channel endpoint pair: [0] side 0, [1] side 1. */
static bool channel(iris_handle_t e[2], uint32_t slots)
{
	struct iris_channel_info info;
	long h = sys_channel_create(slots, &info);
	e[0] = (iris_handle_t)h;
	e[1] = info.peer;
	return h >= 0;
}

static void close_all(iris_handle_t *h, int n)
{
	for (int i = 0; i < n; i++)
		sys_handle_close(h[i]);
}

/*
 * Sends A's far end over B and B's over A (both orders); returns how many
 * were refused. With `leave`, every fourth pair stays open (for the exit).
 */
static int make_cycles(int count, bool leave)
{
	int refused = 0;
	for (int i = 0; i < count; i++) {
		iris_handle_t a[2], b[2];
		if (!channel(a, 4096) || !channel(b, 4096))
			continue;
		if (i % 2 == 0) {
			refused += sys_channel_send_handle(b[0], a[1], IRIS_RIGHTS_SAME) == -EBUSY;
			refused += sys_channel_send_handle(a[0], b[1], IRIS_RIGHTS_SAME) == -EBUSY;
		} else {
			refused += sys_channel_send_handle(a[0], b[1], IRIS_RIGHTS_SAME) == -EBUSY;
			refused += sys_channel_send_handle(b[0], a[1], IRIS_RIGHTS_SAME) == -EBUSY;
		}
		if (!leave || i % 4 != 3) {
			iris_handle_t all[4] = { a[0], a[1], b[0], b[1] };
			close_all(all, 4);
		}
	}
	return refused;
}

static void test_channel_cycles(void)
{
	struct baseline base = baseline_now();
	make_cycles(2, false);
	back_to(&base);
	base = baseline_now();
	long handles = sys_stat(IRIS_STAT_HANDLES);
	int refused = make_cycles(20, false);
	bool same = back_to(&base) && sys_stat(IRIS_STAT_HANDLES) == handles;
	ktap_check(refused == 20 && same,
	           "20 pairs of 4096-slot channels sent over each other: the closing send is "
	           "refused (EBUSY x %d), %s",
	           refused, describe(&base));

	iris_handle_t c = iris_module_spawn("test_ring_safety", "test_ring_safety child cycles");
	struct iris_exit_info info = { 0 };
	bool ran = c >= 0 && sys_wait(c, &info, 0) == 0 && info.code == 20;
	sys_handle_close(c);
	same = back_to(&base);
	ktap_check(ran && same, "a child tries 20 cycles and exits holding some: %s (status %d)",
	           describe(&base), (int)info.code);

	/* What the rule leaves allowed. */
	iris_handle_t a[2], b[2];
	long vmo = sys_vmo_create(4096);
	bool made = channel(a, 4) && channel(b, 4) && vmo >= 0;
	long with_vmo = sys_channel_send_handle(a[0], vmo, IRIS_RIGHTS_SAME);
	long travel = sys_channel_send_handle(b[0], a[1], IRIS_RIGHTS_SAME);
	long toward = sys_channel_send_handle(a[0], b[1], IRIS_RIGHTS_SAME);
	long got = sys_channel_recv_handle(b[1]);
	long arrived = sys_channel_send_handle(a[0], b[1], IRIS_RIGHTS_SAME);
	ktap_check(made && with_vmo == 0 && travel == 0 && toward == -EBUSY && got >= 0 &&
	                   arrived == 0,
	           "an endpoint with a memory object waiting travels (%ld); an endpoint toward one "
	           "on its way is refused (%ld) until it has arrived (%ld, then %ld)",
	           travel, toward, got, arrived);
	long leave = sys_channel_send_handle(b[0], (iris_handle_t)got, IRIS_RIGHTS_SAME);
	long vmo_back = sys_channel_recv_handle((iris_handle_t)got);
	ktap_check(leave == -EBUSY && vmo_back >= 0,
	           "an endpoint with an endpoint waiting to be received cannot travel (%ld); what "
	           "waits stays receivable (%ld)",
	           leave, vmo_back);
	iris_handle_t all[4] = { a[0], b[0], (iris_handle_t)got, (iris_handle_t)vmo_back };
	close_all(all, 4);
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "child") == 0 && strcmp(argv[2], "sqpoll") == 0)
		return sqpoll_child(atoi(argv[3]) % SQPOLL_SPINS,
		                    0x9e3779b97f4a7c15ull *
		                            (uint64_t)(argc > 4 ? atoi(argv[4]) + 1 : 1));
	if (argc >= 3 && strcmp(argv[1], "child") == 0 && strcmp(argv[2], "cycles") == 0) {
		int refused = make_cycles(20, true);
		return refused == 20 ? 20 : 1;
	}
	if (iris_modules_init() < 0) {
		printf("test_ring_safety: no boot modules\n");
		return 1;
	}
	ktap_plan(13);
	test_cancel_queued();
	test_link_after_failure();
	test_async_mix();
	test_sqpoll_teardown();
	test_sqpoll_scribbled();
	test_chain_from_interrupt();
	test_channel_cycles();
	return ktap_done();
}
