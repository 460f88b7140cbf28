/* libc's own uses of the terminal client (console/client.c); not installed. */
#pragma once

#include <iris/abi/handle.h>
#include <stdbool.h>

/* CONSOLE_READ_NONBLOCK when stdin is non-blocking (fcntl O_NONBLOCK), else 0; atomic. */
extern unsigned libc_stdin_read_flags;

/*
 * poll() on stdin, first half. Returns POLLIN when a read would not wait now
 * (also without a terminal: stdin is at its end), POLLHUP when the terminal
 * is gone, POLLERR when asking failed, else 0: then *wait_on is the
 * terminal's channel endpoint, armed so that the server's next message makes
 * it ready for IRIS_POLL_IN; wait on it, then call libc_console_poll_end.
 * Keeps one WAIT request outstanding from call to call.
 */
short libc_console_poll_begin(iris_handle_t *wait_on);

/*
 * poll() on stdin, second half: `woke` is the poll revents the endpoint got
 * (0: it did not become ready). Returns stdin's revents as
 * libc_console_poll_begin, 0 when the wake-up was not for stdin.
 */
short libc_console_poll_end(short woke);
