/*
 * A minimal POSIX unistd.h. File descriptors 1 and 2 write to the kernel's
 * debug console (there are no files yet); others fail with EBADF.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#define STDIN_FILENO  0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

/* The environment as "NAME=value" strings, NULL-terminated. */
extern char **environ;

ssize_t write(int fd, const void *buf, size_t len);
_Noreturn void _exit(int status);
/* Returns the process id (SYS_PROCESS_SELF). */
pid_t getpid(void);
/* Sleep on the monotonic clock; nothing interrupts them, so sleep() returns 0. */
unsigned sleep(unsigned seconds);
int usleep(useconds_t microseconds);
