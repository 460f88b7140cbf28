/* Process exit: atexit functions, destructors, stdio flushing. */
#include "../internal.h"
#include <iris/sys.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ATEXIT_MAX 32

static int atexit_lock;
static void (*atexit_fns[ATEXIT_MAX])(void);
static size_t atexit_count;

/* Bounds of .fini_array, from user.ld. */
extern void (*__fini_array_start[])(void);
extern void (*__fini_array_end[])(void);

int atexit(void (*fn)(void))
{
	int full;
	libc_lock(&atexit_lock);
	full = atexit_count == ATEXIT_MAX;
	if (!full)
		atexit_fns[atexit_count++] = fn;
	libc_unlock(&atexit_lock);
	return full ? -1 : 0;
}

/* atexit functions run newest first; one may register another, which then runs too. */
_Noreturn void exit(int status)
{
	for (;;) {
		void (*fn)(void) = NULL;
		libc_lock(&atexit_lock);
		if (atexit_count)
			fn = atexit_fns[--atexit_count];
		libc_unlock(&atexit_lock);
		if (!fn)
			break;
		fn();
	}
	for (size_t i = (size_t)(__fini_array_end - __fini_array_start); i-- > 0;)
		__fini_array_start[i]();
	fflush(NULL);
	_Exit(status);
}

_Noreturn void _Exit(int status)
{
	sys_process_exit(status);
}

_Noreturn void _exit(int status)
{
	sys_process_exit(status);
}

_Noreturn void abort(void)
{
	sys_process_exit(134);
}
