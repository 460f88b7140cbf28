/*
 * drv: the drivers devmgr runs, through its management service "devmgr"
 * (iris/proto/devmgr.h).
 *
 *   drv list           one line per driver instance: name, driver, the
 *                      device (a platform device's name, or the PCI address
 *                      and vendor:device), state, restarts, pid, and how it
 *                      last ended
 *   drv restart NAME   kill the instance and start it again
 *   drv crash NAME     make the instance fault on purpose (devmgr restarts it)
 */
#include <args.h>
#include <errno.h>
#include <iris/ns.h>
#include <iris/proto/devmgr.h>
#include <iris/rpc.h>
#include <iris/sys.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define TIMEOUT_NS (5 * 1000000000LL)

static const char *state_name(uint8_t state)
{
	switch (state) {
	case DEVMGR_STARTING:
		return "starting";
	case DEVMGR_RUNNING:
		return "running";
	case DEVMGR_BACKOFF:
		return "backoff";
	case DEVMGR_FAILED:
		return "failed";
	default:
		return "?";
	}
}

/* Prints every instance; returns 0 or a negative errno. */
static int drv_list(struct iris_rpc_client *cl)
{
	printf("%-10s %-8s %-11s %-9s %-8s %8s %5s  %s\n", "INSTANCE", "DRIVER", "DEVICE", "ID",
	       "STATE", "RESTARTS", "PID", "LAST EXIT");
	for (uint32_t i = 0;; i++) {
		struct devmgr_driver_info info;
		memset(&info, 0, sizeof(info));
		int r = iris_rpc_call(cl, DEVMGR_OP_LIST, &i, sizeof(i), &info, sizeof(info),
		                      TIMEOUT_NS);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
		/* The reply may stop after last_exit's NUL: terminate every string here. */
		info.instance[sizeof(info.instance) - 1] = '\0';
		info.driver[sizeof(info.driver) - 1] = '\0';
		info.platform[sizeof(info.platform) - 1] = '\0';
		info.last_exit[sizeof(info.last_exit) - 1] = '\0';
		char pid[16] = "-", where[16], id[16] = "-";
		if (info.pid >= 0)
			snprintf(pid, sizeof(pid), "%d", info.pid);
		if (info.platform[0]) {
			snprintf(where, sizeof(where), "%s", info.platform);
		} else {
			snprintf(where, sizeof(where), "pci %02x:%02x.%x", info.bus, info.dev,
			         info.fn);
			snprintf(id, sizeof(id), "%04x:%04x", info.vendor, info.device_id);
		}
		printf("%-10s %-8s %-11s %-9s %-8s %8u %5s  %s\n", info.instance, info.driver,
		       where, id, state_name(info.state), info.restarts, pid,
		       info.last_exit[0] ? info.last_exit : "-");
	}
}

static int usage(void)
{
	return args_usage("drv list | drv restart NAME | drv crash NAME\n");
}

int main(int argc, char **argv)
{
	struct iris_chan chan;
	struct iris_rpc_client cl;
	bool list = argc == 2 && strcmp(argv[1], "list") == 0;
	uint16_t op = 0;
	if (argc == 3 && strcmp(argv[1], "restart") == 0)
		op = DEVMGR_OP_RESTART;
	else if (argc == 3 && strcmp(argv[1], "crash") == 0)
		op = DEVMGR_OP_CRASH;
	if (!list && !op)
		return usage();
	if (op && strlen(argv[2]) >= DEVMGR_NAME_MAX) {
		printf("drv: no driver instance is called %s\n", argv[2]);
		return 1;
	}

	/* devmgr may be starting right now (init starts services and programs together). */
	int r = iris_ns_connect_wait("devmgr", TIMEOUT_NS, &chan);
	if (r < 0) {
		printf("drv: cannot reach devmgr: %s\n", strerror(-r));
		return 1;
	}
	iris_rpc_client_init(&cl, &chan);
	if (list)
		r = drv_list(&cl);
	else
		r = iris_rpc_call(&cl, op, argv[2], strlen(argv[2]) + 1, NULL, 0, TIMEOUT_NS);
	iris_chan_close(&chan);
	if (r == -ENOENT && op) {
		printf("drv: no driver instance is called %s\n", argv[2]);
		return 1;
	}
	if (r == -ESRCH) {
		printf("drv: %s is not running now\n", argv[2]);
		return 1;
	}
	if (r < 0) {
		printf("drv: %s\n", strerror(-r));
		return 1;
	}
	if (op)
		printf("drv: %s %s\n", op == DEVMGR_OP_RESTART ? "restarting" : "crashed", argv[2]);
	return 0;
}
