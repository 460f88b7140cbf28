/*
 * Output: every byte shown goes to the screen and to every OUTPUT sink
 * (the UART driver mirrors it to the serial port) as one-way OUTPUT
 * messages. While no sink is attached the kernel log (SYS_DEBUG_WRITE,
 * which reaches the serial port) stands in for them, so nothing is lost
 * before the UART driver is up or while it restarts.
 *
 * A sink's channel holds a few KiB; beyond that each sink has a backlog of
 * SINK_BACKLOG bytes, sent as the sink frees slots (a poll for OUT with the
 * channel's producer_waiting flag raised). While a backlog is above
 * SINK_HIGH, WRITEs wait (output_blocked; client.c holds them), so a
 * program writes at the pace of the slowest sink, as on a serial terminal.
 * Echo never waits: it may fill a backlog up to SINK_BACKLOG, and what
 * does not fit is dropped and counted. A sink that takes nothing for
 * SINK_STALL_NS while WRITEs wait is cut loose: its backlog is dropped and
 * it holds nobody back until it takes something again.
 *
 * Kernel log lines (kernlog.c) are shown whole and never inside the line
 * being typed: output keeps what was shown since the last '\n' (the
 * prompt and the typing, or a program's unfinished line); log lines then
 * start on the next row, and that row is drawn again below them.
 */
#include "console.h"
#include <errno.h>
#include <iris/sys.h>
#include <string.h>

#define TAIL_MAX 1024

static struct drv *drv;
static struct client *sinks[SINKS_MAX];
static unsigned nsinks;
static uint8_t backlogs[SINKS_MAX][SINK_BACKLOG];
static bool backlog_used[SINKS_MAX];
static struct drv_loop_watch stall_watch;
static char tail[TAIL_MAX]; /* shown since the last '\n' */
static size_t tail_len;
static bool tail_lost; /* more than TAIL_MAX bytes since the last '\n' */

static void stall_check(struct drv *d, struct drv_loop_watch *w, int64_t result);

void output_init(struct drv *d)
{
	drv = d;
	drv_loop_watch_init(&stall_watch, stall_check, NULL);
}

/* Appends to c's backlog what fits; the rest is dropped. */
static void backlog_add(struct sink *s, const char *p, size_t len)
{
	size_t room = SINK_BACKLOG - s->len;
	if (len > room) {
		s->dropped += len - room;
		len = room;
	}
	for (size_t i = 0; i < len; i++)
		s->buf[(s->head + s->len + i) % SINK_BACKLOG] = (uint8_t)p[i];
	s->len += (uint32_t)len;
}

static void space_ready(struct drv *d, struct drv_loop_watch *w, int64_t result);

/* Waits for a free slot in c's channel: raises producer_waiting so the sink notifies OUT. */
static void wait_space(struct client *c)
{
	if (c->sink.space.armed)
		return;
	__atomic_store_n(&c->chan.tx->producer_waiting, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (drv_loop_poll(drv, &c->sink.space, c->chan.endpoint, IRIS_POLL_OUT) < 0)
		client_close(c);
}

/* Sends c's backlog as OUTPUT messages while its channel has room. */
static void sink_flush(struct client *c)
{
	struct sink *s = &c->sink;
	struct {
		struct iris_rpc_hdr hdr;
		uint8_t data[CONSOLE_DATA_MAX];
	} m = { .hdr = { .id = 0, .op = CONSOLE_OP_OUTPUT } };
	while (s->len > 0) {
		uint32_t n = s->len < CONSOLE_DATA_MAX ? s->len : (uint32_t)CONSOLE_DATA_MAX;
		for (uint32_t i = 0; i < n; i++)
			m.data[i] = s->buf[(s->head + i) % SINK_BACKLOG];
		int r = iris_chan_try_send(&c->chan, &m, sizeof(m.hdr) + n, 0);
		if (r == -EAGAIN) {
			wait_space(c);
			return;
		}
		if (r < 0) {
			client_close(c); /* -EBADMSG: the sink scribbled over the queue */
			return;
		}
		s->head = (s->head + n) % SINK_BACKLOG;
		s->len -= n;
		s->sent += n;
		s->stalled = false;
	}
}

/* The sink freed slots (or is gone: its client's own watch sees that too). */
static void space_ready(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	struct client *c = w->arg;
	(void)d;
	if (c->state != CLIENT_OPEN) {
		client_reap(c);
		return;
	}
	__atomic_store_n(&c->chan.tx->producer_waiting, 0, __ATOMIC_RELAXED);
	if (result < 0 || (result & IRIS_POLL_HUP)) {
		c->sink.len = 0;
		client_close(c);
		return;
	}
	if (!c->sink.buf)
		return;
	sink_flush(c);
	if (!output_blocked())
		clients_resume();
}

/* Shows len bytes: on the screen, then to every sink (the kernel log when there is none). */
static void output_show(const char *s, size_t len)
{
	if (len == 0)
		return;
	screen_write(s, len);
	if (nsinks == 0) {
		while (len > 0) {
			long r = sys_debug_write(s, len);
			if (r <= 0)
				return;
			s += r;
			len -= (size_t)r;
		}
		return;
	}
	for (unsigned i = 0; i < nsinks; i++) {
		backlog_add(&sinks[i]->sink, s, len);
		sink_flush(sinks[i]);
	}
}

/* Keeps what is shown after the last '\n' (bells aside): the line a log line must not cut. */
static void tail_add(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n') {
			tail_len = 0;
			tail_lost = false;
		} else if (s[i] == '\a') {
			continue;
		} else if (tail_len < TAIL_MAX) {
			tail[tail_len++] = s[i];
		} else {
			tail_lost = true;
		}
	}
}

void output_write(const char *s, size_t len)
{
	output_show(s, len);
	tail_add(s, len);
}

/*
 * Whether drawing the tail again, from the start of a fresh row, leaves the
 * row as it was: the tail holds text, carriage returns, backspaces, tabs,
 * and no escape sequence but cursor moves left or right, erasing to the end
 * of the row, and colours (a screen clear or a move up is not replayed).
 */
static bool tail_replayable(void)
{
	for (size_t i = 0; i < tail_len; i++) {
		if (tail[i] != '\033')
			continue;
		if (++i >= tail_len || tail[i] != '[')
			return false;
		while (++i < tail_len && ((tail[i] >= '0' && tail[i] <= '9') || tail[i] == ';'))
			;
		if (i >= tail_len ||
		    (tail[i] != 'C' && tail[i] != 'D' && tail[i] != 'K' && tail[i] != 'm'))
			return false;
	}
	return true;
}

void output_log(const char *s, size_t len)
{
	if (tail_len == 0 && !tail_lost) {
		output_show(s, len);
		return;
	}
	/* The row being typed stays as it is; the log starts below it, then the row again. */
	output_show("\n", 1);
	output_show(s, len);
	if (tail_lost || !tail_replayable()) {
		tail_len = 0; /* typing goes on at the start of a fresh row */
		tail_lost = false;
		return;
	}
	output_show(tail, tail_len);
}

unsigned output_log_sinks(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < nsinks; i++)
		if (sinks[i]->attach & CONSOLE_ATTACH_LOG)
			n++;
	return n;
}

/* Arms the stall timer, noting how far each sink has got. */
static void stall_arm(void)
{
	if (stall_watch.armed)
		return;
	for (unsigned i = 0; i < nsinks; i++)
		sinks[i]->sink.sent_check = sinks[i]->sink.sent;
	drv_loop_timer(drv, &stall_watch, SINK_STALL_NS);
}

bool output_blocked(void)
{
	for (unsigned i = 0; i < nsinks; i++) {
		const struct sink *s = &sinks[i]->sink;
		if (!s->stalled && s->len > SINK_HIGH) {
			stall_arm();
			return true;
		}
	}
	return false;
}

/* The stall timer: a blocking sink that sent nothing since it was armed is cut loose. */
static void stall_check(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	(void)w;
	(void)result;
	for (unsigned i = 0; i < nsinks; i++) {
		struct sink *s = &sinks[i]->sink;
		if (s->stalled || s->len <= SINK_HIGH || s->sent != s->sent_check)
			continue;
		s->dropped += s->len;
		s->head = s->len = 0;
		s->stalled = true;
		drv_log(d, "an output sink took nothing for %lld ms: cut loose (%llu bytes lost)",
		        SINK_STALL_NS / 1000000, (unsigned long long)s->dropped);
	}
	if (!output_blocked())
		clients_resume();
}

int output_sink_add(struct client *c)
{
	if (c->sink.buf)
		return 0;
	unsigned b = 0;
	while (b < SINKS_MAX && backlog_used[b])
		b++;
	if (b == SINKS_MAX || nsinks == SINKS_MAX)
		return -ENOSPC;
	backlog_used[b] = true;
	c->sink = (struct sink){ .buf = backlogs[b] };
	drv_loop_watch_init(&c->sink.space, space_ready, c);
	sinks[nsinks++] = c;
	return 0;
}

void output_sink_remove(struct client *c)
{
	if (!c->sink.buf)
		return;
	backlog_used[(c->sink.buf - &backlogs[0][0]) / SINK_BACKLOG] = false;
	c->sink.buf = NULL;
	c->sink.len = 0;
	for (unsigned i = 0; i < nsinks; i++) {
		if (sinks[i] == c) {
			sinks[i] = sinks[--nsinks];
			break;
		}
	}
	drv_loop_cancel(drv, &c->sink.space);
	kernlog_update();
	if (!output_blocked())
		clients_resume();
}
