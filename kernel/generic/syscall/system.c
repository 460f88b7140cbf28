/*
 * System calls about the system and the caller's own time: the null calls,
 * clocks and waits, the debug console, counters, power, the kernel log.
 */
#include <arch/platform.h>
#include <arch/smp.h>
#include <async/aop.h>
#include <console/log.h>
#include <console/logread.h>
#include <iris/abi/errno.h>
#include <iris/abi/syscall.h>
#include <mm/frame.h>
#include <mm/heap.h>
#include <mm/usercopy.h>
#include <sched/sched.h>
#include <sched/thread.h>
#include <syscall/args.h>
#include <time.h>

#define DEBUG_WRITE_MAX 4096

long sys_echo(const struct syscall_args *a)
{
	return (long)a->a[0];
}

long sys_yield(const struct syscall_args *a)
{
	(void)a;
	sched_yield();
	return 0;
}

long sys_nop(const struct syscall_args *a)
{
	(void)a;
	return 0;
}

long sys_clock_get(const struct syscall_args *a)
{
	if (a->a[0] != IRIS_CLOCK_MONOTONIC)
		return -EINVAL;
	return (long)time_ns();
}

/*
 * The calls that may block are operations of the caller's private ring
 * (async/aop.c): a submission and a wait for it.
 */
long sys_sleep(const struct syscall_args *a)
{
	if (a->a[0] == 0)
		return 0;
	long r = aop_run_sync(SYS_SLEEP, a->a);
	return r == -ECANCELED ? -EINTR : r;
}

long sys_timeout(const struct syscall_args *a)
{
	return aop_run_sync(SYS_TIMEOUT, a->a);
}

long sys_poll(const struct syscall_args *a)
{
	return aop_run_sync(SYS_POLL, a->a);
}

_Static_assert(IRIS_LOG_ALWAYS == LOG_PANIC && IRIS_LOG_ERROR == LOG_ERROR &&
                       IRIS_LOG_WARN == LOG_WARN && IRIS_LOG_INFO == LOG_INFO &&
                       IRIS_LOG_DEBUG == LOG_DEBUG,
               "the user's log levels are the kernel's");

/*
 * Writes the caller's bytes to the kernel log at level a[2] (IRIS_LOG_*):
 * into the ring of everything always, to the consoles only if loglevel=
 * lets that level through.
 */
long sys_debug_write(const struct syscall_args *a)
{
	uintptr_t buf = a->a[0];
	size_t len = a->a[1];
	uint64_t level = a->a[2];
	char chunk[256];

	if (level > IRIS_LOG_DEBUG)
		return -EINVAL;
	if (len > DEBUG_WRITE_MAX)
		len = DEBUG_WRITE_MAX;
	if (!user_range_ok(buf, len))
		return -EFAULT;
	for (size_t done = 0; done < len;) {
		size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		if (copy_from_user(chunk, buf + done, n) < 0)
			return done ? (long)done : -EFAULT;
		log_write((enum log_level)level, chunk, n);
		done += n;
	}
	return (long)len;
}

long sys_stat(const struct syscall_args *a)
{
	switch (a->a[0]) {
	case IRIS_STAT_FRAMES_FREE:
		return (long)frame_count_free();
	case IRIS_STAT_FRAMES_TOTAL:
		return (long)frame_count_total();
	case IRIS_STAT_HANDLES:
		return (long)self()->handles.count;
	case IRIS_STAT_PROCESSES:
		return (long)process_count_alive();
	case IRIS_STAT_THREADS:
		return (long)thread_count_alive();
	case IRIS_STAT_CPUS:
		return (long)smp_online_count();
	case IRIS_STAT_HEAP_BYTES:
		return (long)heap_bytes_in_use();
	case IRIS_STAT_OBJECTS:
		return (long)__atomic_load_n(&kobject_live, __ATOMIC_RELAXED);
	default:
		return -EINVAL;
	}
}

long sys_power(const struct syscall_args *a)
{
	if (a->a[0] == IRIS_POWER_OFF)
		power_off(self()->pid);
	if (a->a[0] == IRIS_POWER_REBOOT)
		power_reboot(self()->pid);
	return -EINVAL;
}

/* The kernel's log rings (console/logread.c: IRIS_LOG_* flags, claiming COM1). */
long sys_log_read(const struct syscall_args *a)
{
	return log_read_user(a->a[0], a->a[1], a->a[2], a->a[3]);
}
