/* <time.h> and the sleeping parts of <unistd.h>, on SYS_CLOCK_GET and SYS_SLEEP. */
#include "internal.h"
#include <errno.h>
#include <iris/sys.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_SEC 1000000000L

int clock_gettime(clockid_t clock, struct timespec *ts)
{
	if (clock != CLOCK_MONOTONIC) {
		errno = EINVAL;
		return -1;
	}
	long ns = libc_syscall_result(sys_clock_get(IRIS_CLOCK_MONOTONIC));
	if (ns < 0)
		return -1;
	ts->tv_sec = ns / NS_PER_SEC;
	ts->tv_nsec = ns % NS_PER_SEC;
	return 0;
}

/* Sleeps ns nanoseconds; 0 or -1 with errno. */
static int sleep_ns(uint64_t ns)
{
	return libc_syscall_result(sys_sleep(ns)) < 0 ? -1 : 0;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= NS_PER_SEC) {
		errno = EINVAL;
		return -1;
	}
	/* Longer than INT64_MAX nanoseconds (292 years) is as good as forever. */
	uint64_t ns = req->tv_sec > (INT64_MAX - req->tv_nsec) / NS_PER_SEC
	                      ? INT64_MAX
	                      : (uint64_t)req->tv_sec * NS_PER_SEC + (uint64_t)req->tv_nsec;
	if (sleep_ns(ns))
		return -1;
	if (rem)
		*rem = (struct timespec){ 0, 0 };
	return 0;
}

unsigned sleep(unsigned seconds)
{
	sleep_ns((uint64_t)seconds * NS_PER_SEC);
	return 0;
}

int usleep(useconds_t microseconds)
{
	return sleep_ns((uint64_t)microseconds * 1000);
}
