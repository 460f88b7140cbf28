/*
 * The kernel side of channels (KTAP): creation, the shared layout, POLL and
 * NOTIFY, handle transfer with reduced rights, peer-closed, garbage indices,
 * and a ping-pong with a child process. Raw system calls and hand-written
 * queue operations only, so the kernel is tested apart from libc's library.
 * The child is this program: `test_channel child`.
 */
#include "ktap.h"
#include <errno.h>
#include <iris/abi/channel.h>
#include <iris/modules.h>
#include <iris/startup.h>
#include <iris/sys.h>
#include <stdint.h>
#include <string.h>

#define IN  IRIS_POLL_IN
#define OUT IRIS_POLL_OUT
#define HUP IRIS_POLL_HUP

struct end {
	iris_handle_t h;
	struct iris_channel_info info;
	uint8_t *mem;
};

static long poll_now(iris_handle_t h, unsigned events)
{
	/* A try-now poll: a ring with the POLL linked to a link timeout of 0. */
	long r = sys_poll(h, events, 0);
	return r;
}

static int open_end(struct end *e, iris_handle_t h)
{
	e->h = h;
	if (sys_channel_info(h, &e->info) < 0)
		return -1;
	long m = sys_map(NULL, e->info.size, IRIS_PROT_READ | IRIS_PROT_WRITE, 0, h, 0);
	if (m < 0)
		return -1;
	e->mem = (uint8_t *)m;
	return 0;
}

static struct iris_chanq *q(struct end *e, unsigned which)
{
	return &((struct iris_channel_header *)e->mem)->queue[which];
}

/* Sends one message by hand; 0, or -1 when the queue is full. */
static int send_msg(struct end *e, const char *text)
{
	struct iris_chanq *cq = q(e, e->info.side);
	uint32_t tail = cq->tail, head = __atomic_load_n(&cq->head, __ATOMIC_ACQUIRE);
	if (tail - head >= e->info.slots)
		return -1;
	struct iris_msg *m =
	        (struct iris_msg *)(e->mem + e->info.queue_offset[e->info.side] +
	                            (tail & (e->info.slots - 1)) * IRIS_CHANNEL_SLOT_SIZE);
	m->len = (uint32_t)strlen(text) + 1;
	m->handles = 0;
	memcpy(m->data, text, m->len);
	__atomic_store_n(&cq->tail, tail + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&cq->consumer_sleeping, __ATOMIC_RELAXED))
		sys_channel_notify(e->h, IN);
	return 0;
}

/* Receives one message by hand, waiting (with a sleeping flag and a blocking poll) if needed. */
static int recv_msg(struct end *e, char *buf, size_t cap)
{
	unsigned side = 1 - e->info.side;
	struct iris_chanq *cq = q(e, side);
	for (;;) {
		uint32_t head = cq->head, tail = __atomic_load_n(&cq->tail, __ATOMIC_ACQUIRE);
		if (tail != head) {
			struct iris_msg *m =
			        (struct iris_msg *)(e->mem + e->info.queue_offset[side] +
			                            (head & (e->info.slots - 1)) *
			                                    IRIS_CHANNEL_SLOT_SIZE);
			size_t n = m->len < cap ? m->len : cap;
			memcpy(buf, m->data, n);
			__atomic_store_n(&cq->head, head + 1, __ATOMIC_RELEASE);
			return (int)n;
		}
		__atomic_store_n(&cq->consumer_sleeping, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&cq->tail, __ATOMIC_SEQ_CST) == head) {
			long r = sys_poll(e->h, IN | HUP, 0);
			if (r < 0 || (r & HUP && !(r & IN)))
				return -1;
		}
		__atomic_store_n(&cq->consumer_sleeping, 0, __ATOMIC_RELAXED);
	}
}

static int child(void)
{
	/* Our channel end is the last initial handle. */
	struct end e;
	char buf[64];
	if (open_end(&e, iris_handle_get(iris_handle_count() - 1)) < 0)
		return 10;
	for (int i = 0; i < 1000; i++) {
		if (recv_msg(&e, buf, sizeof(buf)) < 0)
			return 11;
		buf[1] = 'o'; /* ping -> pong */
		if (send_msg(&e, buf) < 0)
			return 12;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "child") == 0)
		return child();
	if (iris_modules_init() < 0)
		return 1;
	ktap_plan(19);

	struct iris_channel_info info;
	ktap_check(sys_channel_create(IRIS_CHANNEL_SLOTS_MAX + 1, &info) == -EINVAL,
	           "create with too many slots: EINVAL");
	ktap_check(sys_channel_create(4, (void *)0xffff800000000000ull) == -EFAULT,
	           "create into kernel memory: EFAULT");
	/* The channel is made before the copy-out faults: neither endpoint may be left open. */
	long ro = sys_map(NULL, 4096, IRIS_PROT_READ, 0, IRIS_HANDLE_INVALID, 0);
	long handles = sys_stat(IRIS_STAT_HANDLES);
	ktap_check(ro > 0 && sys_channel_create(4, (void *)ro) == -EFAULT &&
	                   sys_stat(IRIS_STAT_HANDLES) == handles &&
	                   sys_unmap((void *)ro, 4096) == 0,
	           "create into read-only memory: EFAULT, no handle left");
	long h0 = sys_channel_create(5, &info);
	struct end a, b;
	ktap_check(h0 > 0 && info.peer > 0 && info.slots == 8 && info.side == 0,
	           "create: two endpoints, slots rounded up to 8");
	ktap_check(open_end(&a, (iris_handle_t)h0) == 0 && open_end(&b, info.peer) == 0 &&
	                   b.info.side == 1 && a.info.size == b.info.size,
	           "info and map both ends");

	ktap_check(poll_now(b.h, OUT) == OUT, "an empty queue: OUT is ready at once");
	send_msg(&a, "hello");
	ktap_check(sys_poll(b.h, IN, 0) == IN, "after a send the peer polls IN (level)");
	char buf[64];
	ktap_check(recv_msg(&b, buf, sizeof(buf)) == 6 && strcmp(buf, "hello") == 0,
	           "the message arrives through the shared memory");
	ktap_check(sys_channel_notify(a.h, 0x80) == -EINVAL && sys_channel_notify(12345, IN) < 0,
	           "notify refuses bad events and handles");

	/* Handle transfer with reduced rights. */
	long v = sys_vmo_create(4096);
	ktap_check(sys_channel_send_handle(a.h, (iris_handle_t)v,
	                                   IRIS_RIGHT_READ | IRIS_RIGHT_MAP |
	                                           IRIS_RIGHT_TRANSFER) == 0 &&
	                   sys_vmo_size((iris_handle_t)v) == -EBADF,
	           "send a handle: it moves (the sender's is closed)");
	long got = sys_channel_recv_handle(b.h);
	ktap_check(got > 0 && sys_vmo_size((iris_handle_t)got) == 4096 &&
	                   sys_map(NULL, 4096, IRIS_PROT_READ | IRIS_PROT_WRITE, 0,
	                           (iris_handle_t)got, 0) == -EPERM,
	           "the receiver gets it with the reduced rights only");
	ktap_check(sys_channel_recv_handle(b.h) == -EAGAIN, "nothing more to receive: EAGAIN");
	ktap_check(sys_channel_send_handle(a.h, a.h, IRIS_RIGHTS_SAME) == -EINVAL &&
	                   sys_channel_send_handle(a.h, b.h, IRIS_RIGHTS_SAME) == -EINVAL,
	           "a channel cannot carry its own endpoints");

	/* The handle queue holds IRIS_CHANNEL_HANDLES_MAX, no more; they come out in order. */
	long sent[IRIS_CHANNEL_HANDLES_MAX];
	int queued = 0, in_order = 0;
	for (int i = 0; i < IRIS_CHANNEL_HANDLES_MAX; i++) {
		sent[i] = sys_vmo_create(4096 * (uint64_t)(i + 1));
		queued +=
		        sys_channel_send_handle(a.h, (iris_handle_t)sent[i], IRIS_RIGHTS_SAME) == 0;
	}
	long extra = sys_vmo_create(4096);
	bool full = sys_channel_send_handle(a.h, (iris_handle_t)extra, IRIS_RIGHTS_SAME) == -ENOSPC;
	sys_handle_close((iris_handle_t)extra);
	for (int i = 0; i < IRIS_CHANNEL_HANDLES_MAX; i++) {
		long r = sys_channel_recv_handle(b.h);
		in_order += r > 0 && sys_vmo_size((iris_handle_t)r) == 4096 * (i + 1);
		if (r > 0)
			sys_handle_close((iris_handle_t)r);
	}
	ktap_check(queued == IRIS_CHANNEL_HANDLES_MAX && full &&
	                   in_order == IRIS_CHANNEL_HANDLES_MAX &&
	                   sys_channel_recv_handle(b.h) == -EAGAIN,
	           "%d handles in flight, then ENOSPC; all received in order (%d)",
	           IRIS_CHANNEL_HANDLES_MAX, in_order);

	/* Garbage in the shared indices: the kernel stays sane. */
	q(&a, 0)->tail = 0xdeadbeef;
	ktap_check(sys_poll(b.h, IN, 0) == IN && sys_echo(3) == 3, "wild indices: no crash");
	q(&a, 0)->tail = q(&a, 0)->head;

	/* Peer closed. */
	sys_handle_close(a.h);
	ktap_check(sys_poll(b.h, HUP, 0) == HUP, "the peer's last handle closed: HUP");
	long v2 = sys_vmo_create(4096);
	ktap_check(sys_channel_send_handle(b.h, (iris_handle_t)v2, IRIS_RIGHTS_SAME) == -EPIPE,
	           "sending a handle to a closed peer: EPIPE");
	sys_handle_close(b.h);

	/* Ping-pong with a child process, which gets one end at spawn. */
	h0 = sys_channel_create(16, &info);
	open_end(&a, (iris_handle_t)h0);

	/* The child gets the peer end after the module handles (its last initial handle). */
	long child_h =
	        iris_module_spawn_handles("test_channel", "test_channel child", &info.peer, 1);
	sys_handle_close(info.peer);
	int ok = child_h > 0;
	for (int i = 0; ok && i < 1000; i++) {
		ok = send_msg(&a, "ping") == 0 && recv_msg(&a, buf, sizeof(buf)) == 5 &&
		     strcmp(buf, "pong") == 0;
	}
	struct iris_exit_info ei;
	if (!ok && child_h > 0)
		sys_kill((iris_handle_t)child_h); /* do not leave it waiting for us */
	ktap_check(ok && sys_wait((iris_handle_t)child_h, &ei, 0) == 0 &&
	                   ei.reason == IRIS_EXIT_CODE && ei.code == 0,
	           "1,000 ping-pongs with a child process (blocking wake-ups)");
	ktap_check(sys_poll(a.h, HUP, 0) == HUP, "the child's death closes its end: HUP");
	sys_handle_close(a.h);
	return ktap_done();
}
