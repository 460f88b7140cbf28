/*
 * A minimal POSIX unistd.h. There are no files yet: descriptor 0 reads the
 * terminal and 1 and 2 write to it (iris/console.h); without a
 * terminal, 0 is at its end and 1 and 2 write to the kernel log. Other
 * descriptors fail with EBADF.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#define STDIN_FILENO  0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

/* The environment as "NAME=value" strings, NULL-terminated. */
extern char **environ;

/*
 * Reads from the terminal: a cooked line (or raw input) of at most len bytes
 * (at most CONSOLE_DATA_MAX, iris/proto/console.h, per call), 0 at the end of input
 * (Ctrl-D), -1 with errno EAGAIN (stdin is O_NONBLOCK and nothing is there)
 * or EINTR (Ctrl-C ended the foreground program instead).
 */
ssize_t read(int fd, void *buf, size_t len);
ssize_t write(int fd, const void *buf, size_t len);
/* 1 if fd (0, 1 or 2) is a terminal, else 0 with errno ENODEV or EBADF. */
int isatty(int fd);
_Noreturn void _exit(int status);
/* Returns the process id (SYS_PROCESS_SELF). */
pid_t getpid(void);
/* Sleep on the monotonic clock; nothing interrupts them, so sleep() returns 0. */
unsigned sleep(unsigned seconds);
int usleep(useconds_t microseconds);
