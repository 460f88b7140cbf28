/*
 * ps: one line per live process (SYS_PROCESS_LIST): pid, parent, state,
 * threads, CPU time used, resident memory, open handles and name.
 */
#include <args.h>
#include <iris/sys.h>
#include <stdio.h>
#include <string.h>

#define BATCH 64 /* the most SYS_PROCESS_LIST returns at once */

static const char *state_name(uint32_t state)
{
	switch (state) {
	case IRIS_PROCESS_RUNNING:
		return "running";
	case IRIS_PROCESS_SLEEPING:
		return "sleeping";
	case IRIS_PROCESS_EXITING:
		return "exiting";
	default:
		return "?";
	}
}

int main(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return args_usage("ps   (lists the processes)\n");
	static struct iris_process_info info[BATCH];
	uint64_t first = 0;
	printf("%5s %5s %-9s %7s %9s %9s %7s  %s\n", "PID", "PPID", "STATE", "THREADS", "CPU ms",
	       "MEM KiB", "HANDLES", "NAME");
	for (;;) {
		long n = sys_process_list(info, BATCH, first);
		if (n < 0) {
			printf("ps: cannot list the processes: %s\n", strerror((int)-n));
			return 1;
		}
		if (n > BATCH) {
			printf("ps: the kernel returned %ld entries for %d\n", n, BATCH);
			return 1;
		}
		for (long i = 0; i < n; i++) {
			const struct iris_process_info *p = &info[i];
			printf("%5lu %5lu %-9s %7u %9lu %9lu %7u  %.*s\n", (unsigned long)p->pid,
			       (unsigned long)p->parent, state_name(p->state), p->threads,
			       (unsigned long)(p->cpu_ns / 1000000), (unsigned long)(p->pages * 4),
			       p->handles, (int)strnlen(p->name, sizeof(p->name)), p->name);
		}
		if (n < BATCH || info[n - 1].pid == UINT64_MAX)
			return 0;
		first = info[n - 1].pid + 1;
	}
}
