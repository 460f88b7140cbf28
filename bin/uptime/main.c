/*
 * uptime: how long the system has been up (the monotonic clock), and what
 * runs: the processes and their threads as ps counts them (SYS_PROCESS_LIST;
 * the kernel's own threads are not counted), and the CPUs.
 */
#include <args.h>
#include <errno.h>
#include <iris/sys.h>
#include <stdio.h>
#include <string.h>

#define BATCH 64 /* the most SYS_PROCESS_LIST returns at once */

/* Counts the live processes and their threads; 0 or a negative errno. */
static long count_processes(long *procs, long *threads)
{
	static struct iris_process_info info[BATCH];
	uint64_t first = 0;
	*procs = *threads = 0;
	for (;;) {
		long n = sys_process_list(info, BATCH, first);
		if (n < 0)
			return n;
		if (n > BATCH)
			return -EBADMSG;
		for (long i = 0; i < n; i++)
			*threads += info[i].threads;
		*procs += n;
		if (n < BATCH || info[n - 1].pid == UINT64_MAX)
			return 0;
		first = info[n - 1].pid + 1;
	}
}

int main(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return args_usage("uptime   (time since boot, processes, threads and CPUs)\n");
	long ns = sys_clock_get(IRIS_CLOCK_MONOTONIC);
	if (ns < 0) {
		printf("uptime: cannot read the clock: %s\n", strerror((int)-ns));
		return 1;
	}
	long s = ns / 1000000000L;
	long procs, threads, cpus = sys_stat(IRIS_STAT_CPUS);
	long listed = count_processes(&procs, &threads);
	printf("up ");
	if (s >= 86400)
		printf("%ld day%s, ", s / 86400, s / 86400 == 1 ? "" : "s");
	printf("%02ld:%02ld:%02ld.%03ld", s / 3600 % 24, s / 60 % 60, s % 60, ns / 1000000L % 1000);
	if (listed == 0 && cpus >= 0)
		printf(", %ld processes, %ld threads, %ld CPU%s", procs, threads, cpus,
		       cpus == 1 ? "" : "s");
	printf("\n");
	return 0;
}
