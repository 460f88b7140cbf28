/*
 * The out-of-tree driver end to end (KTAP), built against the sysroot like
 * the driver: devmgr matched edu.manifest to QEMU's edu device and started
 * the edu driver; the driver computes factorials through MMIO and its
 * interrupt; `drv crash edu0` makes devmgr restart it and it works again;
 * a driver that hangs is killed for missed heartbeats and restarted; a
 * driver that keeps faulting is restarted each time (after a growing delay:
 * the suite checks devmgr's log lines for 20, 40 and 80 ms).
 *
 * Run by init after devmgr: `test=user run=@!devmgr,test_edu` with
 * `-device edu` (build/iris-sysroot.iso).
 */
#include "edu_proto.h"
#include <errno.h>
#include <iris/modules.h>
#include <iris/ns.h>
#include <iris/proto/devmgr.h>
#include <iris/rpc.h>
#include <iris/sys.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MS       1000000LL
#define SEC      (1000 * MS)
#define INSTANCE "edu0"
#define SERVICE  EDU_SERVICE_PREFIX INSTANCE
#define PLAN     21

static int number, failed;

__attribute__((format(printf, 2, 3))) static bool check(bool ok, const char *fmt, ...)
{
	va_list ap;
	printf("%s %d ", ok ? "ok" : "not ok", ++number);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failed += !ok;
	return ok;
}

static int64_t now(void)
{
	return sys_clock_get(IRIS_CLOCK_MONOTONIC);
}

/* A channel to `name`, looked up until it exists or `timeout` passes. 0 or a negative errno. */
static int connect_to(const char *name, struct iris_chan *c, int64_t timeout)
{
	int64_t end = now() + timeout;
	for (;;) {
		int r = iris_ns_connect(name, c);
		if (r != -ENOENT || now() >= end)
			return r;
		sys_sleep(20 * MS);
	}
}

static struct iris_chan devmgr_chan;
static struct iris_rpc_client devmgr;

/* devmgr's description of INSTANCE: 0 or a negative errno. */
static int describe(struct devmgr_driver_info *info)
{
	for (uint32_t i = 0;; i++) {
		memset(info, 0, sizeof(*info));
		int r = iris_rpc_call(&devmgr, DEVMGR_OP_LIST, &i, sizeof(i), info, sizeof(*info),
		                      5 * SEC);
		if (r < 0)
			return r;
		info->instance[sizeof(info->instance) - 1] = '\0';
		info->driver[sizeof(info->driver) - 1] = '\0';
		info->last_exit[sizeof(info->last_exit) - 1] = '\0';
		if (strcmp(info->instance, INSTANCE) == 0)
			return 0;
	}
}

/* Waits until INSTANCE runs after at least `restarts` restarts. 0, or -ETIMEDOUT. */
static int wait_running(uint32_t restarts, struct devmgr_driver_info *info, int64_t timeout)
{
	int64_t end = now() + timeout;
	for (;;) {
		int r = describe(info);
		if (r == 0 && info->state == DEVMGR_RUNNING && info->restarts >= restarts)
			return 0;
		if (now() >= end)
			return -ETIMEDOUT;
		sys_sleep(10 * MS);
	}
}

static struct iris_chan edu_chan;
static struct iris_rpc_client edu;

static int edu_connect(void)
{
	int r = connect_to(SERVICE, &edu_chan, 10 * SEC);
	if (r == 0)
		iris_rpc_client_init(&edu, &edu_chan);
	return r;
}

static int factorial(uint32_t n, struct edu_factorial *f)
{
	memset(f, 0, sizeof(*f));
	return iris_rpc_call(&edu, EDU_OP_FACTORIAL, &n, sizeof(n), f, sizeof(*f), 5 * SEC);
}

/* Runs `line` (a boot module and its arguments) to its end; returns its exit status or -1. */
static int run(const char *name, const char *line)
{
	struct iris_exit_info info;
	iris_handle_t p = iris_module_spawn(name, line);
	if (p < 0)
		return -1;
	long r = sys_wait(p, &info, 0);
	sys_handle_close(p);
	return r == 0 && info.reason == IRIS_EXIT_CODE ? info.code : -1;
}

static void test_computes(void)
{
	struct edu_factorial f;
	struct edu_status s = { 0 };
	int r = factorial(10, &f);
	check(r >= 0 && f.value == 3628800 && f.irqs >= 1,
	      "10! = %u through the device and its interrupt (%d, %u interrupts)", f.value, r,
	      f.irqs);
	r = iris_rpc_call(&edu, EDU_OP_STATUS, NULL, 0, &s, sizeof(s), 5 * SEC);
	check(r >= 0 && s.irq_mode == IRIS_IRQ_MSI, "the driver took MSI (mode %u)", s.irq_mode);

	bool all = true;
	uint32_t expect = 1, irqs = f.irqs;
	for (uint32_t n = 0; n <= EDU_FACTORIAL_MAX; n++) {
		expect = n ? expect * n : 1;
		all = all && factorial(n, &f) >= 0 && f.value == expect && f.irqs == irqs + 1;
		irqs = f.irqs;
	}
	check(all, "0! to 12!, one interrupt each");

	long ids[8];
	for (uint32_t i = 0; i < 8; i++)
		ids[i] = iris_rpc_send(&edu, EDU_OP_FACTORIAL, &(uint32_t){ 5 + i }, 4,
		                       IRIS_HANDLE_INVALID, 5 * SEC);
	all = true;
	expect = 24;
	for (uint32_t i = 0; i < 8; i++) {
		expect *= 5 + i;
		memset(&f, 0, sizeof(f));
		all = all && ids[i] > 0 &&
		      iris_rpc_wait(&edu, (uint32_t)ids[i], &f, sizeof(f), NULL, 5 * SEC) >= 0 &&
		      f.value == expect;
	}
	check(all, "8 requests in flight, queued by the driver, all right");
	check(iris_rpc_call(&edu, EDU_OP_FACTORIAL, &(uint32_t){ 13 }, 4, &f, sizeof(f), 5 * SEC) ==
	              -EINVAL,
	      "13! is refused (it does not fit)");
}

/*
 * Crashes INSTANCE with `op` on the edu channel (or `drv crash` when op is
 * 0), then waits until it runs again after `restarts` restarts and
 * reconnects. Returns how long that took in ms, or -1.
 */
static long crash_and_back(uint16_t op, uint32_t restarts, struct devmgr_driver_info *info)
{
	int64_t t0 = now();
	if (op) {
		if (iris_rpc_call(&edu, op, NULL, 0, NULL, 0, 5 * SEC) < 0)
			return -1;
	} else if (run("drv", "drv crash " INSTANCE) != 0) {
		return -1;
	}
	int r = wait_running(restarts, info, 30 * SEC);
	long ms = (long)((now() - t0) / MS);
	iris_chan_close(&edu_chan);
	if (r < 0 || edu_connect() < 0)
		return -1;
	return ms;
}

int main(void)
{
	struct devmgr_driver_info info;
	struct edu_factorial f;
	struct edu_status s = { 0 };

	printf("KTAP version 1\n1..%d\n", PLAN);
	if (iris_modules_init() < 0 ||
	    !check(connect_to("devmgr", &devmgr_chan, 10 * SEC) == 0, "devmgr's service is up"))
		goto out;
	iris_rpc_client_init(&devmgr, &devmgr_chan);
	int r = wait_running(0, &info, 30 * SEC);
	check(r == 0 && strcmp(info.driver, "edu") == 0 && info.vendor == 0x1234 &&
	              info.device_id == 0x11e8,
	      "devmgr matched edu.manifest and runs %s: %s for %04x:%04x at %02x:%02x.%x", INSTANCE,
	      info.driver, info.vendor, info.device_id, info.bus, info.dev, info.fn);
	if (!check(edu_connect() == 0, "%s is registered", SERVICE))
		goto out;
	test_computes();
	check(run("drv", "drv list") == 0, "drv list");

	long ms = crash_and_back(0, 1, &info);
	check(ms >= 0 && info.restarts == 1 && strstr(info.last_exit, "crashed on request"),
	      "drv crash %s: restarted in %ld ms (%s)", INSTANCE, ms, info.last_exit);
	r = factorial(10, &f);
	check(r >= 0 && f.value == 3628800, "10! again after the restart (%u)", f.value);
	r = iris_rpc_call(&edu, EDU_OP_STATUS, NULL, 0, &s, sizeof(s), 5 * SEC);
	check(r >= 0 && s.restarts == 1, "the new instance was told it is restart %u", s.restarts);

	ms = crash_and_back(EDU_OP_HANG, 2, &info);
	check(ms >= 1500 && strstr(info.last_exit, "heartbeats"),
	      "a hung driver was killed and restarted after %ld ms (%s)", ms, info.last_exit);
	check(factorial(11, &f) >= 0 && f.value == 39916800, "11! after the hang (%u)", f.value);

	long delays[3];
	for (int i = 0; i < 3; i++) {
		delays[i] = crash_and_back(EDU_OP_FAULT, 3 + (uint32_t)i, &info);
		check(delays[i] >= 0 && strstr(info.last_exit, "CPU exception 14"),
		      "fault %d: restarted in %ld ms (%s)", i + 1, delays[i], info.last_exit);
	}
	check(factorial(12, &f) >= 0 && f.value == 479001600, "12! at the end (%u)", f.value);
	check(describe(&info) == 0 && info.restarts == 5 && info.state == DEVMGR_RUNNING,
	      "devmgr counts %u restarts", info.restarts);
	check(run("drv", "drv list") == 0, "drv list at the end");
	check(run("drv", "drv crash nosuch0") == 1, "drv crash of an unknown instance fails");
out:
	while (number < PLAN)
		check(false, "not reached");
	printf("# %d passed, %d failed\n", number - failed, failed);
	return failed ? 1 : 0;
}
