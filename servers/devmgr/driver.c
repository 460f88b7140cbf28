/*
 * Driver instances (driver.h): starting, the control channel, heartbeats,
 * and restarts with back-off.
 */
#include "driver.h"
#include "waitset.h"
#include <errno.h>
#include <iris/log.h>
#include <iris/modules.h>
#include <iris/ns.h>
#include <iris/proto/rpc.h>
#include <iris/sys.h>
#include <stdio.h>
#include <string.h>

#define ENV_MAX 64

/* Why devmgr killed an instance, or asked it to die. */
enum end_cause {
	CAUSE_NONE,
	CAUSE_HEARTBEAT,
	CAUSE_NOT_READY,
	CAUSE_PROTOCOL,
	CAUSE_RESTART,
	CAUSE_CRASH
};

struct driver {
	char name[DEVMGR_NAME_MAX];
	const struct manifest *manifest;
	struct iris_device_info info;
	uint8_t state;        /* DEVMGR_* */
	iris_handle_t proc;   /* while it runs, else IRIS_HANDLE_INVALID */
	int32_t pid;          /* from its READY, else -1 */
	struct iris_chan ctl; /* the control channel, while it runs */
	struct waiter proc_w, ctl_w;
	uint32_t restarts;        /* starts after the first */
	uint32_t failures;        /* consecutive ends that were failures (the back-off) */
	uint32_t unready;         /* consecutive runs that never reached READY */
	int64_t ready_at;         /* 0 until READY */
	int64_t deadline;         /* STARTING: READY is due; RUNNING: next PING; BACKOFF: start */
	int64_t unanswered_since; /* the first PING not answered yet, 0 if none */
	int64_t busy_delay;       /* the last wait for a device that was still open, 0 if none */
	uint32_t next_id;
	enum end_cause cause;
	char last_exit[DRIVER_EXIT_TEXT];
};

static struct driver drivers[DRIVERS_MAX];
static size_t ndrivers;
static iris_handle_t bus = IRIS_HANDLE_INVALID;
static size_t modules;
extern char **environ;

void driver_setup(iris_handle_t bus_handle, size_t module_count)
{
	bus = bus_handle;
	modules = module_count;
}

struct driver *driver_add(const struct manifest *m, const struct iris_device_info *info)
{
	if (ndrivers == DRIVERS_MAX)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < ndrivers; i++)
		n += strcmp(drivers[i].manifest->driver, m->driver) == 0;
	struct driver *d = &drivers[ndrivers++];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s%zu", m->driver, n);
	d->manifest = m;
	d->info = *info;
	d->state = DEVMGR_BACKOFF;
	d->proc = IRIS_HANDLE_INVALID;
	d->pid = -1;
	return d;
}

struct driver *driver_find(const char *name)
{
	for (size_t i = 0; i < ndrivers; i++)
		if (strcmp(drivers[i].name, name) == 0)
			return &drivers[i];
	return NULL;
}

int driver_describe(size_t index, struct devmgr_driver_info *out)
{
	if (index >= ndrivers)
		return -ENOENT;
	const struct driver *d = &drivers[index];
	memset(out, 0, sizeof(*out));
	snprintf(out->instance, sizeof(out->instance), "%s", d->name);
	snprintf(out->driver, sizeof(out->driver), "%s", d->manifest->driver);
	if (d->info.bus_type == IRIS_BUS_PLATFORM)
		snprintf(out->platform, sizeof(out->platform), "%.*s", (int)sizeof(d->info.name),
		         d->info.name);
	out->vendor = d->info.vendor;
	out->device_id = d->info.device;
	out->bus = d->info.bus;
	out->dev = d->info.dev;
	out->fn = d->info.fn;
	out->state = d->state;
	out->restarts = d->restarts;
	out->pid = d->proc == IRIS_HANDLE_INVALID ? -1 : d->pid;
	snprintf(out->last_exit, sizeof(out->last_exit), "%s", d->last_exit);
	return 0;
}

/* "mmio irq dma" for a log line. */
static void rights_text(uint32_t rights, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (uint32_t bit = 1; bit && n < cap; bit <<= 1)
		if ((rights & bit) && manifest_right_name(bit))
			n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? " " : "",
			                      manifest_right_name(bit));
}

/*
 * The environment of a driver (iris/proto/devmgr.h): devmgr's own without the
 * variables of the contract and IRIS_BUS, then the contract's, with the
 * handle positions after the `modules` module handles. Returns it in a
 * static array, valid until the next call.
 */
static char **driver_env(const struct driver *d)
{
	static char vars[5][64];
	static char *env[ENV_MAX + 6];
	static const char *const drop[] = { "IRIS_NS=",     "IRIS_BUS=",    "IRIS_DEVICE=",
		                            "IRIS_DEVMGR=", "IRIS_DRIVER=", "IRIS_RESTARTS=" };
	size_t n = 0;
	for (char **e = environ; e && *e && n < ENV_MAX; e++) {
		bool keep = true;
		for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
			keep = keep && strncmp(*e, drop[i], strlen(drop[i])) != 0;
		if (keep)
			env[n++] = *e;
	}
	snprintf(vars[0], sizeof(vars[0]), "IRIS_NS=%zu", modules);
	snprintf(vars[1], sizeof(vars[1]), "IRIS_DEVICE=%zu", modules + 1);
	snprintf(vars[2], sizeof(vars[2]), "IRIS_DEVMGR=%zu", modules + 2);
	snprintf(vars[3], sizeof(vars[3]), "IRIS_DRIVER=%s", d->name);
	snprintf(vars[4], sizeof(vars[4]), "IRIS_RESTARTS=%u", d->restarts);
	for (size_t i = 0; i < 5; i++)
		env[n++] = vars[i];
	env[n] = NULL;
	return env;
}

/*
 * Spawns d's driver with {ns, device, control} after the module handles.
 * The caller's handles stay its own. Returns the process handle or a
 * negative errno.
 */
static iris_handle_t driver_spawn(struct driver *d, iris_handle_t device, iris_handle_t control)
{
	char line[DEVMGR_NAME_MAX + MANIFEST_ARGS_MAX + 2];
	iris_handle_t ns;
	int r = iris_ns_client(&ns);
	if (r < 0)
		return r;
	snprintf(line, sizeof(line), "%s%s%s", d->manifest->driver, d->manifest->args[0] ? " " : "",
	         d->manifest->args);
	const iris_handle_t extra[3] = { ns, device, control };
	char **saved = environ;
	environ = driver_env(d);
	iris_handle_t proc = iris_module_spawn_handles(d->manifest->driver, line, extra, 3);
	environ = saved;
	sys_handle_close(ns);
	return proc;
}

/* Ends d's run: the process and channel handles go, the waiters too. */
static void driver_forget_run(struct driver *d)
{
	waitset_remove(&d->proc_w);
	waitset_remove(&d->ctl_w);
	iris_chan_close(&d->ctl);
	sys_handle_close(d->proc);
	d->proc = IRIS_HANDLE_INVALID;
	d->pid = -1;
}

static void driver_failed_start(struct driver *d, int64_t now, const char *what, long err);

static void close_if_open(iris_handle_t h)
{
	if (h != IRIS_HANDLE_INVALID)
		sys_handle_close(h);
}

/*
 * Starts d: opens the device, spawns the driver. A device still held by the
 * previous instance (-EBUSY) is tried again after DRIVER_BUSY_RETRY_NS,
 * doubling while it stays busy; other failures count as failed runs.
 */
static void driver_start(struct driver *d, int64_t now)
{
	iris_handle_t dev = IRIS_HANDLE_INVALID, ctl = IRIS_HANDLE_INVALID;
	iris_handle_t peer = IRIS_HANDLE_INVALID, proc = IRIS_HANDLE_INVALID;
	struct iris_channel_info ci;
	const char *what = "cannot open its device";

	long r = sys_device_open(bus, d->info.index, NULL, 0);
	if (r == -EBUSY) {
		d->busy_delay = d->busy_delay ? 2 * d->busy_delay : DRIVER_BUSY_RETRY_NS;
		if (d->busy_delay > DRIVER_BACKOFF_MAX_NS)
			d->busy_delay = DRIVER_BACKOFF_MAX_NS;
		d->deadline = now + d->busy_delay;
		return;
	}
	d->busy_delay = 0;
	if (r < 0)
		goto fail;
	/* Only the rights the manifest asks for (and TRANSFER, which spawning needs). */
	long full = r;
	r = sys_handle_duplicate((iris_handle_t)full,
	                         IRIS_RIGHT_READ | IRIS_RIGHT_TRANSFER | d->manifest->rights);
	sys_handle_close((iris_handle_t)full);
	what = "cannot make its handles";
	if (r < 0)
		goto fail;
	dev = (iris_handle_t)r;
	r = sys_channel_create(0, &ci);
	if (r < 0)
		goto fail;
	ctl = (iris_handle_t)r;
	peer = ci.peer;
	what = "cannot start";
	r = proc = driver_spawn(d, dev, peer);
	if (r < 0)
		goto fail;
	r = iris_chan_open(&d->ctl, ctl);
	if (r < 0)
		goto fail;
	sys_handle_close(dev); /* the driver holds the device's only handle now */
	sys_handle_close(peer);
	d->proc = proc;
	waitset_add(&d->proc_w, proc, NULL, IRIS_POLL_IN);
	waitset_add(&d->ctl_w, d->ctl.endpoint, &d->ctl, IRIS_POLL_IN);
	d->state = DEVMGR_STARTING;
	d->ready_at = 0;
	d->unanswered_since = 0;
	d->cause = CAUSE_NONE;
	d->deadline = now + DRIVER_READY_TIMEOUT_NS;
	char rights[48];
	rights_text(d->manifest->rights, rights, sizeof(rights));
	if (d->info.bus_type == IRIS_BUS_PLATFORM)
		iris_log(IRIS_LOG_DEBUG,
		         "devmgr: %s: started %s for the platform device %.16s (rights: %s)\n",
		         d->name, d->manifest->driver, d->info.name, rights[0] ? rights : "none");
	else
		iris_log(IRIS_LOG_DEBUG,
		         "devmgr: %s: started %s for %04x:%04x at %02x:%02x.%x (rights: %s)\n",
		         d->name, d->manifest->driver, d->info.vendor, d->info.device, d->info.bus,
		         d->info.dev, d->info.fn, rights[0] ? rights : "none");
	return;

fail:
	if (proc >= 0) {
		sys_kill(proc);
		sys_handle_close(proc);
	}
	close_if_open(ctl);
	close_if_open(peer);
	close_if_open(dev);
	driver_failed_start(d, now, what, r);
}

/* Whether devmgr has killed d's process and waits for its end (a CRASH request is not a kill). */
static bool driver_dying(const struct driver *d)
{
	return d->proc != IRIS_HANDLE_INVALID && d->cause != CAUSE_NONE && d->cause != CAUSE_CRASH;
}

/* Kills d's process for `cause`; its end is handled when the wait set reports it. */
static void driver_kill(struct driver *d, enum end_cause cause)
{
	if (d->proc == IRIS_HANDLE_INVALID)
		return;
	d->cause = cause;
	sys_kill(d->proc);
}

/* How d's process ended, in words, into why[0..cap). */
static void driver_describe_end(const struct driver *d, const struct iris_exit_info *ei,
                                long waited, char *why, size_t cap)
{
	if (waited < 0)
		snprintf(why, cap, "ended (wait: %s)", strerror((int)-waited));
	else if (d->cause == CAUSE_HEARTBEAT)
		snprintf(why, cap, "killed: missed %d heartbeats", DEVMGR_HEARTBEAT_MISS);
	else if (d->cause == CAUSE_NOT_READY)
		snprintf(why, cap, "killed: not ready in %lld s",
		         DRIVER_READY_TIMEOUT_NS / 1000000000LL);
	else if (d->cause == CAUSE_PROTOCOL)
		snprintf(why, cap, "killed: broke the control protocol");
	else if (d->cause == CAUSE_RESTART)
		snprintf(why, cap, "killed: restart requested");
	else if (ei->reason == IRIS_EXIT_CODE)
		snprintf(why, cap, "exited with status %d", ei->code);
	else if (ei->reason == IRIS_EXIT_FAULT && d->cause == CAUSE_CRASH)
		snprintf(why, cap, "crashed on request: CPU exception %u", ei->vector);
	else if (ei->reason == IRIS_EXIT_FAULT)
		snprintf(why, cap, "killed by CPU exception %u at rip %#lx", ei->vector,
		         (unsigned long)ei->rip);
	else
		snprintf(why, cap, "killed");
}

/*
 * Records why d ended (`why`, cut to fit last_exit), puts d in BACKOFF
 * until now + delay, or FAILED, and logs the line that says so.
 */
static void driver_schedule(struct driver *d, int64_t now, bool failure, int32_t pid,
                            const char *why)
{
	int64_t delay = DRIVER_BACKOFF_FIRST_NS;
	snprintf(d->last_exit, sizeof(d->last_exit), "%s", why);
	if (failure) {
		if (d->ready_at && now - d->ready_at >= DRIVER_STABLE_NS)
			d->failures = 0;
		d->unready = d->ready_at ? 0 : d->unready + 1;
		d->failures++;
		for (uint32_t i = 1; i < d->failures && delay < DRIVER_BACKOFF_MAX_NS; i++)
			delay *= 2;
		if (delay > DRIVER_BACKOFF_MAX_NS)
			delay = DRIVER_BACKOFF_MAX_NS;
	}
	char who[24] = "";
	if (pid >= 0)
		snprintf(who, sizeof(who), " (pid %d)", pid);
	if (failure && d->unready >= DRIVER_FAILED_AFTER) {
		d->state = DEVMGR_FAILED;
		iris_log(IRIS_LOG_ERROR,
		         "devmgr: %s%s %s; not restarted: %u runs in a row never became ready\n",
		         d->name, who, why, d->unready);
		return;
	}
	d->state = DEVMGR_BACKOFF;
	d->deadline = now + delay;
	d->restarts++;
	iris_log(IRIS_LOG_WARN, "devmgr: %s%s %s; restart %u in %ld ms\n", d->name, who, why,
	         d->restarts, (long)(delay / 1000000));
}

static void driver_failed_start(struct driver *d, int64_t now, const char *what, long err)
{
	char why[96];
	snprintf(why, sizeof(why), "%s: %s", what, strerror((int)-err));
	d->ready_at = 0;
	driver_schedule(d, now, true, -1, why);
}

/* d's process has ended: find out how, log it, schedule the restart. */
static void driver_ended(struct driver *d, int64_t now)
{
	struct iris_exit_info ei = { 0 };
	char why[96];
	long waited = sys_wait(d->proc, &ei, IRIS_WAIT_NOHANG);
	int32_t pid = d->pid;
	driver_describe_end(d, &ei, waited, why, sizeof(why));
	driver_forget_run(d);
	bool requested = d->cause == CAUSE_RESTART || d->cause == CAUSE_CRASH;
	driver_schedule(d, now, !requested, pid, why);
}

/* Sends request `op` (no arguments) on d's control channel without waiting. 0 or a negative errno.
 */
static int driver_send(struct driver *d, uint16_t op)
{
	if (++d->next_id == 0)
		d->next_id = 1;
	const struct iris_rpc_hdr h = { .id = d->next_id, .op = op };
	return iris_chan_try_send(&d->ctl, &h, sizeof(h), 0);
}

/* Handles one message from d's driver. */
static void driver_message(struct driver *d, int64_t now, const uint8_t *buf, int len,
                           const struct iris_msg_meta *meta)
{
	struct iris_rpc_hdr h;
	if (len < (int)sizeof(h)) {
		driver_kill(d, CAUSE_PROTOCOL);
		return;
	}
	memcpy(&h, buf, sizeof(h));
	if (meta->flags & IRIS_RPC_REPLY) {
		if (h.op == DEVMGR_OP_PING && h.status == 0)
			d->unanswered_since = 0;
		return;
	}
	int status = h.op == DEVMGR_OP_READY ? 0 : -ENOSYS;
	struct iris_rpc_hdr reply = { .id = h.id, .op = h.op, .status = (int16_t)status };
	iris_chan_try_send(&d->ctl, &reply, sizeof(reply), IRIS_RPC_REPLY);
	if (h.op != DEVMGR_OP_READY || d->state != DEVMGR_STARTING)
		return;
	if (len >= (int)(sizeof(h) + sizeof(int32_t)))
		memcpy(&d->pid, buf + sizeof(h), sizeof(int32_t));
	d->state = DEVMGR_RUNNING;
	d->ready_at = now;
	d->unready = 0;
	d->deadline = now + (int64_t)DEVMGR_HEARTBEAT_NS;
	/* Back after a restart is news; the first start is routine. */
	unsigned level = d->restarts ? IRIS_LOG_INFO : IRIS_LOG_DEBUG;
	if (d->pid >= 0)
		iris_log(level, "devmgr: %s ready (pid %d)\n", d->name, d->pid);
	else
		iris_log(level, "devmgr: %s ready\n", d->name);
}

/* Takes every message waiting on d's control channel. */
static void driver_drain(struct driver *d, int64_t now)
{
	for (;;) {
		uint8_t buf[IRIS_CHANNEL_MSG_MAX];
		iris_handle_t h[4];
		struct iris_msg_meta meta;
		int n = iris_chan_recv_handles(&d->ctl, buf, sizeof(buf), &meta, h, 4, 0);
		if (n == -EAGAIN || n == -EPIPE)
			return; /* a closed channel: the process's end tells why */
		if (n < 0) {
			driver_kill(d, CAUSE_PROTOCOL);
			return;
		}
		for (uint16_t i = 0; i < meta.handles; i++)
			sys_handle_close(h[i]);
		driver_message(d, now, buf, n, &meta);
	}
}

/* The heartbeat of a running driver: a PING per period, a kill after too many unanswered. */
static void driver_heartbeat(struct driver *d, int64_t now)
{
	if (d->unanswered_since &&
	    now - d->unanswered_since >= DEVMGR_HEARTBEAT_MISS * (int64_t)DEVMGR_HEARTBEAT_NS) {
		driver_kill(d, CAUSE_HEARTBEAT);
		return;
	}
	if (driver_send(d, DEVMGR_OP_PING) == 0 && !d->unanswered_since)
		d->unanswered_since = now;
	d->deadline = now + (int64_t)DEVMGR_HEARTBEAT_NS;
}

void driver_poll(int64_t now)
{
	for (size_t i = 0; i < ndrivers; i++) {
		struct driver *d = &drivers[i];
		if (d->proc != IRIS_HANDLE_INVALID) {
			driver_drain(d, now);
			if (d->proc_w.seen & IRIS_POLL_HUP) {
				driver_ended(d, now);
				continue;
			}
		}
		if (now < d->deadline || driver_dying(d))
			continue;
		if (d->state == DEVMGR_BACKOFF)
			driver_start(d, now);
		else if (d->state == DEVMGR_STARTING)
			driver_kill(d, CAUSE_NOT_READY);
		else if (d->state == DEVMGR_RUNNING)
			driver_heartbeat(d, now);
	}
}

int64_t driver_next_deadline(void)
{
	int64_t t = INT64_MAX;
	for (size_t i = 0; i < ndrivers; i++) {
		const struct driver *d = &drivers[i];
		bool waits = d->state == DEVMGR_BACKOFF || d->state == DEVMGR_STARTING ||
		             d->state == DEVMGR_RUNNING;
		if (waits && !driver_dying(d) && d->deadline < t)
			t = d->deadline;
	}
	return t;
}

int driver_restart(struct driver *d)
{
	d->failures = 0;
	d->unready = 0;
	if (d->proc != IRIS_HANDLE_INVALID) {
		driver_kill(d, CAUSE_RESTART);
		return 0;
	}
	if (d->state == DEVMGR_FAILED)
		d->restarts++;
	d->state = DEVMGR_BACKOFF;
	d->deadline = 0;
	return 0;
}

int driver_crash(struct driver *d)
{
	if (d->proc == IRIS_HANDLE_INVALID)
		return -ESRCH;
	int r = driver_send(d, DEVMGR_OP_CRASH);
	if (r < 0)
		return r == -EPIPE ? -ESRCH : r;
	d->cause = CAUSE_CRASH;
	return 0;
}
