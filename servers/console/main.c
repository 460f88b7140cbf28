/*
 * console: the console server (docs/console.md, protocol in
 * iris/proto/console.h). It draws on the framebuffer, mirrors what it draws to
 * the serial port through the UART driver (an OUTPUT sink), takes typed
 * bytes from the UART and PS/2 drivers (INPUT sources) through the line
 * discipline, and serves programs' READs and WRITEs under the name
 * "console".
 *
 * Two ways to start, one program:
 *   - by devmgr, as the driver of the "framebuffer" platform device
 *     (console.manifest): libdriver's startup, heartbeats, restarts;
 *   - by init (`@console`) with no device: no screen, the mirrors alone
 *     (a machine without a framebuffer, or a system without devmgr).
 * Start it one way, not both: the newest registration takes the name.
 *
 * One thread and one ring (libdriver's loop): nothing here blocks but
 * drawing itself.
 */
#include "console.h"
#include <iris/ringbuf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RING_ENTRIES 256

/* The startup without devmgr: no device, the name service from IRIS_NS, a ring of our own. */
static int start_alone(struct drv *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->instance, sizeof(d->instance), "console");
	d->device = IRIS_HANDLE_INVALID;
	int r = iris_ringbuf_setup(&d->ring, RING_ENTRIES, 0, 0);
	if (r < 0)
		drv_log(d, "cannot set up a ring: error %d", r);
	return r;
}

int main(int argc, char **argv)
{
	static struct drv d;

	/* 1. devmgr's contract when it started us, else alone */
	if (getenv("IRIS_DEVICE") ? drv_init(&d, argc, argv) < 0 : start_alone(&d) < 0)
		return 1;

	/* 2. the screen (none without a usable framebuffer), the mirrors, the foreground, the log
	 */
	screen_init(&d);
	output_init(&d);
	foreground_init(&d);
	kernlog_init(&d);

	/* 3. the name, then tell devmgr */
	int r = clients_start(&d);
	if (r < 0) {
		drv_log(&d, "cannot register \"%s\" (error %d)", CONSOLE_NAME, r);
		return 1;
	}
	drv_log(&d, "serving \"%s\" %s", CONSOLE_NAME,
	        screen_present() ? "on the screen and its mirrors" : "on its mirrors alone");
	drv_ready(&d);

	/* 4. serve until killed */
	r = drv_loop_run(&d);
	drv_log(&d, "the event loop failed (%d)", r);
	return 1;
}
