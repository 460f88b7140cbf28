/*
 * Driver instances: one per matched device, started, watched and restarted
 * by devmgr (docs/drivers.md, "Supervision"; MINIX 3's reincarnation
 * server is the model).
 *
 * Starting: the device is opened (again: -EBUSY until the kernel has let
 * go of the previous instance's handle, retried with a doubling delay),
 * its handle cut down to READ, TRANSFER and the manifest's rights, and the
 * driver's boot module spawned with the handles and environment of
 * iris/proto/devmgr.h. Watching: the process handle and the control channel sit
 * in the wait set; a running driver gets a PING every
 * DEVMGR_HEARTBEAT_NS and is killed once one has gone unanswered for
 * DEVMGR_HEARTBEAT_MISS periods, a starting one is killed if it is not
 * READY within DRIVER_READY_TIMEOUT_NS. Restarting: after each end, one
 * line in the log says why, and the instance starts again after a delay
 * that starts at DRIVER_BACKOFF_FIRST_NS and doubles with each consecutive
 * failure (at most DRIVER_BACKOFF_MAX_NS); the count of failures resets
 * once an instance has been READY for DRIVER_STABLE_NS, and after
 * DRIVER_FAILED_AFTER consecutive runs that never reached READY it is
 * FAILED (until a RESTART request). An end someone asked for (RESTART,
 * CRASH) is not a failure: it restarts after DRIVER_BACKOFF_FIRST_NS.
 */
#pragma once

#include "manifest.h"
#include <iris/abi/handle.h>
#include <iris/proto/devmgr.h>
#include <stdint.h>

#define DRIVERS_MAX             32
#define DRIVER_READY_TIMEOUT_NS (20 * 1000000000LL)
#define DRIVER_BACKOFF_FIRST_NS (10 * 1000000LL)
#define DRIVER_BACKOFF_MAX_NS   (640 * 1000000LL)
#define DRIVER_STABLE_NS        (2 * 1000000000LL)
#define DRIVER_FAILED_AFTER     8
#define DRIVER_BUSY_RETRY_NS    (5 * 1000000LL)
#define DRIVER_EXIT_TEXT        44 /* bytes of last_exit with its NUL that LIST sends */

struct driver;

/*
 * Remembers the bus handle and how many module handles a spawned program
 * gets (the position of the extra handles in its table).
 */
void driver_setup(iris_handle_t bus, size_t module_count);

/*
 * Adds an instance of manifest `m` for device `info`, named after the
 * driver and the number of instances of it so far (ahci0, ahci1 ...); it
 * starts at the next driver_poll. NULL when DRIVERS_MAX are there.
 */
struct driver *driver_add(const struct manifest *m, const struct iris_device_info *info);

/* Handles what happened since the last call: ends, control messages, heartbeats, restarts. */
void driver_poll(int64_t now);

/* The earliest time driver_poll has something to do (INT64_MAX: nothing). */
int64_t driver_next_deadline(void);

/* The instance at `index` described, or -ENOENT past the last. */
int driver_describe(size_t index, struct devmgr_driver_info *out);

/* The instance called `name`, or NULL. */
struct driver *driver_find(const char *name);

/*
 * Kills the instance if it runs (it starts again after DRIVER_BACKOFF_FIRST_NS),
 * or starts a waiting or FAILED one now, with its failure count cleared. 0.
 */
int driver_restart(struct driver *d);

/* Asks the instance to crash (DEVMGR_OP_CRASH). 0, -ESRCH when it does not run, -EAGAIN. */
int driver_crash(struct driver *d);
