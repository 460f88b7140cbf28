/*
 * errno and the error codes. The codes are the kernel's (iris/abi/errno.h): a
 * system call that fails with -E sets errno to E.
 *
 * errno is per thread: __errno_location() returns the calling thread's slot
 * (see libc/README.md for how threads are told apart).
 */
#pragma once

#include <iris/abi/errno.h>

int *__errno_location(void);
#define errno (*__errno_location())
