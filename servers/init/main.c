/*
 * init: the first process. It finds the programs it is asked to run among
 * the boot modules, starts them, reports how each one ended, and keeps its
 * services running.
 *
 * What to run: the words after the last `run=` on the kernel command line
 * (comma separated; the ISO's menu entries say `run=@!devmgr,@sh`, tests and
 * benchmarks add their own through fw_cfg), else init's own arguments from
 * its GRUB module line. Each program gets the same boot-module handles and
 * environment init got, so it can start programs of its own. Two prefixes
 * change how a program runs:
 *   @name  a service: started in the background, not waited for; restarted
 *          when it ends (one line says why) after a delay that doubles with
 *          each quick end in a row (SERVICE_BACKOFF_*), given up after
 *          SERVICE_GIVE_UP quick ends in a row; killed once every plain
 *          program has run (with no plain program, init keeps its
 *          services running for ever).
 *   !name  gets the bus handle (iris/abi/device.h) after its channel to ns,
 *          and IRIS_BUS=<its index> in its environment. devmgr is started
 *          as `@!devmgr`.
 * Plain names run one after the other, each to its end.
 *
 * The name service first: init starts the boot module `ns` (when there is
 * one) with one handle after the module handles, the ns end of a new
 * channel, and keeps the other end as its own channel to ns. It adds
 * IRIS_NS=<number of modules> to the environment: every program it starts
 * (iris_module_spawn) gets a fresh channel to ns as that initial handle
 * (iris/ns.h). ns is killed when everything has run.
 *
 * The kernel gives init the bus handle after the module handles (IRIS_BUS
 * names it); no program but a `!` one sees IRIS_BUS.
 */
#include <errno.h>
#include <iris/log.h>
#include <iris/modules.h>
#include <iris/ns.h>
#include <iris/startup.h>
#include <iris/sys.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROGRAMS          32
#define MAX_ENV               64
#define MS                    1000000LL
#define SERVICE_BACKOFF_FIRST (10 * MS)
#define SERVICE_BACKOFF_MAX   (5000 * MS)
#define SERVICE_STABLE        (2000 * MS) /* a run this long resets the back-off */
#define SERVICE_GIVE_UP       8

struct program {
	char *line;         /* its name and arguments, the prefixes taken off */
	char name[64];      /* the boot module */
	bool service;       /* @ */
	bool bus;           /* ! */
	iris_handle_t proc; /* while it runs, else IRIS_HANDLE_INVALID */
	int64_t started;    /* when it was last started */
	int64_t restart_at; /* a service waiting to be restarted: when; else -1 */
	uint32_t quick;     /* a service's quick ends in a row */
	uint32_t restarts;
};

extern char **environ;
static char *env_plain[MAX_ENV + 2]; /* every program's environment */
static char *env_bus[MAX_ENV + 3];   /* a `!` program's: env_plain and IRIS_BUS */
static iris_handle_t bus = IRIS_HANDLE_INVALID;
static bool have_ns;

static int64_t now_ns(void)
{
	return sys_clock_get(IRIS_CLOCK_MONOTONIC);
}

/*
 * Builds the environments programs get from init's own: without IRIS_BUS
 * and IRIS_NS, then IRIS_NS=<modules> when with_ns; for `!` programs also
 * IRIS_BUS=<the handle after the module handles and the ns channel>. Makes
 * env_plain the environment iris_module_spawn passes on.
 */
static void env_setup(char **from, bool with_ns)
{
	static char ns_var[32], bus_var[32];
	size_t n = 0;
	for (char **e = from; e && *e && n < MAX_ENV; e++)
		if (strncmp(*e, "IRIS_NS=", 8) != 0 && strncmp(*e, "IRIS_BUS=", 9) != 0)
			env_plain[n++] = *e;
	if (with_ns) {
		snprintf(ns_var, sizeof(ns_var), "IRIS_NS=%zu", iris_module_count());
		env_plain[n++] = ns_var;
	}
	env_plain[n] = NULL;
	memcpy(env_bus, env_plain, n * sizeof(char *));
	snprintf(bus_var, sizeof(bus_var), "IRIS_BUS=%zu", iris_module_count() + with_ns);
	env_bus[n] = bus_var;
	env_bus[n + 1] = NULL;
	environ = env_plain;
}

/*
 * Starts ns with the ns end of a new channel after the module handles and
 * makes the other end this process's channel to it. The environment must
 * already name that handle in IRIS_NS. Returns ns's process handle or a
 * negative errno (then programs run without a name service).
 */
static iris_handle_t start_ns(void)
{
	struct iris_channel_info info;

	if (iris_module_find("ns") < 0)
		return -ENOENT;
	long mine = sys_channel_create(0, &info);
	if (mine < 0)
		return (iris_handle_t)mine;
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

/* How a program ended, in words, into out; returns whether it succeeded. */
static bool describe_end(const struct iris_exit_info *info, char *out, size_t cap)
{
	switch (info->reason) {
	case IRIS_EXIT_CODE:
		snprintf(out, cap, "exited with status %d", info->code);
		return info->code == 0;
	case IRIS_EXIT_FAULT:
		snprintf(out, cap, "killed by CPU exception %u at rip %#lx (address %#lx)",
		         info->vector, (unsigned long)info->rip, (unsigned long)info->fault_addr);
		return false;
	default:
		snprintf(out, cap, "was killed");
		return false;
	}
}

/*
 * Starts p: a `!` program gets a fresh ns channel (if there is a name
 * service) and the bus handle after the module handles. Returns the
 * process handle or a negative errno.
 */
static iris_handle_t program_spawn(struct program *p)
{
	iris_handle_t extra[2], ns = IRIS_HANDLE_INVALID;
	size_t n = 0;
	if (!p->bus)
		return iris_module_spawn(p->name, p->line);
	if (bus == IRIS_HANDLE_INVALID)
		return -ENODEV;
	if (have_ns) {
		int r = iris_ns_client(&ns);
		if (r < 0)
			return r;
		extra[n++] = ns;
	}
	extra[n++] = bus;
	environ = env_bus;
	iris_handle_t proc = iris_module_spawn_handles(p->name, p->line, extra, n);
	environ = env_plain;
	if (ns != IRIS_HANDLE_INVALID)
		sys_handle_close(ns);
	return proc;
}

/* Starts p now; a service that cannot start is scheduled again as if it had ended. */
static void program_start(struct program *p, int64_t now)
{
	iris_handle_t proc = program_spawn(p);
	p->started = now;
	p->restart_at = -1;
	if (proc >= 0) {
		p->proc = proc;
		return;
	}
	iris_log(IRIS_LOG_ERROR, "init: cannot start %s: %s\n", p->name, strerror((int)-proc));
	if (p->service && ++p->quick < SERVICE_GIVE_UP)
		p->restart_at = now + (SERVICE_BACKOFF_FIRST << (p->quick - 1));
}

/* A service ended: log why and when it starts again (or that it is given up). */
static void service_ended(struct program *p, const struct iris_exit_info *info, int64_t now)
{
	char why[96];
	describe_end(info, why, sizeof(why));
	p->quick = now - p->started >= SERVICE_STABLE ? 1 : p->quick + 1;
	if (p->quick >= SERVICE_GIVE_UP) {
		iris_log(IRIS_LOG_ERROR, "init: %s %s; given up after %u quick ends in a row\n",
		         p->name, why, p->quick);
		return;
	}
	int64_t delay = SERVICE_BACKOFF_FIRST;
	for (uint32_t i = 1; i < p->quick && delay < SERVICE_BACKOFF_MAX; i++)
		delay *= 2;
	if (delay > SERVICE_BACKOFF_MAX)
		delay = SERVICE_BACKOFF_MAX;
	p->restart_at = now + delay;
	p->restarts++;
	iris_log(IRIS_LOG_WARN, "init: %s %s; restart %u in %ld ms\n", p->name, why, p->restarts,
	         (long)(delay / MS));
}

/* Takes the ended process of p: its exit information, and its handle closed. */
static long program_reap(struct program *p, struct iris_exit_info *info)
{
	long r = sys_wait(p->proc, info, IRIS_WAIT_NOHANG);
	sys_handle_close(p->proc);
	p->proc = IRIS_HANDLE_INVALID;
	return r;
}

/*
 * Keeps the services in ps[0..n) running until `fg` (a plain program's
 * process, or IRIS_HANDLE_INVALID: for ever) ends; returns its exit
 * information in *fg_info (0, or the error of waiting for it).
 */
static long supervise(struct program *ps, size_t n, iris_handle_t fg,
                      struct iris_exit_info *fg_info)
{
	struct pollfd fds[MAX_PROGRAMS + 1];
	struct program *owner[MAX_PROGRAMS + 1];
	for (;;) {
		int64_t now = now_ns(), next = INT64_MAX;
		nfds_t k = 0;
		if (fg != IRIS_HANDLE_INVALID) {
			fds[k] = (struct pollfd){ .fd = fg, .events = POLLIN };
			owner[k++] = NULL;
		}
		for (size_t i = 0; i < n; i++) {
			struct program *p = &ps[i];
			if (p->service && p->proc == IRIS_HANDLE_INVALID && p->restart_at >= 0 &&
			    p->restart_at <= now)
				program_start(p, now);
			if (p->restart_at >= 0 && p->restart_at < next)
				next = p->restart_at;
			if (p->service && p->proc != IRIS_HANDLE_INVALID) {
				fds[k] = (struct pollfd){ .fd = p->proc, .events = POLLIN };
				owner[k++] = p;
			}
		}
		int timeout = next == INT64_MAX ? -1 : (int)((next - now + MS - 1) / MS);
		if (k == 0 && timeout < 0)
			return -ECHILD; /* nothing runs and nothing will */
		if (poll(fds, k, timeout) < 0) {
			iris_log(IRIS_LOG_ERROR, "init: poll failed: %s\n", strerror(errno));
			return -errno;
		}
		for (nfds_t i = 0; i < k; i++) {
			if (!fds[i].revents)
				continue;
			if (!owner[i])
				return sys_wait(fg, fg_info, 0);
			struct iris_exit_info info = { 0 };
			program_reap(owner[i], &info);
			service_ended(owner[i], &info, now_ns());
		}
	}
}

/* Runs plain program p to its end, keeping the services running; returns whether it succeeded. */
static bool run_plain(struct program *p, struct program *ps, size_t n)
{
	iris_handle_t proc = program_spawn(p);
	if (proc < 0) {
		iris_log(IRIS_LOG_ERROR, "init: cannot start %s: %s\n", p->name,
		         strerror((int)-proc));
		return false;
	}
	struct iris_exit_info info = { 0 };
	long r = supervise(ps, n, proc, &info);
	sys_handle_close(proc);
	if (r < 0) {
		iris_log(IRIS_LOG_ERROR, "init: waiting for %s failed: %s\n", p->name,
		         strerror((int)-r));
		return false;
	}
	char why[96];
	bool ok = describe_end(&info, why, sizeof(why));
	iris_log(IRIS_LOG_INFO, "init: %s %s\n", p->name, why);
	return ok;
}

/* Reads the prefixes and the module name of `word`; false if the name is bad. */
static bool program_parse(char *word, struct program *p)
{
	memset(p, 0, sizeof(*p));
	p->proc = IRIS_HANDLE_INVALID;
	p->restart_at = -1;
	for (; *word == '@' || *word == '!'; word++) {
		if (*word == '@')
			p->service = true;
		else
			p->bus = true;
	}
	size_t n = strcspn(word, " ");
	if (n == 0 || n >= sizeof(p->name)) {
		iris_log(IRIS_LOG_ERROR, "init: bad program name in \"%s\"\n", word);
		return false;
	}
	memcpy(p->name, word, n);
	p->name[n] = '\0';
	p->line = word;
	return true;
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

/* Kills the services still running and waits for them (their ends are not reported). */
static void stop_services(struct program *ps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (ps[i].proc == IRIS_HANDLE_INVALID)
			continue;
		sys_kill(ps[i].proc);
		program_reap(&ps[i], &(struct iris_exit_info){ 0 });
	}
}

/*
 * The last `run=` word of the kernel command line, or NULL: the ISO's menu
 * entry has one, and words added after it (QEMU's fw_cfg) replace it.
 */
static const char *last_run_word(const char *cmdline)
{
	const char *last = NULL;
	for (const char *p = cmdline; p && (p = strstr(p, "run=")); p += 4) {
		if (p == cmdline || p[-1] == ' ')
			last = p;
	}
	return last;
}

int main(int argc, char **argv)
{
	static char runbuf[1024];
	static struct program ps[MAX_PROGRAMS];
	char *words[MAX_PROGRAMS];
	size_t count = 0, n = 0;

	if (iris_modules_init() < 0) {
		iris_log(IRIS_LOG_ERROR,
		         "init: the boot modules are not described (IRIS_MODULES)\n");
		return 1;
	}
	iris_log(IRIS_LOG_DEBUG, "init: Iris init (pid %ld) with %zu boot modules\n",
	         sys_process_self(), iris_module_count());
	bus = iris_handle_from_env("IRIS_BUS");
	const char *cmdline = getenv("IRIS_CMDLINE");
	const char *run = last_run_word(cmdline);
	if (run) {
		size_t len = strcspn(run + 4, " ");
		if (len >= sizeof(runbuf))
			len = sizeof(runbuf) - 1;
		memcpy(runbuf, run + 4, len);
		count = programs_from_cmdline(runbuf, words, MAX_PROGRAMS);
	} else {
		for (int i = 1; i < argc && count < MAX_PROGRAMS; i++)
			words[count++] = argv[i];
	}
	if (count == 0)
		iris_log(IRIS_LOG_WARN, "init: nothing to run\n");

	char **inherited = environ;
	env_setup(inherited, true);
	iris_handle_t ns = start_ns();
	have_ns = ns >= 0;
	if (!have_ns) {
		env_setup(inherited, false);
		if (ns != -ENOENT)
			iris_log(IRIS_LOG_ERROR, "init: cannot start ns: %s\n", strerror((int)-ns));
	}

	int failures = 0, plain = 0;
	for (size_t i = 0; i < count; i++) {
		struct program *p = &ps[n];
		if (!program_parse(words[i], p)) {
			failures++;
			plain++;
			continue;
		}
		n++;
		if (p->service) {
			program_start(p, now_ns());
			continue;
		}
		plain++;
		failures += !run_plain(p, ps, n);
	}
	if (plain == 0 && n > 0)
		supervise(ps, n, IRIS_HANDLE_INVALID, NULL);
	stop_services(ps, n);
	if (have_ns) {
		sys_kill(ns);
		sys_wait(ns, &(struct iris_exit_info){ 0 }, 0);
		sys_handle_close(ns);
	}
	iris_log(IRIS_LOG_INFO, "init: done, %d of %d programs failed\n", failures, plain);
	return failures ? 1 : 0;
}
