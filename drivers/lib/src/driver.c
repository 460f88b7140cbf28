/* A driver's startup from devmgr's contract (iris/proto/devmgr.h), logging, and the control
 * channel. */
#include <driver/driver.h>
#include <errno.h>
#include <iris/log.h>
#include <iris/ns.h>
#include <iris/proto/devmgr.h>
#include <iris/rpc.h>
#include <iris/startup.h>
#include <iris/sys.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RING_ENTRIES 256
#define REPLY_NS     100000000LL /* how long a reply to devmgr may wait for space */

static void driver_vlog(const struct drv *d, unsigned level, const char *fmt, va_list ap)
{
	char line[IRIS_LOG_MESSAGE_MAX];
	vsnprintf(line, sizeof(line), fmt, ap);
	iris_log(level, "%s: %s\n", d->instance, line);
}

void drv_error(const struct drv *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	driver_vlog(d, IRIS_LOG_ERROR, fmt, ap);
	va_end(ap);
}

void drv_log(const struct drv *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	driver_vlog(d, IRIS_LOG_INFO, fmt, ap);
	va_end(ap);
}

void drv_debug(const struct drv *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	driver_vlog(d, IRIS_LOG_DEBUG, fmt, ap);
	va_end(ap);
}

_Noreturn void drv_crash(void)
{
	int *volatile nowhere = NULL;
	*nowhere = 0xdead;
	__builtin_trap();
}

/*
 * Serves devmgr's requests: PING is answered, CRASH is obeyed. HUP (or a
 * failed poll) once the channel is drained: devmgr is gone.
 */
static void devmgr_event(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	for (;;) {
		struct iris_rpc_msg m;
		int r = iris_rpc_recv(&d->devmgr, &m, 0);
		if (r == -EAGAIN && (result < 0 || (result & IRIS_POLL_HUP)))
			r = result < 0 ? (int)result : -EPIPE;
		if (r == -EAGAIN)
			break;
		if (r < 0) {
			drv_error(d, "the control channel to devmgr is gone (%s): exiting",
			          strerror(-r));
			exit(1);
		}
		if (m.handle != IRIS_HANDLE_INVALID)
			sys_handle_close(m.handle);
		if (m.hdr.op == DEVMGR_OP_CRASH) {
			drv_debug(d, "crashing on devmgr's request");
			drv_crash();
		}
		iris_rpc_reply(&d->devmgr, &m, m.hdr.op == DEVMGR_OP_PING ? 0 : -ENOSYS, NULL, 0,
		               IRIS_HANDLE_INVALID, REPLY_NS);
	}
	int r = drv_loop_chan(d, w, &d->devmgr);
	if (r < 0) {
		drv_error(d, "cannot wait on the control channel (%s): exiting", strerror(-r));
		exit(1);
	}
}

int drv_init(struct drv *d, int argc, char **argv)
{
	memset(d, 0, sizeof(*d));
	const char *name = getenv("IRIS_DRIVER");
	if (!name || !*name)
		name = argc > 0 && argv[0] ? argv[0] : "driver";
	snprintf(d->instance, sizeof(d->instance), "%s", name);
	const char *restarts = getenv("IRIS_RESTARTS");
	d->restarts = restarts ? (uint32_t)strtoul(restarts, NULL, 10) : 0;

	d->device = iris_handle_from_env("IRIS_DEVICE");
	if (d->device == IRIS_HANDLE_INVALID) {
		drv_error(d, "no device handle (IRIS_DEVICE): start me through devmgr");
		return -ENODEV;
	}
	long r = sys_device_info(d->device, &d->info);
	if (r < 0) {
		drv_error(d, "cannot describe the device: error %ld", r);
		return (int)r;
	}
	iris_handle_t ns = iris_handle_from_env("IRIS_NS");
	r = ns == IRIS_HANDLE_INVALID ? -ENOENT : iris_ns_use(ns);
	if (r < 0) {
		drv_error(d, "no channel to the name service (IRIS_NS): error %ld", r);
		return (int)r;
	}
	r = iris_ringbuf_setup(&d->ring, RING_ENTRIES, 0, 0);
	if (r < 0) {
		drv_error(d, "cannot set up a ring: error %ld", r);
		return (int)r;
	}
	iris_handle_t ctl = iris_handle_from_env("IRIS_DEVMGR");
	if (ctl != IRIS_HANDLE_INVALID) {
		r = iris_chan_open(&d->devmgr, ctl);
		if (r == 0) {
			d->has_devmgr = true;
			drv_loop_watch_init(&d->devmgr_watch, devmgr_event, NULL);
			r = drv_loop_chan(d, &d->devmgr_watch, &d->devmgr);
		}
		if (r < 0) {
			drv_error(d, "cannot use the control channel (IRIS_DEVMGR): error %ld", r);
			return (int)r;
		}
	}
	return 0;
}

int drv_ready(struct drv *d)
{
	if (!d->has_devmgr)
		return 0;
	struct {
		struct iris_rpc_hdr hdr;
		int32_t pid;
	} ready = { { .id = 1, .op = DEVMGR_OP_READY }, (int32_t)sys_process_self() };
	int r = iris_chan_send(&d->devmgr, &ready, sizeof(ready), 0, REPLY_NS);
	if (r < 0)
		drv_error(d, "cannot tell devmgr it is ready: %s", strerror(-r));
	return r;
}
