/*
 * The console protocol (docs/console.md), RPC (iris/proto/rpc.h) on channels to
 * the console server (servers/console), registered with the name service
 * as "console". The server draws on the framebuffer (it is the framebuffer
 * device's driver, started by devmgr), keeps the line discipline, and
 * mirrors what it draws to the serial port through the UART driver.
 *
 * Terminal clients (programs; libc's stdin, stdout and stderr):
 *   WRITE        args: bytes (<= CONSOLE_DATA_MAX). Reply 0 once drawn.
 *   READ         args: struct console_read. Reply: up to `max` bytes of input
 *                (a whole line in cooked mode, what there is in raw mode);
 *                length 0 = end of input (Ctrl-D at the start of a cooked
 *                line). With CONSOLE_READ_NONBLOCK: -EAGAIN when nothing is
 *                ready, else it waits (replies may come out of order).
 *                -EINTR when Ctrl-C ended the foreground program instead.
 *   WAIT         no args: replies 0 when a READ would not wait (poll()).
 *   SET_MODE     args: uint32_t CONSOLE_MODE_* flags. Reply 0.
 *   GET_INFO     reply: struct console_info.
 *   FOREGROUND   handle: a process handle (MANAGE): Ctrl-C kills it (and it
 *                stops being the foreground when it ends). No handle: none.
 *   CLIENT       reply: a handle, a fresh terminal channel for another process.
 *
 * Input sources and output sinks (the UART and PS/2 drivers):
 *   ATTACH       args: uint32_t CONSOLE_ATTACH_* flags. Reply 0. From then on
 *                the source sends INPUT one-way messages (id 0, bytes: what
 *                was typed, keys already turned into bytes and escape
 *                sequences), and a sink receives OUTPUT one-way messages
 *                (bytes to show) from the server. A sink that is the kernel
 *                log's serial port says so (CONSOLE_ATTACH_LOG).
 *
 * Reaching the console: a program that was given a terminal finds its
 * channel as an initial handle whose index IRIS_CONSOLE holds (sh gives one
 * to every program it starts, CLIENT). Without one, stdout and stderr go to
 * the kernel log (SYS_DEBUG_WRITE) and stdin is at its end.
 *
 * libc's terminal client is iris/console.h; the sources' and sinks' side is
 * libdriver's driver/conlink.h.
 */
#pragma once

#include <iris/proto/rpc.h>
#include <stdint.h>

#define CONSOLE_NAME     "console"
#define CONSOLE_DATA_MAX IRIS_RPC_ARGS_MAX

enum {
	CONSOLE_OP_WRITE = 1,
	CONSOLE_OP_READ,
	CONSOLE_OP_WAIT,
	CONSOLE_OP_SET_MODE,
	CONSOLE_OP_GET_INFO,
	CONSOLE_OP_FOREGROUND,
	CONSOLE_OP_CLIENT,
	CONSOLE_OP_ATTACH,
	CONSOLE_OP_INPUT,  /* source -> server, one-way */
	CONSOLE_OP_OUTPUT, /* server -> sink, one-way */
};

/* SET_MODE flags. The default is CONSOLE_MODE_ECHO (cooked, echoing). */
#define CONSOLE_MODE_RAW  (1u << 0) /* bytes as typed: no line editing, no Ctrl-C/Ctrl-D */
#define CONSOLE_MODE_ECHO (1u << 1) /* echo what is typed */

/* READ flags. */
#define CONSOLE_READ_NONBLOCK (1u << 0)

struct console_read {
	uint32_t max; /* bytes wanted, 1..CONSOLE_DATA_MAX */
	uint32_t flags;
};

struct console_info {
	uint32_t cols, rows; /* text cells */
	uint32_t mode;       /* CONSOLE_MODE_* */
	uint32_t reserved;
};

/* ATTACH flags. */
#define CONSOLE_ATTACH_INPUT  (1u << 0) /* sends INPUT */
#define CONSOLE_ATTACH_OUTPUT (1u << 1) /* receives OUTPUT (a mirror of the screen's text) */
/*
 * With OUTPUT: this sink is the serial port the kernel writes its log to. Once
 * a terminal client READs or WAITs, the console takes the kernel log over
 * (SYS_LOG_READ, IRIS_LOG_CLAIM) and shows it itself, in whole lines that
 * never land inside the line being typed.
 */
#define CONSOLE_ATTACH_LOG (1u << 2)

/* Line discipline limits. */
#define CONSOLE_LINE_MAX  1024 /* bytes of one cooked line; more is dropped with a bell */
#define CONSOLE_INPUT_MAX 4096 /* bytes of raw input waiting; more is dropped with a bell */
