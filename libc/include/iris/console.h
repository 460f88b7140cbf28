/*
 * The terminal: this process's channel to the console server (iris/proto/console.h)
 * and the calls on it. libc's stdin, stdout, stderr, read(0), write(1/2),
 * poll() on 0..2, isatty() and fcntl(0, F_SETFL, O_NONBLOCK) use it; programs
 * call these functions for what POSIX has no word for (raw mode, the
 * foreground program, handing the terminal to a child).
 *
 * The terminal is found on first use through IRIS_CONSOLE (the index of the
 * initial handle that is the channel), or given with iris_console_use. A
 * process without one writes stdout and stderr to the kernel log and reads
 * stdin at its end; these functions then return -ENOTTY.
 *
 * One lock serialises the calls of all threads; a blocking read holds it
 * until input comes, so other threads' output waits meanwhile (a program that
 * reads in one thread and writes in another should poll() stdin first).
 * Every function returns a negative errno on failure: the server's error,
 * or -EPIPE once the console server is gone for good.
 *
 * A console server that restarts (devmgr restarts it when it fails; `drv
 * restart console0`) is reconnected to by name on the next call, which tells
 * the new server this process's mode and foreground program again and goes
 * on: output is sent again rather than lost, and a READ that was waiting
 * returns -EINTR (what had been typed is gone). -EPIPE only when no console
 * has come back within 10 s. The reconnect uses the process's channel to the
 * name service, which is not thread-safe (iris/ns.h): a program that looks
 * names up in other threads should not do it while it writes to the terminal.
 */
#pragma once

#include <iris/abi/handle.h>
#include <iris/proto/console.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether this process has a terminal (opening it from IRIS_CONSOLE on first use). */
bool iris_console_present(void);

/*
 * Makes `endpoint` (owned from now on) this process's terminal, replacing
 * the one it had (a shell started without a terminal connects to the
 * console server by name). 0 or a negative errno (the endpoint is then closed).
 */
int iris_console_use(iris_handle_t endpoint);

/*
 * Writes buf[0..len), returning once the server has drawn it: len, or the
 * bytes drawn before an error, or a negative errno if none was.
 */
long iris_console_write(const void *buf, size_t len);

/*
 * Reads up to len bytes (at most CONSOLE_DATA_MAX): a cooked line or the raw
 * input there is. Returns the count, 0 at the end of input (Ctrl-D), -EAGAIN
 * with CONSOLE_READ_NONBLOCK in `flags` when nothing is there, -EINTR when
 * Ctrl-C ended the foreground program instead or the console server
 * restarted (the input waiting is gone either way).
 */
long iris_console_read(void *buf, size_t len, unsigned flags);

/* Sets the CONSOLE_MODE_* flags (0: cooked without echo; CONSOLE_MODE_ECHO: the default). */
int iris_console_set_mode(uint32_t mode);

/* The terminal's size and mode. */
int iris_console_get_info(struct console_info *info);

/*
 * Makes `process` (a process handle with MANAGE; the caller keeps it) the
 * foreground program, which Ctrl-C kills; IRIS_HANDLE_INVALID: none.
 */
int iris_console_foreground(iris_handle_t process);

/*
 * Waits for `process` to end and fills *info, as sys_wait does, while
 * keeping the terminal: when the console server restarts meanwhile, it
 * reconnects at once (telling the new server the foreground program again,
 * so Ctrl-C still ends it). A shell waits for its foreground program this
 * way. Returns as sys_wait.
 */
struct iris_exit_info;
long iris_console_wait(iris_handle_t process, struct iris_exit_info *info);

/* A fresh channel to this terminal, for another process: *endpoint. */
int iris_console_client(iris_handle_t *endpoint);

/*
 * Starts boot module `name` (iris_modules_init must have run) with the
 * arguments argv[0..] (NULL-terminated;
 * argv[0] is the program's name) as iris_module_spawn does (iris/modules.h):
 * the module handles, this program's environment, a fresh channel to the
 * name service, and a fresh channel to this terminal when there is one
 * (IRIS_NS and IRIS_CONSOLE in the child's environment name them). Returns
 * the new process's handle or a negative errno (-E2BIG: the arguments and
 * environment do not fit, -ENOENT: no such module).
 */
iris_handle_t iris_console_spawn(const char *name, char *const argv[]);
