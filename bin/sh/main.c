/*
 * sh: the Iris shell. It reads a line with its editor (ledit.c) with the
 * terminal in raw mode, splits it into words (parse.c), and runs a built-in
 * or the boot module of that name with those arguments on the same terminal
 * (iris_console_spawn). It waits for a program as the terminal's foreground
 * program, in cooked mode, so Ctrl-C ends the program and not the shell;
 * with a trailing '&' the program runs in the background as a job instead,
 * and the shell says "[n] done" before the next prompt once it has ended.
 *
 * Built-ins: cd, exit [N], help, jobs. The programs are boot modules of
 * three kinds: commands (bin/, listed by `help` with the description
 * bin/meson.build gives each), tests and benchmarks (test_*, bench_*: run
 * by name, not listed), and system programs (init, the servers, the
 * drivers), which the shell refuses to start: a second init or console
 * server started by a typing slip would take the terminal with it.
 * $? is the last exit status: the program's exit code; 127 no such
 * program; 126 it could not be started, or is a system program; 130 it was
 * killed (Ctrl-C, kill); 139 a CPU exception ended it; 2 a bad command line.
 *
 * A shell started without a terminal (IRIS_CONSOLE) connects to the console
 * server by name (CONSOLE_NAME), waiting for it to start. When the console
 * server restarts, libc reconnects (iris/console.h): the shell waits
 * for its foreground program with iris_console_wait, which tells the new
 * server the foreground again, and a line being typed is dropped as after
 * Ctrl-C (the read returns EINTR) for a fresh prompt.
 */
#include "commands.h"
#include "ledit.h"
#include "parse.h"
#include <errno.h>
#include <iris/console.h>
#include <iris/modules.h>
#include <iris/ns.h>
#include <iris/sys.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROMPT          "iris$ "
#define BANNER          "Iris shell - type 'help'. (QEMU: Ctrl-A X quits)"
#define JOBS_MAX        16
#define MS              1000000LL
#define CONNECT_WAIT_NS (10000 * MS) /* for the console server to start */
#define STATUS_NOTFOUND 127
#define STATUS_NOSTART  126
#define STATUS_KILLED   130
#define STATUS_FAULT    139
#define STATUS_USAGE    2

/* The commands and their one-line descriptions (bin/meson.build). */
static const struct command {
	const char *name, *help;
} commands[] = { SH_COMMANDS };

struct job {
	iris_handle_t proc; /* IRIS_HANDLE_INVALID: a free slot */
	char what[64];      /* the command line, shortened */
};

static struct ledit editor;
static struct sh_cmd cmd;
static struct job jobs[JOBS_MAX]; /* job n is jobs[n - 1] */
static int status;
static char status_text[16];
/* Read from the terminal, not yet edited: input[input_pos..input_len). */
static uint8_t input[CONSOLE_DATA_MAX];
static size_t input_pos, input_len;

static void term_write(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	fwrite(s, 1, n, stdout);
}

/* Makes sure this process has a terminal; false if there is none to be had. */
static bool terminal_connect(void)
{
	iris_handle_t ep;
	if (iris_console_present())
		return true;
	return iris_ns_lookup_wait(CONSOLE_NAME, CONNECT_WAIT_NS, &ep) == 0 &&
	       iris_console_use(ep) == 0;
}

/* Leaves the terminal as programs expect it (cooked, echoing) and exits. */
_Noreturn static void quit(int code)
{
	iris_console_set_mode(CONSOLE_MODE_ECHO);
	exit(code);
}

/*
 * Reads the next line into editor.line with the terminal in raw mode.
 * Returns LEDIT_DONE, LEDIT_CANCEL or LEDIT_EOF (also when reading failed).
 */
static int read_line(void)
{
	struct console_info info;
	size_t cols = iris_console_get_info(&info) == 0 ? info.cols : 0;
	iris_console_set_mode(CONSOLE_MODE_RAW);
	ledit_start(&editor, PROMPT, cols);
	for (;;) {
		while (input_pos < input_len) {
			int r = ledit_feed(&editor, input[input_pos++]);
			if (r != LEDIT_MORE) {
				fflush(stdout);
				return r;
			}
		}
		fflush(stdout);
		ssize_t n = read(STDIN_FILENO, input, sizeof(input));
		if (n < 0 && errno == EINTR) {
			input[0] = 0x03; /* Ctrl-C, or the console restarted: drop the line */
			n = 1;
		}
		if (n <= 0) {
			if (n < 0)
				printf("\nsh: cannot read the terminal: %s\n", strerror(errno));
			return LEDIT_EOF;
		}
		input_pos = 0;
		input_len = (size_t)n;
	}
}

/* $? and the environment, for the parser. */
static const char *lookup(void *ctx, const char *name, size_t n)
{
	char var[64];
	(void)ctx;
	if (n == 1 && name[0] == '?')
		return status_text;
	if (n >= sizeof(var))
		return NULL;
	memcpy(var, name, n);
	var[n] = '\0';
	return getenv(var);
}

/* The exit status for how a program ended; a crash is reported. */
static int exit_status(const char *name, const struct iris_exit_info *info)
{
	switch (info->reason) {
	case IRIS_EXIT_CODE:
		return info->code;
	case IRIS_EXIT_FAULT:
		printf("sh: %s crashed: CPU exception %u at rip %#lx (address %#lx)\n", name,
		       info->vector, (unsigned long)info->rip, (unsigned long)info->fault_addr);
		return STATUS_FAULT;
	default:
		return STATUS_KILLED;
	}
}

/* Says "[n] done" for each background job that has ended, and forgets it. */
static void jobs_reap(void)
{
	for (size_t i = 0; i < JOBS_MAX; i++) {
		struct job *j = &jobs[i];
		if (j->proc == IRIS_HANDLE_INVALID)
			continue;
		struct iris_exit_info info = { 0 };
		long r = sys_wait(j->proc, &info, IRIS_WAIT_NOHANG);
		if (r == -EAGAIN)
			continue;
		char how[64] = "";
		if (r < 0)
			snprintf(how, sizeof(how), " (cannot tell how: %s)", strerror((int)-r));
		else if (info.reason == IRIS_EXIT_CODE && info.code != 0)
			snprintf(how, sizeof(how), " (exit %d)", info.code);
		else if (info.reason == IRIS_EXIT_FAULT)
			snprintf(how, sizeof(how), " (crashed: CPU exception %u)", info.vector);
		else if (info.reason != IRIS_EXIT_CODE)
			snprintf(how, sizeof(how), " (killed)");
		printf("[%zu] done  %s%s\n", i + 1, j->what, how);
		sys_handle_close(j->proc);
		j->proc = IRIS_HANDLE_INVALID;
	}
}

/* The first free job slot, or NULL. */
static struct job *job_slot(void)
{
	for (size_t i = 0; i < JOBS_MAX; i++)
		if (jobs[i].proc == IRIS_HANDLE_INVALID)
			return &jobs[i];
	return NULL;
}

/* Records `proc` as a background job running `c` and says so. */
static void job_add(struct job *j, iris_handle_t proc, const struct sh_cmd *c)
{
	size_t len = 0;
	j->proc = proc;
	j->what[0] = '\0';
	for (int i = 0; i < c->argc && len < sizeof(j->what) - 1; i++) {
		int n = snprintf(j->what + len, sizeof(j->what) - len, "%s%s", i ? " " : "",
		                 c->argv[i]);
		len += n < 0 ? 0 : (size_t)n;
	}
	printf("[%zu] %s\n", (size_t)(j - jobs) + 1, j->what);
}

/* Whether the boot module `name` is one sh starts: a command, a test or a benchmark. */
static bool startable(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i].name) == 0)
			return true;
	return strncmp(name, "test_", 5) == 0 || strncmp(name, "bench_", 6) == 0;
}

/* Runs a boot module: in the foreground, waiting for it, or as a job. Returns $?. */
static int run_program(const struct sh_cmd *c)
{
	const char *name = c->argv[0];
	if (iris_module_find(name) < 0) {
		printf("sh: %s: no such program (type 'help')\n", name);
		return STATUS_NOTFOUND;
	}
	if (!startable(name)) {
		printf("sh: %s is a system program (init, a server or a driver, started at boot), "
		       "not a command (type 'help')\n",
		       name);
		return STATUS_NOSTART;
	}
	struct job *j = c->background ? job_slot() : NULL;
	if (c->background && !j) {
		printf("sh: %d jobs are running already; %s not started\n", JOBS_MAX, name);
		return STATUS_NOSTART;
	}
	if (!c->background)
		iris_console_set_mode(CONSOLE_MODE_ECHO);
	iris_handle_t proc = iris_console_spawn(name, c->argv);
	if (proc < 0) {
		printf("sh: cannot start %s: %s\n", name, strerror((int)-proc));
		return STATUS_NOSTART;
	}
	if (j) {
		job_add(j, proc, c);
		return 0;
	}
	int r = iris_console_foreground(proc);
	if (r < 0)
		printf("sh: Ctrl-C cannot end %s: %s\n", name, strerror(-r));
	struct iris_exit_info info = { 0 };
	long w = iris_console_wait(proc, &info);
	if (r == 0)
		iris_console_foreground(IRIS_HANDLE_INVALID);
	sys_handle_close(proc);
	if (w < 0) {
		printf("sh: waiting for %s failed: %s\n", name, strerror((int)-w));
		return 1;
	}
	return exit_status(name, &info);
}

static int builtin_cd(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("sh: cd: there is no filesystem yet\n");
	return 1;
}

static int builtin_exit(int argc, char **argv)
{
	if (argc > 2) {
		printf("sh: exit: too many arguments\n");
		return STATUS_USAGE;
	}
	if (argc == 2) {
		char *end;
		long v = strtol(argv[1], &end, 10);
		if (argv[1][0] == '\0' || *end || v < INT32_MIN || v > INT32_MAX) {
			printf("sh: exit: %s: not a number\n", argv[1]);
			return STATUS_USAGE;
		}
		quit((int)v);
	}
	quit(status);
}

static int builtin_jobs(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	jobs_reap();
	for (size_t i = 0; i < JOBS_MAX; i++)
		if (jobs[i].proc != IRIS_HANDLE_INVALID)
			printf("[%zu] running  %s\n", i + 1, jobs[i].what);
	return 0;
}

static int builtin_help(int argc, char **argv);

static const struct builtin {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} builtins[] = {
	{ "cd", builtin_cd, "cd DIR     change directory (there is no filesystem yet)" },
	{ "exit", builtin_exit, "exit [N]   leave the shell with status N (default: $?)" },
	{ "help", builtin_help, "help       this text" },
	{ "jobs", builtin_jobs, "jobs       list the background jobs" },
};

static int builtin_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Built-ins:\n");
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		printf("  %s\n", builtins[i].help);
	printf("Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (iris_module_find(commands[i].name) >= 0)
			printf("  %-10s %s\n", commands[i].name, commands[i].help);
	printf("NAME ARGS... runs a command and waits for it (Ctrl-C ends it); a trailing &\n"
	       "runs it in the background. '...' and \"...\" quote; $? is the last exit status.\n"
	       "Test and benchmark programs (test_*, bench_*) run by name as well.\n"
	       "Editing: Left/Right, Home/End, Backspace, Up/Down (history), Ctrl-U/K/W,\n"
	       "Ctrl-C drops the line, Ctrl-D on an empty line leaves the shell.\n");
	return 0;
}

/* Splits and runs one command line, setting $?. */
static void run_line(const char *line, size_t len)
{
	snprintf(status_text, sizeof(status_text), "%d", status);
	int r = sh_parse(line, len, &cmd, lookup, NULL);
	if (r < 0) {
		printf("sh: %s\n", sh_parse_error(r));
		status = STATUS_USAGE;
		return;
	}
	if (cmd.argc == 0)
		return;
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		if (strcmp(cmd.argv[0], builtins[i].name) == 0) {
			status = builtins[i].run(cmd.argc, cmd.argv);
			return;
		}
	}
	status = run_program(&cmd);
}

int main(void)
{
	if (iris_modules_init() < 0)
		printf("sh: the boot modules are not described (IRIS_MODULES): no programs to "
		       "run\n");
	if (!terminal_connect()) {
		printf("sh: no terminal (IRIS_CONSOLE) and no console server to connect to\n");
		return 1;
	}
	for (size_t i = 0; i < JOBS_MAX; i++)
		jobs[i].proc = IRIS_HANDLE_INVALID;
	ledit_init(&editor, term_write, NULL);
	printf("%s\n", BANNER);
	for (;;) {
		jobs_reap();
		int r = read_line();
		if (r == LEDIT_EOF) {
			printf("\n");
			quit(status);
		}
		if (r == LEDIT_DONE)
			run_line(editor.line, editor.len);
	}
}
