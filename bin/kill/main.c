/*
 * kill: ends processes by pid (SYS_PROCESS_OPEN, then SYS_KILL).
 *   kill PID...
 * A shell's programs may end each other and their own descendants; the
 * kernel refuses the rest.
 */
#include <errno.h>
#include <iris/sys.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ends process `arg` (a pid in decimal); returns whether it worked. */
static int kill_one(const char *arg)
{
	char *end;
	unsigned long long pid = strtoull(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end) {
		printf("kill: %s is not a pid\n", arg);
		return 0;
	}
	long h = sys_process_open(pid);
	if (h == -ESRCH) {
		printf("kill: no process %s (or not one this program may end)\n", arg);
		return 0;
	}
	long r = h < 0 ? h : sys_kill((iris_handle_t)h);
	if (h >= 0)
		sys_handle_close((iris_handle_t)h);
	if (r < 0) {
		printf("kill: %s: %s\n", arg, strerror((int)-r));
		return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		printf("usage: kill PID...\n");
		return 2;
	}
	int failed = 0;
	for (int i = 1; i < argc; i++)
		failed += !kill_one(argv[i]);
	return failed ? 1 : 0;
}
