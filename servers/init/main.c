/*
 * init: the first process. It finds the programs it is asked to run among
 * the boot modules, starts them one after the other, and reports how each
 * one ended.
 *
 * What to run: the words after `run=` on the kernel command line (comma
 * separated, for tests and benchmarks), else init's own arguments from its
 * GRUB module line. Each program gets the same boot-module handles and
 * environment init got, so it can start programs of its own.
 */
#include <iris/modules.h>
#include <iris/startup.h>
#include <iris/sys.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROGRAMS 32

/* Prints one line saying how `name` ended; returns whether it succeeded. */
static int report(const char *name, const struct iris_exit_info *info)
{
	switch (info->reason) {
	case IRIS_EXIT_CODE:
		printf("init: %s exited with status %d\n", name, info->code);
		return info->code == 0;
	case IRIS_EXIT_FAULT:
		printf("init: %s killed by CPU exception %u at rip %#lx (address %#lx)\n", name,
		       info->vector, (unsigned long)info->rip, (unsigned long)info->fault_addr);
		return 0;
	default:
		printf("init: %s was killed\n", name);
		return 0;
	}
}

/* Runs `line` (program name, then its arguments) to its end; returns whether it succeeded. */
static int run_one(const char *line)
{
	char name[64];
	size_t n = strcspn(line, " ");
	if (n == 0 || n >= sizeof(name)) {
		printf("init: bad program name in \"%s\"\n", line);
		return 0;
	}
	memcpy(name, line, n);
	name[n] = '\0';
	iris_handle_t proc = iris_module_spawn(name, line);
	if (proc < 0) {
		printf("init: cannot start %s: %s\n", name, strerror((int)-proc));
		return 0;
	}
	struct iris_exit_info info;
	long r = sys_wait(proc, &info, 0);
	sys_handle_close(proc);
	if (r < 0) {
		printf("init: waiting for %s failed: %s\n", name, strerror((int)-r));
		return 0;
	}
	return report(name, &info);
}

/* Splits the value of run= (commas between programs, '+' between a program's words). */
static size_t programs_from_cmdline(char *value, char **out, size_t max)
{
	size_t n = 0;
	char *save = NULL;
	for (char *p = strtok_r(value, ",", &save); p && n < max; p = strtok_r(NULL, ",", &save)) {
		for (char *q = p; *q; q++)
			if (*q == '+')
				*q = ' ';
		out[n++] = p;
	}
	return n;
}

int main(int argc, char **argv)
{
	static char runbuf[1024];
	char *programs[MAX_PROGRAMS];
	size_t count = 0;

	printf("init: Iris init (pid %ld) with %zu boot modules\n", sys_process_self(),
	       iris_handle_count());
	if (iris_modules_init() < 0) {
		printf("init: the boot modules are not described (IRIS_MODULES)\n");
		return 1;
	}
	const char *cmdline = getenv("IRIS_CMDLINE");
	const char *run = cmdline ? strstr(cmdline, "run=") : NULL;
	if (run && (run == cmdline || run[-1] == ' ')) {
		size_t len = strcspn(run + 4, " ");
		if (len >= sizeof(runbuf))
			len = sizeof(runbuf) - 1;
		memcpy(runbuf, run + 4, len);
		count = programs_from_cmdline(runbuf, programs, MAX_PROGRAMS);
	} else {
		for (int i = 1; i < argc && count < MAX_PROGRAMS; i++)
			programs[count++] = argv[i];
	}
	if (count == 0)
		printf("init: nothing to run\n");

	int failures = 0;
	for (size_t i = 0; i < count; i++)
		failures += !run_one(programs[i]);
	printf("init: done, %d of %zu programs failed\n", failures, count);
	return failures ? 1 : 0;
}
