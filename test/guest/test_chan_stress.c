/*
 * Channel stress (KTAP), meant for -smp 2: the channel library (iris/chan.h)
 * between this program and a child process that gets its end of the channel
 * as an initial handle (`test_chan_stress child MODE`):
 *   stream:   a million checksummed messages one way, the child answers with
 *             its checksum; kernel entries (notifies + sleeps) per message;
 *   slow:     a full queue and back-pressure (the producer blocks, resumes,
 *             loses nothing);
 *   sink/die: the peer killed, or dying, in the middle: blocking send and
 *             receive return -EPIPE promptly;
 *   hostile:  the child scribbles over the channel memory while this side
 *             receives: only valid results, no crash, the kernel survives.
 *
 *   test_chan_stress [COUNT]     (COUNT: messages of the stream, 1,000,000)
 */
#include "ktap.h"
#include <errno.h>
#include <iris/chan.h>
#include <iris/modules.h>
#include <iris/startup.h>
#include <iris/sys.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define STREAM_COUNT  1000000
#define STREAM_SLOTS  256
#define STREAM_BUDGET 25000000000ll /* ns: the stream stops early (and says so) after this */
#define SLOW_COUNT    200
#define SLOW_SLOTS    4
#define MS            1000000ll
#define PROMPT        (2000 * MS) /* what "promptly" means for -EPIPE */
#define FLAG_END      1           /* the last message: answer with a struct report */

struct report {
	uint64_t count, checksum, bad_seq, notifies, waits;
};

/* The payload of message `seq`: a sequence number, then words derived from it. */
static size_t make_msg(uint64_t seq, uint64_t *words)
{
	size_t n = 1 + seq % 14; /* 16 to 120 bytes */
	uint64_t x = seq * 0x9e3779b97f4a7c15ull + 1;
	words[0] = seq;
	for (size_t i = 1; i <= n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		words[i] = x;
	}
	return (n + 1) * sizeof(uint64_t);
}

static uint64_t checksum(uint64_t h, const uint64_t *words, size_t len)
{
	h = (h ^ len) * 0x100000001b3ull;
	for (size_t i = 0; i < len / sizeof(uint64_t); i++)
		h = (h ^ words[i]) * 0x100000001b3ull;
	return h;
}

static int64_t now_ns(void)
{
	return sys_clock_get(IRIS_CLOCK_MONOTONIC);
}

/* --- the child ------------------------------------------------------------------------------ */

/* Receives until FLAG_END, checking sequence numbers; sleeps 1 ms every `pause` messages. */
static int child_consume(struct iris_chan *c, unsigned pause)
{
	uint64_t words[IRIS_CHANNEL_MSG_MAX / 8];
	struct report rep = { 0 };
	struct iris_msg_meta meta;
	rep.checksum = 0xcbf29ce484222325ull;
	for (;;) {
		int n = iris_chan_recv(c, words, sizeof(words), &meta, IRIS_CHAN_FOREVER);
		if (n < 0)
			return 20;
		if (meta.flags & FLAG_END)
			break;
		if (n < 8 || words[0] != rep.count)
			rep.bad_seq++;
		rep.checksum = checksum(rep.checksum, words, (size_t)n);
		rep.count++;
		if (pause && rep.count % pause == 0)
			sys_sleep(MS);
	}
	rep.notifies = __atomic_load_n(&c->notifies, __ATOMIC_RELAXED);
	rep.waits = __atomic_load_n(&c->waits, __ATOMIC_RELAXED);
	return iris_chan_send(c, &rep, sizeof(rep), FLAG_END, IRIS_CHAN_FOREVER) < 0 ? 21 : 0;
}

/* Writes random values all over the channel memory, ignoring the protocol. */
static int child_hostile(struct iris_chan *c)
{
	uint32_t *mem = c->base;
	size_t words = c->size / sizeof(uint32_t);
	uint64_t x = 88172645463325252ull;
	for (long i = 0; i < 2000000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint32_t v = (uint32_t)(x >> 32);
		switch (i % 8) {
		case 0: /* an index: near the real one or wild */
			__atomic_store_n(&c->rx->tail + (x & 16), (x & 1) ? v : v % 8,
			                 __ATOMIC_RELAXED);
			break;
		case 1:
			__atomic_store_n(&c->tx->tail, (x & 2) ? v : c->tx_tail + v % 512,
			                 __ATOMIC_RELEASE);
			break;
		default:
			__atomic_store_n(&mem[x % words], v, __ATOMIC_RELAXED);
		}
	}
	return 0;
}

static int child(const char *mode)
{
	struct iris_chan c;
	/* Our channel end is the last initial handle. */
	if (iris_chan_open(&c, iris_handle_get(iris_handle_count() - 1)) < 0)
		return 10;
	if (strcmp(mode, "stream") == 0)
		return child_consume(&c, 0);
	if (strcmp(mode, "slow") == 0) {
		sys_sleep(50 * MS); /* the parent fills the queue meanwhile */
		return child_consume(&c, 10);
	}
	if (strcmp(mode, "sink") == 0)
		return child_consume(&c, 16); /* until killed */
	if (strcmp(mode, "die") == 0) {
		sys_sleep(50 * MS); /* the parent blocks meanwhile; then the end closes with us */
		return 0;
	}
	if (strcmp(mode, "hostile") == 0)
		return child_hostile(&c);
	return 11;
}

/* --- the parent ----------------------------------------------------------------------------- */

/* Spawns `test_chan_stress child MODE` with the peer end of a new channel; 0 or -1. */
static int spawn(const char *mode, uint32_t slots, struct iris_chan *c, iris_handle_t *proc)
{
	struct iris_channel_info info;
	long h = sys_channel_create(slots, &info);
	if (h < 0)
		return -1;
	if (iris_chan_open(c, (iris_handle_t)h) < 0) {
		sys_handle_close((iris_handle_t)h);
		sys_handle_close(info.peer);
		return -1;
	}
	char line[64];
	snprintf(line, sizeof(line), "test_chan_stress child %s", mode);
	long p = iris_module_spawn_handles("test_chan_stress", line, &info.peer, 1);
	sys_handle_close(info.peer);
	if (p < 0) {
		iris_chan_close(c);
		return -1;
	}
	*proc = (iris_handle_t)p;
	return 0;
}

/* Waits for the child; returns its exit code, or -1 if it did not exit by itself. */
static int reap(iris_handle_t proc)
{
	struct iris_exit_info ei;
	int r = sys_wait(proc, &ei, 0) == 0 && ei.reason == IRIS_EXIT_CODE ? (int)ei.code : -1;
	sys_handle_close(proc);
	return r;
}

/* Sends the end marker and receives the child's report; 0 or -1. */
static int finish(struct iris_chan *c, struct report *rep)
{
	struct iris_msg_meta meta;
	if (iris_chan_send(c, NULL, 0, FLAG_END, 10000 * MS) < 0)
		return -1;
	int n = iris_chan_recv(c, rep, sizeof(*rep), &meta, 10000 * MS);
	return n == (int)sizeof(*rep) && (meta.flags & FLAG_END) ? 0 : -1;
}

static void test_stream(long count)
{
	struct iris_chan c;
	iris_handle_t proc;
	uint64_t words[IRIS_CHANNEL_MSG_MAX / 8];
	uint64_t sum = 0xcbf29ce484222325ull;
	int ok = spawn("stream", STREAM_SLOTS, &c, &proc) == 0;
	ktap_check(ok, "spawn a child with a %u-slot channel end", STREAM_SLOTS);
	if (!ok) {
		ktap_check(false, "stream (no child)");
		ktap_check(false, "kernel entries (no child)");
		ktap_check(false, "child exit (no child)");
		return;
	}
	int64_t start = now_ns();
	long sent = 0;
	int err = 0;
	for (; sent < count; sent++) {
		size_t len = make_msg((uint64_t)sent, words);
		err = iris_chan_send(&c, words, len, 0, 10000 * MS);
		if (err < 0)
			break;
		sum = checksum(sum, words, len);
		if ((sent & 4095) == 4095 && now_ns() - start > STREAM_BUDGET) {
			sent++;
			printf("# stream cut short at %ld of %ld messages: over the %lld s "
			       "budget\n",
			       sent, count, STREAM_BUDGET / 1000000000ll);
			break;
		}
	}
	struct report rep = { 0 };
	int done = err >= 0 && finish(&c, &rep) == 0;
	int64_t ns = now_ns() - start;
	if (!done)
		printf("# stream: send %d after %ld messages\n", err, sent);
	ktap_check(done && rep.count == (uint64_t)sent && rep.checksum == sum && !rep.bad_seq,
	           "%ld messages parent -> child, checksums match (child %lu, bad %lu)", sent,
	           (unsigned long)rep.count, (unsigned long)rep.bad_seq);
	uint64_t entries = c.notifies + c.waits + rep.notifies + rep.waits;
	uint64_t per_million = sent ? entries * 1000000 / (uint64_t)sent : 0;
	printf("# stream: %ld messages in %lld ms; kernel entries: notifies %lu + %lu, sleeps "
	       "%lu + %lu (parent + child) = %lu.%06lu per message\n",
	       sent, (long long)(ns / MS), (unsigned long)c.notifies, (unsigned long)rep.notifies,
	       (unsigned long)c.waits, (unsigned long)rep.waits,
	       (unsigned long)(per_million / 1000000), (unsigned long)(per_million % 1000000));
	/*
	 * Bounded, not yet "far below 1": when the two sides fall into step
	 * (fill, sleep, drain, sleep) a sleeper is notified once per message until
	 * it runs again. See docs/channels.md, "Known gaps".
	 */
	ktap_check(done && per_million < 4000000,
	           "kernel entries per message bounded (under 4): %lu.%06lu",
	           (unsigned long)(per_million / 1000000), (unsigned long)(per_million % 1000000));
	iris_chan_close(&c);
	ktap_check(reap(proc) == 0, "the stream child exits with 0");
}

static void test_backpressure(void)
{
	struct iris_chan c;
	iris_handle_t proc;
	uint64_t words[IRIS_CHANNEL_MSG_MAX / 8];
	uint64_t sum = 0xcbf29ce484222325ull;
	if (spawn("slow", SLOW_SLOTS, &c, &proc) < 0) {
		ktap_check(false, "full queue (no child)");
		ktap_check(false, "back-pressure (no child)");
		return;
	}
	/* The child sleeps 50 ms before it reads: the queue fills. */
	uint64_t seq = 0;
	int r = 0;
	while (seq < 64) {
		size_t len = make_msg(seq, words);
		r = iris_chan_try_send(&c, words, len, 0);
		if (r < 0)
			break;
		sum = checksum(sum, words, len);
		seq++;
	}
	ktap_check(r == -EAGAIN && seq == SLOW_SLOTS,
	           "full queue: try_send gives -EAGAIN after %u messages (%lu, %d)", SLOW_SLOTS,
	           (unsigned long)seq, r);
	for (; seq < SLOW_COUNT; seq++) {
		size_t len = make_msg(seq, words);
		r = iris_chan_send(&c, words, len, 0, 10000 * MS);
		if (r < 0)
			break;
		sum = checksum(sum, words, len);
	}
	struct report rep = { 0 };
	int done = r >= 0 && finish(&c, &rep) == 0;
	uint64_t waits = c.waits;
	iris_chan_close(&c);
	int code = reap(proc);
	ktap_check(done && waits > 0 && rep.count == SLOW_COUNT && rep.checksum == sum &&
	                   !rep.bad_seq && code == 0,
	           "slow consumer: the producer slept %lu times, all %d messages arrived intact",
	           (unsigned long)waits, SLOW_COUNT);
}

static void test_peer_death(void)
{
	struct iris_chan c;
	iris_handle_t proc;
	uint64_t words[IRIS_CHANNEL_MSG_MAX / 8];

	/* Killed in the middle of a stream. */
	if (spawn("sink", SLOW_SLOTS, &c, &proc) == 0) {
		int r = 0;
		for (uint64_t seq = 0; seq < 100 && r >= 0; seq++)
			r = iris_chan_send(&c, words, make_msg(seq, words), 0, 10000 * MS);
		sys_kill(proc);
		int64_t t0 = now_ns();
		int sr = 0;
		for (int i = 0; i < 2 * SLOW_SLOTS && sr >= 0; i++)
			sr = iris_chan_send(&c, words, make_msg(0, words), 0, 10000 * MS);
		int64_t t1 = now_ns();
		int rr = iris_chan_recv(&c, words, sizeof(words), NULL, 10000 * MS);
		int64_t t2 = now_ns();
		ktap_check(r >= 0 && sr == -EPIPE && t1 - t0 < PROMPT,
		           "child killed mid-stream: blocking send gives -EPIPE in %lld ms (%d)",
		           (long long)((t1 - t0) / MS), sr);
		ktap_check(rr == -EPIPE && t2 - t1 < PROMPT,
		           "child killed mid-stream: blocking recv gives -EPIPE in %lld ms (%d)",
		           (long long)((t2 - t1) / MS), rr);
		iris_chan_close(&c);
		reap(proc);
	} else {
		ktap_check(false, "kill mid-stream (no child)");
		ktap_check(false, "kill mid-stream (no child)");
	}

	/* Dies while this side sleeps in recv, then in send. */
	if (spawn("die", SLOW_SLOTS, &c, &proc) == 0) {
		for (uint64_t seq = 0; seq < SLOW_SLOTS; seq++)
			iris_chan_try_send(&c, words, make_msg(seq, words), 0);
		int64_t t0 = now_ns();
		int rr = iris_chan_recv(&c, words, sizeof(words), NULL, 10000 * MS);
		int64_t t1 = now_ns();
		int sr = iris_chan_send(&c, words, 8, 0, 10000 * MS); /* the queue is still full */
		int64_t t2 = now_ns();
		ktap_check(rr == -EPIPE && t1 - t0 < PROMPT,
		           "peer exits while we sleep in recv: -EPIPE after %lld ms (%d)",
		           (long long)((t1 - t0) / MS), rr);
		ktap_check(sr == -EPIPE && t2 - t1 < PROMPT,
		           "send on a full queue to a dead peer: -EPIPE after %lld ms (%d)",
		           (long long)((t2 - t1) / MS), sr);
		iris_chan_close(&c);
		reap(proc);
	} else {
		ktap_check(false, "peer exit (no child)");
		ktap_check(false, "peer exit (no child)");
	}
}

static void test_hostile(void)
{
	struct iris_chan c;
	iris_handle_t proc;
	uint64_t words[IRIS_CHANNEL_MSG_MAX / 8];
	if (spawn("hostile", 16, &c, &proc) < 0) {
		ktap_check(false, "hostile peer (no child)");
		ktap_check(false, "hostile peer HUP (no child)");
		return;
	}
	long got = 0, badmsg = 0, other = 0, invalid = 0, sends = 0, iterations = 0;
	struct iris_exit_info ei;
	int64_t start = now_ns();
	for (;; iterations++) {
		struct iris_msg_meta meta;
		int r = iris_chan_try_recv(&c, words, sizeof(words), &meta);
		if (r >= 0) {
			got++;
			if (r > IRIS_CHANNEL_MSG_MAX || meta.len != (uint32_t)r)
				invalid++;
		} else if (r == -EBADMSG) {
			badmsg++;
		} else if (r == -EAGAIN || r == -EMSGSIZE) {
			other++;
		} else {
			invalid++;
		}
		int s = iris_chan_try_send(&c, words, make_msg((uint64_t)iterations, words), 0);
		if (s == 0)
			sends++;
		else if (s != -EAGAIN && s != -EBADMSG)
			invalid++;
		if ((iterations & 255) == 0) {
			if (sys_wait(proc, &ei, IRIS_WAIT_NOHANG) == 0)
				break;
			if (now_ns() - start > 20000 * MS) {
				sys_kill(proc);
				break;
			}
		}
	}
	printf("# hostile: %ld rounds: %ld messages taken, %ld -EBADMSG, %ld -EAGAIN/-EMSGSIZE, "
	       "%ld sends accepted, %ld invalid\n",
	       iterations, got, badmsg, other, sends, invalid);
	/* A blocking receive after the scribbler died: ends (a -EBADMSG or -EPIPE), never hangs. */
	int rr = iris_chan_recv(&c, words, sizeof(words), NULL, 2000 * MS);
	ktap_check(!invalid && (rr == -EPIPE || rr == -EBADMSG || rr == -EMSGSIZE || rr >= 0),
	           "hostile peer scribbling over the channel: only valid results (last recv %d)",
	           rr);
	long ev = sys_poll(c.endpoint, IRIS_POLL_HUP, 0);
	iris_chan_close(&c);
	reap(proc);
	ktap_check(ev >= 0 && (ev & IRIS_POLL_HUP) && sys_echo(4242) == 4242,
	           "after the hostile peer: HUP reported, the kernel still answers sys_echo");
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "child") == 0)
		return child(argv[2]);
	long count = argc > 1 ? atol(argv[1]) : STREAM_COUNT;
	if (count <= 0)
		count = STREAM_COUNT;
	if (iris_modules_init() < 0)
		return 1;
	ktap_plan(12);
	test_stream(count);
	test_backpressure();
	test_peer_death();
	test_hostile();
	return ktap_done();
}
