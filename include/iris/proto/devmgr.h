/*
 * The device manager's protocols (docs/drivers.md), over iris/proto/rpc.h.
 *
 * Starting a driver. devmgr opens the device, drops the rights the
 * driver's manifest does not ask for, and starts the driver's boot module
 * with the module handles followed by three more, whose positions it puts
 * in the environment:
 *   IRIS_NS=<i>      a channel to the name service (iris/proto/ns.h)
 *   IRIS_DEVICE=<i>  the device handle (iris/abi/device.h)
 *   IRIS_DEVMGR=<i>  the driver's control channel to devmgr
 *   IRIS_DRIVER=<instance>   e.g. "ahci0": the name of this instance
 *   IRIS_RESTARTS=<n>        how many times this instance was restarted
 * The driver registers its services (blk/ahci0.0, ...) with the name service
 * and then sends DEVMGR_OP_READY on the control channel.
 *
 * The control channel. devmgr sends requests, the driver replies:
 * DEVMGR_OP_PING every DEVMGR_HEARTBEAT_NS (a driver that has not replied
 * to one within DEVMGR_HEARTBEAT_MISS periods is killed and restarted) and
 * DEVMGR_OP_CRASH (die at once on purpose, for tests and `drv crash`). The
 * driver's one request, DEVMGR_OP_READY, has one optional argument: its
 * int32_t process id (for `drv list` and devmgr's log lines).
 *
 * The management service, name "devmgr" (tools such as `drv`):
 * DEVMGR_OP_LIST (args: uint32_t index) -> struct devmgr_driver_info of the
 * index-th instance (the reply stops after last_exit's NUL: the whole
 * structure does not fit in one message; zero-fill it first), -ENOENT past the last;
 * DEVMGR_OP_RESTART and DEVMGR_OP_CRASH (args: the instance name, NUL-terminated) -> 0.
 */
#pragma once

#include <iris/abi/device.h>
#include <stdint.h>

#define DEVMGR_HEARTBEAT_NS   500000000ull /* 0.5 s */
#define DEVMGR_HEARTBEAT_MISS 4
#define DEVMGR_NAME_MAX       20 /* an instance: the driver and a number */
#define DEVMGR_DRIVER_MAX     16 /* a driver (a manifest's driver line) */

enum {
	DEVMGR_OP_READY = 1, /* driver -> devmgr: initialised, services registered */
	DEVMGR_OP_PING,      /* devmgr -> driver: answer with status 0 */
	DEVMGR_OP_CRASH,     /* devmgr -> driver: fault now; management: crash that instance */
	DEVMGR_OP_LIST,      /* management */
	DEVMGR_OP_RESTART,   /* management: kill and restart that instance */
};

/* Driver states (struct devmgr_driver_info.state). */
enum {
	DEVMGR_STARTING = 1, /* started, not ready yet */
	DEVMGR_RUNNING,      /* ready, answering heartbeats */
	DEVMGR_BACKOFF,      /* ended; waiting to be restarted */
	DEVMGR_FAILED,       /* ended too often in a row: given up */
};

/* Fits one reply (IRIS_RPC_ARGS_MAX bytes): devmgr checks. */
struct devmgr_driver_info {
	char instance[DEVMGR_NAME_MAX];      /* "ahci0" */
	char driver[DEVMGR_DRIVER_MAX];      /* the boot module: "ahci" */
	char platform[IRIS_DEVICE_NAME_MAX]; /* a platform device's name ("com1"); PCI: "" */
	uint16_t vendor, device_id;          /* PCI */
	uint8_t bus, dev, fn;                /* PCI */
	uint8_t state;
	uint32_t restarts;
	int32_t pid;        /* of the running process, or -1 */
	char last_exit[44]; /* why it last ended, in words ("" if never) */
};
