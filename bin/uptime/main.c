/* uptime: how long the system has been up (the monotonic clock), and what runs. */
#include <iris/sys.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	long ns = sys_clock_get(IRIS_CLOCK_MONOTONIC);
	if (ns < 0) {
		printf("uptime: cannot read the clock: %s\n", strerror((int)-ns));
		return 1;
	}
	long s = ns / 1000000000L;
	long procs = sys_stat(IRIS_STAT_PROCESSES), threads = sys_stat(IRIS_STAT_THREADS);
	long cpus = sys_stat(IRIS_STAT_CPUS);
	printf("up ");
	if (s >= 86400)
		printf("%ld day%s, ", s / 86400, s / 86400 == 1 ? "" : "s");
	printf("%02ld:%02ld:%02ld.%03ld", s / 3600 % 24, s / 60 % 60, s % 60, ns / 1000000L % 1000);
	if (procs >= 0 && threads >= 0 && cpus >= 0)
		printf(", %ld processes, %ld threads, %ld CPU%s", procs, threads, cpus,
		       cpus == 1 ? "" : "s");
	printf("\n");
	return 0;
}
