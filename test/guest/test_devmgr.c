/*
 * devmgr's management service and supervision (KTAP), on whatever driver
 * instance devmgr runs: `test_devmgr NAME` (ahci0 on q35, edu0 on the
 * sysroot ISO), started by init after devmgr (`run=@!devmgr,test_devmgr+NAME`).
 *
 * LIST describes the instance (and ends with -ENOENT); bad requests get
 * clear errors; RESTART brings it back with one more restart; ten CRASH
 * requests in a row each bring it back promptly (a requested crash is not a
 * failure: the suite checks the log that each one waited the first delay
 * only); `drv` lists, restarts, and refuses bad words.
 *
 * Two more modes serve init's own test of its services (no KTAP):
 * `test_devmgr exit N` exits with status N at once, `test_devmgr sleep MS`
 * sleeps that long and exits 0.
 */
#include "ktap.h"
#include <errno.h>
#include <iris/modules.h>
#include <iris/ns.h>
#include <iris/proto/devmgr.h>
#include <iris/rpc.h>
#include <iris/sys.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS      1000000LL
#define SEC     (1000 * MS)
#define CRASHES 10

static struct iris_chan chan;
static struct iris_rpc_client devmgr;
static char name[DEVMGR_NAME_MAX];

static int64_t now(void)
{
	return sys_clock_get(IRIS_CLOCK_MONOTONIC);
}

/* LIST `index` into *info (strings terminated). The reply's status or length. */
static int list(uint32_t index, struct devmgr_driver_info *info)
{
	memset(info, 0, sizeof(*info));
	int r = iris_rpc_call(&devmgr, DEVMGR_OP_LIST, &index, sizeof(index), info, sizeof(*info),
	                      5 * SEC);
	info->instance[sizeof(info->instance) - 1] = '\0';
	info->driver[sizeof(info->driver) - 1] = '\0';
	info->last_exit[sizeof(info->last_exit) - 1] = '\0';
	return r;
}

/* The instance called `name` (the first one if name is empty). 0 or a negative errno. */
static int describe(struct devmgr_driver_info *info)
{
	for (uint32_t i = 0;; i++) {
		int r = list(i, info);
		if (r < 0)
			return r;
		if (!name[0] || strcmp(info->instance, name) == 0)
			return 0;
	}
}

/* Waits until the instance runs after at least `restarts` restarts. 0 or -ETIMEDOUT. */
static int wait_running(uint32_t restarts, struct devmgr_driver_info *info, int64_t timeout)
{
	int64_t end = now() + timeout;
	for (;;) {
		if (describe(info) == 0 && info->state == DEVMGR_RUNNING &&
		    info->restarts >= restarts)
			return 0;
		if (now() >= end)
			return -ETIMEDOUT;
		sys_sleep(10 * MS);
	}
}

static int call_named(uint16_t op, const void *arg, size_t len)
{
	return iris_rpc_call(&devmgr, op, arg, len, NULL, 0, 5 * SEC);
}

/* Runs `line` (drv and its words) to its end; its exit status, or -1. */
static int drv(const char *line)
{
	struct iris_exit_info info;
	iris_handle_t p = iris_module_spawn("drv", line);
	if (p < 0)
		return -1;
	long r = sys_wait(p, &info, 0);
	sys_handle_close(p);
	return r == 0 && info.reason == IRIS_EXIT_CODE ? info.code : -1;
}

static void test_requests(void)
{
	struct devmgr_driver_info info;
	uint32_t count = 0;
	while (list(count, &info) >= 0)
		count++;
	ktap_check(list(count, &info) == -ENOENT, "LIST past the last of %u instances: -ENOENT",
	           count);
	uint16_t two = 0;
	ktap_check(iris_rpc_call(&devmgr, DEVMGR_OP_LIST, &two, sizeof(two), &info, sizeof(info),
	                         5 * SEC) == -EINVAL,
	           "LIST with a short index: -EINVAL");
	ktap_check(call_named(DEVMGR_OP_RESTART, "nosuch0", 8) == -ENOENT &&
	                   call_named(DEVMGR_OP_CRASH, "nosuch0", 8) == -ENOENT,
	           "RESTART and CRASH of an unknown instance: -ENOENT");
	ktap_check(call_named(DEVMGR_OP_CRASH, name, strlen(name)) == -ENOENT,
	           "a name without its NUL names nothing");
	ktap_check(call_named(DEVMGR_OP_READY, NULL, 0) == -ENOSYS,
	           "an unknown operation: -ENOSYS");
}

static void test_restart(void)
{
	struct devmgr_driver_info before, after;
	describe(&before);
	int64_t t0 = now();
	int r = call_named(DEVMGR_OP_RESTART, name, strlen(name) + 1);
	r = r < 0 ? r : wait_running(before.restarts + 1, &after, 30 * SEC);
	ktap_check(r == 0 && strstr(after.last_exit, "restart requested"),
	           "RESTART: running again after %ld ms, restart %u (%s)",
	           (long)((now() - t0) / MS), after.restarts, after.last_exit);
}

static void test_crashes(void)
{
	struct devmgr_driver_info info;
	describe(&info);
	uint32_t base = info.restarts;
	int64_t t0 = now(), worst = 0;
	int done = 0;
	for (int i = 1; i <= CRASHES; i++) {
		int64_t t = now();
		int r = call_named(DEVMGR_OP_CRASH, name, strlen(name) + 1);
		if (r < 0 || wait_running(base + (uint32_t)i, &info, 30 * SEC) < 0)
			break;
		worst = now() - t > worst ? now() - t : worst;
		done = i;
	}
	ktap_check(done == CRASHES && strstr(info.last_exit, "crashed on request"),
	           "%d CRASH requests in a row, each restarted (%s)", done, info.last_exit);
	ktap_check(done == CRASHES && now() - t0 < 20 * SEC,
	           "all back within 20 s: %ld ms in all, the slowest %ld ms",
	           (long)((now() - t0) / MS), (long)(worst / MS));
	ktap_check(call_named(DEVMGR_OP_CRASH, name, strlen(name) + 1) == 0 &&
	                   wait_running(base + CRASHES + 1, &info, 30 * SEC) == 0 &&
	                   info.restarts == base + CRASHES + 1,
	           "devmgr counted every restart (%u)", info.restarts);
}

static void test_drv(void)
{
	char line[64];
	struct devmgr_driver_info info;
	describe(&info);
	ktap_check(drv("drv list") == 0, "drv list");
	snprintf(line, sizeof(line), "drv restart %s", name);
	ktap_check(drv(line) == 0 && wait_running(info.restarts + 1, &info, 30 * SEC) == 0,
	           "drv restart %s", name);
	ktap_check(drv("drv") == 2 && drv("drv frobnicate x") == 2, "drv with bad words: usage");
	ktap_check(drv("drv restart nosuch0") == 1, "drv restart of an unknown instance fails");
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "exit") == 0)
		return atoi(argv[2]);
	if (argc == 3 && strcmp(argv[1], "sleep") == 0) {
		sys_sleep((uint64_t)atoi(argv[2]) * MS);
		return 0;
	}
	if (argc > 1)
		snprintf(name, sizeof(name), "%s", argv[1]);

	ktap_plan(16);
	int r = -ENOENT;
	for (int64_t end = now() + 10 * SEC; r == -ENOENT && now() < end; sys_sleep(20 * MS))
		r = iris_ns_connect("devmgr", &chan);
	if (iris_modules_init() < 0 || !ktap_check(r == 0, "devmgr's service is up (%d)", r))
		return ktap_done();
	iris_rpc_client_init(&devmgr, &chan);

	struct devmgr_driver_info info;
	r = wait_running(0, &info, 30 * SEC);
	if (!ktap_check(r == 0, "%s runs", name[0] ? name : "the first instance"))
		return ktap_done();
	snprintf(name, sizeof(name), "%s", info.instance);
	size_t dl = strlen(info.driver);
	ktap_check(dl > 0 && strncmp(info.instance, info.driver, dl) == 0 &&
	                   info.vendor != 0xffff && info.restarts == 0 && info.last_exit[0] == 0,
	           "LIST: %s is %s for %04x:%04x at %02x:%02x.%x, never restarted", info.instance,
	           info.driver, info.vendor, info.device_id, info.bus, info.dev, info.fn);
	test_requests();
	test_restart();
	test_crashes();
	test_drv();
	return ktap_done();
}
