/* mem: physical memory (page frames) in all, in use and free. */
#include <args.h>
#include <iris/sys.h>
#include <stdio.h>
#include <string.h>

#define PAGE_KIB 4

int main(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return args_usage("mem   (physical memory in all, in use and free)\n");
	long total = sys_stat(IRIS_STAT_FRAMES_TOTAL), avail = sys_stat(IRIS_STAT_FRAMES_FREE);
	if (total < 0 || avail < 0) {
		printf("mem: cannot read the counters: %s\n",
		       strerror((int)-(total < 0 ? total : avail)));
		return 1;
	}
	if (avail > total) {
		printf("mem: the kernel reports %ld free of %ld frames\n", avail, total);
		return 1;
	}
	long used = total - avail;
	printf("%12s %12s %12s\n", "total KiB", "used KiB", "free KiB");
	printf("%12ld %12ld %12ld\n", total * PAGE_KIB, used * PAGE_KIB, avail * PAGE_KIB);
	printf("%ld of %ld pages (4 KiB) in use, %ld%%\n", used, total,
	       total ? used * 100 / total : 0);
	return 0;
}
