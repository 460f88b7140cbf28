/*
 * A driver's link to the console server as an input source and/or output
 * sink (iris/proto/console.h, docs/console.md): it finds "console" with the name
 * service (trying again, 20 ms doubling to 1 s, until the server has
 * registered), sends ATTACH, then
 *   - sends what the driver hands to drv_conlink_input as INPUT messages,
 *     coalesced up to CONSOLE_DATA_MAX bytes each (input typed before the
 *     console is there, or while its channel is full, waits in a buffer of
 *     DRV_CONLINK_PENDING_MAX bytes; more is dropped and counted);
 *   - gives the bytes of each OUTPUT message to the sink's `output`
 *     function, taking a message only when `room` says the sink can hold
 *     CONSOLE_DATA_MAX more bytes; otherwise the messages wait in the
 *     channel (the server sees it fill up) until drv_conlink_resume.
 * A console server that goes away is looked up again the same way.
 * Everything runs on the driver's loop. Shared by drivers/uart and
 * drivers/ps2; it belongs in libdriver (driver/conlink.h).
 */
#pragma once

#include <driver/driver.h>
#include <iris/proto/console.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DRV_CONLINK_PENDING_MAX 1024

struct drv_conlink;

/* A sink's: show bytes[0..n) (n <= CONSOLE_DATA_MAX). */
typedef void (*drv_conlink_output_fn)(struct drv_conlink *l, const uint8_t *bytes, size_t n);
/* A sink's: whether `output` can take CONSOLE_DATA_MAX more bytes now. */
typedef bool (*drv_conlink_room_fn)(struct drv_conlink *l);

struct drv_conlink {
	uint32_t flags;               /* CONSOLE_ATTACH_* */
	drv_conlink_output_fn output; /* sinks only */
	drv_conlink_room_fn room;     /* sinks only */
	void *arg;                    /* the driver's */
	/* the link's own */
	struct drv *d;
	bool attached; /* the server accepted ATTACH */
	bool stalled;  /* an OUTPUT waits for room: chan_watch is not armed */
	bool waiting_told;
	struct iris_chan chan; /* open while retry_watch is not armed */
	struct drv_loop_watch chan_watch, retry_watch, flush_watch;
	uint64_t retry_ns;
	uint8_t pending[DRV_CONLINK_PENDING_MAX]; /* input not sent yet */
	size_t npending;
	uint64_t dropped; /* input bytes that did not fit in pending */
};

/*
 * Starts linking: `flags` CONSOLE_ATTACH_INPUT and/or _OUTPUT; `output` and
 * `room` are needed with _OUTPUT (else NULL). Looks the console up at once
 * and keeps trying on the driver's loop. 0 or a negative errno.
 */
int drv_conlink_start(struct drv_conlink *l, struct drv *d, uint32_t flags,
                      drv_conlink_output_fn output, drv_conlink_room_fn room, void *arg);

/* Queues input bytes[0..n) for the console; drv_conlink_flush sends them. */
void drv_conlink_input(struct drv_conlink *l, const void *bytes, size_t n);

/* Sends the queued input now, as few INPUT messages as it fits in (what does not fit waits). */
void drv_conlink_flush(struct drv_conlink *l);

/* The sink has room again: take the OUTPUT messages that were left waiting. */
void drv_conlink_resume(struct drv_conlink *l);
