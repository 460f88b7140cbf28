/*
 * kill: ends processes by pid (SYS_PROCESS_OPEN, then SYS_KILL).
 *   kill PID...
 * A shell's programs may end each other and their own descendants; the
 * kernel refuses the rest.
 */
#include <args.h>
#include <errno.h>
#include <iris/sys.h>
#include <stdio.h>
#include <string.h>

#define USAGE "kill PID...   (ends the processes with these pids)\n"

/* Ends process `pid` (`arg` in words); returns whether it worked. */
static int kill_one(uint64_t pid, const char *arg)
{
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
	uint64_t pid;
	if (argc < 2)
		return args_usage(USAGE);
	for (int i = 1; i < argc; i++)
		if (!args_number(argv[i], UINT64_MAX, &pid))
			return args_usage(USAGE);
	int failed = 0;
	for (int i = 1; i < argc; i++) {
		args_number(argv[i], UINT64_MAX, &pid);
		failed += !kill_one(pid, argv[i]);
	}
	return failed ? 1 : 0;
}
