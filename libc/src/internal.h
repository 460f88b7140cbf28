/* Declarations shared by libc's own source files; not installed. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * libc's lock: a word that is 0 when free and 1 when held. Taking it spins a
 * little (pause), then yields the CPU with SYS_YIELD between attempts; there
 * is no kernel wait queue to sleep on yet. Not recursive.
 */
void libc_lock(int *word);
bool libc_trylock(int *word);
void libc_unlock(int *word);

/* Writes all of buf to the debug console (stdout, stderr); returns len or -errno. */
long libc_console_write(const void *buf, size_t len);

/* Turns a system call result into POSIX style: r when r >= 0, else -1 with errno = -r. */
static inline long libc_syscall_result(long r)
{
	if (r >= 0)
		return r;
	errno = (int)-r;
	return -1;
}

/*
 * Called once by __libc_start on the initial thread, before main: records it
 * so pthread_self() and errno work there.
 */
void libc_thread_init(void);
