/*
 * libc's terminal (iris/console.h) from a program sh started: isatty,
 * O_NONBLOCK reads, poll() on stdin alone and mixed with a process handle,
 * a cooked line read, the terminal passed on to a child, console info. Run
 * at the shell prompt (the shell-terminal suite test types its input);
 * prints "terminal: ok NAME" or "terminal: FAIL NAME" per check and a last
 * line "terminal: N passed, M failed".
 *
 * `test_terminal tick N` prints "tick 1" .. "tick N", one every half
 * second: a background job whose output must survive console restarts
 * (the shell-console-restart suite test). `test_terminal restart NAME MS`
 * asks devmgr to restart driver instance NAME after MS milliseconds: a
 * console restart while the shell waits for a foreground program.
 */
#include <errno.h>
#include <fcntl.h>
#include <iris/console.h>
#include <iris/modules.h>
#include <iris/ns.h>
#include <iris/proto/console.h>
#include <iris/proto/devmgr.h>
#include <iris/rpc.h>
#include <iris/sys.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int passed, failed;

static void check(bool ok, const char *name)
{
	printf("terminal: %s %s\n", ok ? "ok" : "FAIL", name);
	if (ok)
		passed++;
	else
		failed++;
}

#define TICK_NS        500000000LL
#define DEVMGR_CALL_NS 10000000000LL

/* Prints "tick 1" .. "tick count", one every TICK_NS. */
static int tick(const char *count)
{
	long n = strtol(count, NULL, 10);
	for (long i = 1; i <= n; i++) {
		sys_sleep(TICK_NS);
		printf("tick %ld\n", i);
	}
	return 0;
}

/* Restarts driver instance `name` (as `drv restart`) after `ms` milliseconds. */
static int restart(const char *name, const char *ms)
{
	struct iris_chan chan;
	struct iris_rpc_client cl;
	sys_sleep((uint64_t)strtol(ms, NULL, 10) * 1000000);
	int r = iris_ns_connect("devmgr", &chan);
	if (r == 0) {
		iris_rpc_client_init(&cl, &chan);
		r = iris_rpc_call(&cl, DEVMGR_OP_RESTART, name, strlen(name) + 1, NULL, 0,
		                  DEVMGR_CALL_NS);
		iris_chan_close(&chan);
	}
	printf("terminal: restart %s: %s\n", name, r < 0 ? strerror(-r) : "asked");
	return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return isatty(0) && isatty(1) ? 7 : 1;
	if (argc > 2 && strcmp(argv[1], "tick") == 0)
		return tick(argv[2]);
	if (argc > 3 && strcmp(argv[1], "restart") == 0)
		return restart(argv[2], argv[3]);
	iris_modules_init();
	check(isatty(0) && isatty(1) && isatty(2) && !isatty(5), "isatty: 0, 1, 2 but not 5");
	struct console_info info;
	check(iris_console_get_info(&info) == 0 && info.cols >= 40 && info.rows >= 10,
	      "console info");

	check(fcntl(0, F_SETFL, O_NONBLOCK) == 0 && (fcntl(0, F_GETFL) & O_NONBLOCK),
	      "O_NONBLOCK set on stdin");
	char buf[200];
	errno = 0;
	ssize_t n = read(0, buf, sizeof(buf));
	check(n < 0 && errno == EAGAIN, "a non-blocking read with nothing typed: EAGAIN");
	fcntl(0, F_SETFL, 0);
	struct pollfd p = { 0, POLLIN, 0 };
	check(poll(&p, 1, 100) == 0, "poll on stdin times out with nothing typed");

	char *cargv[] = { "test_terminal", "child", NULL };
	iris_handle_t child = iris_console_spawn("test_terminal", cargv);
	struct pollfd ps[2] = { { 0, POLLIN, 0 }, { child, POLLIN, 0 } };
	int r = poll(ps, 2, 10000);
	check(child >= 0 && r == 1 && (ps[1].revents & POLLIN) && !ps[0].revents,
	      "poll mixes stdin with a process handle");
	struct iris_exit_info ex = { 0 };
	sys_wait(child, &ex, 0);
	check(ex.reason == IRIS_EXIT_CODE && ex.code == 7, "the child had the terminal too");

	printf("terminal: type a line\n");
	fflush(stdout);
	p.revents = 0;
	r = poll(&p, 1, 30000);
	n = r == 1 ? read(0, buf, sizeof(buf) - 1) : -1;
	if (n >= 0)
		buf[n] = '\0';
	check(r == 1 && (p.revents & POLLIN), "poll wakes when a line is typed");
	check(n > 0 && strncmp(buf, "hello terminal", 14) == 0, "the cooked line read back");
	printf("terminal: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
