/*
 * The console link (conlink.h). The channel is watched only while it is
 * open; it is closed only from its own watch's function (when that watch is
 * not armed), so no completion ever names a closed channel. The retry and
 * flush timers are one-shot watches like any other.
 */
#include <driver/conlink.h>
#include <errno.h>
#include <iris/ns.h>
#include <iris/proto/rpc.h>
#include <iris/sys.h>
#include <string.h>

#define RETRY_FIRST_NS 20000000ull   /* 20 ms */
#define RETRY_MAX_NS   1000000000ull /* 1 s */
#define FLUSH_NS       5000000ull    /* a full channel: try the input again after 5 ms */
#define ATTACH_ID      1

/* Looks the console up again after the current delay, then doubles the delay. */
static void link_retry_later(struct drv_conlink *l)
{
	if (drv_loop_timer(l->d, &l->retry_watch, l->retry_ns) < 0)
		drv_error(l->d, "cannot arm a timer: the console link stops");
	l->retry_ns = l->retry_ns * 2 > RETRY_MAX_NS ? RETRY_MAX_NS : l->retry_ns * 2;
}

/* Closes the channel (its watch is not armed) and starts looking the console up again. */
static void link_lost(struct drv_conlink *l, const char *why, int err)
{
	iris_chan_close(&l->chan);
	l->attached = false;
	l->stalled = false;
	l->retry_ns = RETRY_FIRST_NS;
	drv_log(l->d, "the console %s (%s): looking for it again", why, strerror(-err));
	l->waiting_told = true;
	link_retry_later(l);
}

/* Handles one message from the server: the reply to ATTACH, or OUTPUT. */
static void link_message(struct drv_conlink *l, const uint8_t *buf,
                         const struct iris_msg_meta *meta)
{
	struct iris_rpc_hdr hdr;
	if (meta->len < sizeof(hdr))
		return;
	memcpy(&hdr, buf, sizeof(hdr));
	const uint8_t *data = buf + sizeof(hdr);
	size_t len = meta->len - sizeof(hdr);
	if (meta->flags & IRIS_RPC_REPLY) {
		if (hdr.id != ATTACH_ID || hdr.op != CONSOLE_OP_ATTACH || l->attached)
			return;
		if (hdr.status < 0) {
			drv_log(l->d, "the console refused ATTACH (%s)", strerror(-hdr.status));
			return;
		}
		l->attached = true;
		l->retry_ns = RETRY_FIRST_NS;
		drv_debug(l->d, "attached to the console as%s%s%s",
		          (l->flags & CONSOLE_ATTACH_INPUT) ? " an input source" : "",
		          (l->flags & CONSOLE_ATTACH_INPUT) && (l->flags & CONSOLE_ATTACH_OUTPUT)
		                  ? " and"
		                  : "",
		          (l->flags & CONSOLE_ATTACH_OUTPUT) ? " an output sink" : "");
		drv_conlink_flush(l);
		return;
	}
	if (hdr.op == CONSOLE_OP_OUTPUT && l->output && len)
		l->output(l, data, len);
}

/*
 * Takes the server's messages while the sink has room; stalls (leaving the
 * watch unarmed) when it has none. HUP or an error once the channel is
 * drained: the server is gone.
 */
static void chan_event(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	struct drv_conlink *l = w->arg;
	(void)d;
	for (;;) {
		if (l->room && !l->room(l)) {
			l->stalled = true;
			return;
		}
		uint8_t buf[IRIS_CHANNEL_MSG_MAX];
		iris_handle_t h[IRIS_CHANNEL_HANDLES_MAX];
		struct iris_msg_meta meta;
		int r = iris_chan_recv_handles(&l->chan, buf, sizeof(buf), &meta, h,
		                               IRIS_CHANNEL_HANDLES_MAX, 0);
		if (r == -EAGAIN && (result < 0 || (result & IRIS_POLL_HUP)))
			r = result < 0 ? (int)result : -EPIPE;
		if (r == -EAGAIN)
			break;
		if (r < 0) {
			link_lost(l, "went away", r);
			return;
		}
		for (size_t i = 0; i < meta.handles; i++)
			sys_handle_close(h[i]);
		link_message(l, buf, &meta);
	}
	int r = drv_loop_chan(l->d, w, &l->chan);
	if (r < 0)
		link_lost(l, "channel cannot be watched", r);
}

/* Looks "console" up; sends ATTACH and watches the channel, or tries again later. */
static void link_connect(struct drv_conlink *l)
{
	int r = iris_ns_connect(CONSOLE_NAME, &l->chan);
	if (r < 0) {
		if (!l->waiting_told)
			drv_debug(l->d, "waiting for the console server (%s)", strerror(-r));
		l->waiting_told = true;
		link_retry_later(l);
		return;
	}
	struct {
		struct iris_rpc_hdr hdr;
		uint32_t flags;
	} attach = { { .id = ATTACH_ID, .op = CONSOLE_OP_ATTACH }, l->flags };
	r = iris_chan_try_send(&l->chan, &attach, sizeof(attach), 0);
	if (r == 0)
		r = drv_loop_chan(l->d, &l->chan_watch, &l->chan);
	if (r < 0)
		link_lost(l, "cannot be sent ATTACH", r);
}

static void retry_event(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	(void)d;
	(void)result;
	link_connect(w->arg);
}

static void flush_event(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	(void)d;
	(void)result;
	drv_conlink_flush(w->arg);
}

int drv_conlink_start(struct drv_conlink *l, struct drv *d, uint32_t flags,
                      drv_conlink_output_fn output, drv_conlink_room_fn room, void *arg)
{
	if (!flags ||
	    (flags & ~(CONSOLE_ATTACH_INPUT | CONSOLE_ATTACH_OUTPUT | CONSOLE_ATTACH_LOG)) ||
	    (flags & (CONSOLE_ATTACH_LOG | CONSOLE_ATTACH_OUTPUT)) == CONSOLE_ATTACH_LOG ||
	    !(flags & CONSOLE_ATTACH_OUTPUT) != !output || !output != !room)
		return -EINVAL;
	memset(l, 0, sizeof(*l));
	l->flags = flags;
	l->output = output;
	l->room = room;
	l->arg = arg;
	l->d = d;
	l->retry_ns = RETRY_FIRST_NS;
	drv_loop_watch_init(&l->chan_watch, chan_event, l);
	drv_loop_watch_init(&l->retry_watch, retry_event, l);
	drv_loop_watch_init(&l->flush_watch, flush_event, l);
	link_connect(l);
	return 0;
}

void drv_conlink_input(struct drv_conlink *l, const void *bytes, size_t n)
{
	size_t room = DRV_CONLINK_PENDING_MAX - l->npending;
	size_t take = n < room ? n : room;
	memcpy(l->pending + l->npending, bytes, take);
	l->npending += take;
	if (take < n && l->dropped == 0)
		drv_log(l->d, "input dropped: the console is not taking it");
	l->dropped += n - take;
}

void drv_conlink_flush(struct drv_conlink *l)
{
	size_t sent = 0;
	while (l->attached && sent < l->npending) {
		struct {
			struct iris_rpc_hdr hdr;
			uint8_t bytes[CONSOLE_DATA_MAX];
		} msg = { { .id = 0, .op = CONSOLE_OP_INPUT }, { 0 } };
		size_t n = l->npending - sent;
		if (n > CONSOLE_DATA_MAX)
			n = CONSOLE_DATA_MAX;
		memcpy(msg.bytes, l->pending + sent, n);
		int r = iris_chan_try_send(&l->chan, &msg, sizeof(msg.hdr) + n, 0);
		if (r == -EAGAIN) {
			if (!l->flush_watch.armed)
				drv_loop_timer(l->d, &l->flush_watch, FLUSH_NS);
			break;
		}
		if (r < 0)
			break; /* a broken channel: its watch sees it and reconnects */
		sent += n;
	}
	memmove(l->pending, l->pending + sent, l->npending - sent);
	l->npending -= sent;
	if (sent && l->npending == 0)
		l->dropped = 0;
}

void drv_conlink_resume(struct drv_conlink *l)
{
	if (!l->stalled)
		return;
	l->stalled = false;
	chan_event(l->d, &l->chan_watch, 0);
}
