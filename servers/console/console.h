/*
 * The console server's parts (main.c reads them in order):
 *
 *   screen.c      the framebuffer (BAR 0 of the "framebuffer" device) drawn
 *                 by the kernel's fbcon renderer; absent without a device
 *   output.c      what is shown: the screen plus every OUTPUT sink, with a
 *                 bounded backlog per sink and flow control for WRITEs; the
 *                 kernel log stands in for the sinks while there are none
 *   client.c      the channels: the protocol of iris/proto/console.h, the READs
 *                 waiting for input, the line discipline (ldisc.c)
 *   foreground.c  the foreground process Ctrl-C ends
 *   kernlog.c     the kernel log, shown by the console once someone types
 */
#pragma once

#include "ldisc.h"
#include <driver/driver.h>
#include <iris/proto/console.h>
#include <iris/rpc.h>
#include <stdbool.h>
#include <stdint.h>

#define CLIENTS_MAX   64 /* channels at once: terminals, sources and sinks */
#define SINKS_MAX     4
#define SINK_BACKLOG  (32u * 1024) /* bytes kept for a sink beyond its channel; more is dropped */
#define SINK_HIGH     (8u * 1024)  /* above this WRITEs wait (the sink sets the pace) */
#define SINK_STALL_NS 2000000000LL /* a sink that takes nothing this long is cut loose */

_Static_assert(LDISC_LINE_MAX == CONSOLE_LINE_MAX, "the line limits must agree");
_Static_assert(LDISC_INPUT_MAX == CONSOLE_INPUT_MAX, "the input limits must agree");
_Static_assert(LDISC_RAW == CONSOLE_MODE_RAW && LDISC_ECHO == CONSOLE_MODE_ECHO,
               "the mode flags must agree");

/* An OUTPUT sink's state (client.attach has CONSOLE_ATTACH_OUTPUT). */
struct sink {
	uint8_t *buf; /* SINK_BACKLOG bytes; NULL: not a sink */
	uint32_t head, len;
	uint64_t sent;               /* bytes handed to the channel */
	uint64_t sent_check;         /* `sent` when the stall timer was armed */
	uint64_t dropped;            /* bytes lost to a full backlog or a stall */
	bool stalled;                /* cut loose: it does not hold WRITEs back */
	struct drv_loop_watch space; /* waits for room in the channel */
};

enum client_state { CLIENT_FREE, CLIENT_OPEN, CLIENT_CLOSING };

struct client {
	enum client_state state;
	struct iris_chan chan;
	struct drv_loop_watch watch; /* messages or the peer's end */
	uint32_t attach;             /* CONSOLE_ATTACH_* */
	bool hup;                    /* the peer is gone: close once what it sent is served */
	bool parked;                 /* holds a WRITE until output is no longer blocked */
	struct client *next_parked;
	struct iris_rpc_msg parked_msg;
	struct sink sink;
};

/* screen.c */
void screen_init(struct drv *d);
bool screen_present(void);
void screen_write(const char *s, size_t len);
void screen_size(uint32_t *cols, uint32_t *rows);

/* output.c */
void output_init(struct drv *d);
/* Shows len bytes: on the screen, then to every sink (the kernel log when there is none). */
void output_write(const char *s, size_t len);
/*
 * Shows whole lines of the kernel log (len bytes ending in '\n'): when the
 * current row holds something (a prompt and what is being typed), the
 * lines start on the next row and the row is drawn again after them.
 */
void output_log(const char *s, size_t len);
/* How many sinks are the kernel log's serial port (CONSOLE_ATTACH_LOG). */
unsigned output_log_sinks(void);
/* Whether a live sink's backlog is above SINK_HIGH: WRITEs wait. Arms the stall timer. */
bool output_blocked(void);
/* Makes client c a sink: 0 or -ENOSPC. */
int output_sink_add(struct client *c);
/* Stops using c as a sink (its backlog is dropped); its space watch may still be armed. */
void output_sink_remove(struct client *c);

/* client.c */
/* Registers CONSOLE_NAME and serves clients on d's loop. 0 or a negative errno. */
int clients_start(struct drv *d);
/* Output is no longer blocked: serves the WRITEs that waited, in order. */
void clients_resume(void);
/* Closes c (a broken channel, a gone peer); its memory is reused once no watch is armed. */
void client_close(struct client *c);
/* Frees a closing client whose watches have all completed. */
void client_reap(struct client *c);

/* kernlog.c */
void kernlog_init(struct drv *d);
/* A terminal client reads: the console takes the kernel log over when it can. */
void kernlog_want(void);
/* The sinks changed: takes the kernel log over, or gives it back to the kernel. */
void kernlog_update(void);

/* foreground.c */
void foreground_init(struct drv *d);
/* Makes process `proc` (a handle, now ours; IRIS_HANDLE_INVALID: none) the foreground. */
int foreground_set(iris_handle_t proc);
/* Ctrl-C: ends the foreground process, if any. */
void foreground_interrupt(void);
