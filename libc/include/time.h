/* Time: the monotonic clock and sleeping (there is no wall clock yet). */
#pragma once

#include <iris/abi/syscall.h>
#include <stddef.h>

typedef long time_t;
typedef int clockid_t;

struct timespec {
	time_t tv_sec;
	long tv_nsec;
};

/* Nanoseconds since boot (SYS_CLOCK_GET). Other clocks fail with EINVAL. */
#define CLOCK_MONOTONIC IRIS_CLOCK_MONOTONIC

int clock_gettime(clockid_t clock, struct timespec *ts);
/*
 * Sleeps for *req (tv_nsec must be in [0, 1e9), else EINVAL). Nothing
 * interrupts a sleep, so on success *rem (if given) is zero.
 */
int nanosleep(const struct timespec *req, struct timespec *rem);
