/*
 * init: the first process. It finds the programs it is asked to run among
 * the boot modules, starts them one after the other, and reports how each
 * one ended.
 *
 * What to run: the words after `run=` on the kernel command line (comma
 * separated, for tests and benchmarks), else init's own arguments from its
 * GRUB module line. Each program gets the same boot-module handles and
 * environment init got, so it can start programs of its own.
 *
 * The name service first: init starts the boot module `ns` (when there is
 * one) with one handle after the module handles, the ns end of a new
 * channel, and keeps the other end as its own channel to ns. It adds
 * IRIS_NS=<number of modules> to the environment: every program it starts
 * (iris_module_spawn) gets a fresh channel to ns as that initial handle
 * (iris/ns.h). ns is killed when everything has run.
 */
#include <errno.h>
#include <iris/modules.h>
#include <iris/ns.h>
#include <iris/startup.h>
#include <iris/sys.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROGRAMS 32
#define MAX_ENV      64

extern char **environ;

/*
 * Starts ns with the ns end of a new channel after the module handles,
 * makes the other end this process's channel to it, and sets IRIS_NS in the
 * environment the programs inherit. Returns ns's process handle or a
 * negative errno (then programs run without a name service).
 */
static iris_handle_t start_ns(void)
{
	static char var[32];
	static char *env[MAX_ENV + 2];
	struct iris_channel_info info;
	size_t n = 0;

	if (iris_module_find("ns") < 0)
		return -ENOENT;
	for (char **e = environ; e && *e && n < MAX_ENV; e++)
		if (strncmp(*e, "IRIS_NS=", 8) != 0)
			env[n++] = *e;
	snprintf(var, sizeof(var), "IRIS_NS=%zu", iris_module_count());
	env[n++] = var;
	env[n] = NULL;
	long mine = sys_channel_create(0, &info);
	if (mine < 0)
		return (iris_handle_t)mine;
	environ = env;
	iris_handle_t proc = iris_module_spawn_handles("ns", "ns", &info.peer, 1);
	sys_handle_close(info.peer);
	int r = proc < 0 ? proc : iris_ns_use((iris_handle_t)mine);
	if (proc < 0)
		sys_handle_close((iris_handle_t)mine);
	if (r < 0) {
		if (proc >= 0) {
			sys_kill(proc);
			sys_handle_close(proc);
		}
		return r;
	}
	return proc;
}

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

	if (iris_modules_init() < 0) {
		printf("init: the boot modules are not described (IRIS_MODULES)\n");
		return 1;
	}
	printf("init: Iris init (pid %ld) with %zu boot modules\n", sys_process_self(),
	       iris_module_count());
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
	iris_handle_t ns = start_ns();
	if (ns < 0 && ns != -ENOENT)
		printf("init: cannot start ns: %s\n", strerror((int)-ns));

	int failures = 0;
	for (size_t i = 0; i < count; i++)
		failures += !run_one(programs[i]);
	if (ns >= 0) {
		sys_kill(ns);
		sys_wait(ns, &(struct iris_exit_info){ 0 }, 0);
		sys_handle_close(ns);
	}
	printf("init: done, %d of %zu programs failed\n", failures, count);
	return failures ? 1 : 0;
}
