/*
 * libdriver: what every Iris driver process needs (docs/drivers.md).
 *
 *   driver.h   startup from devmgr's contract (iris/proto/devmgr.h), logging, READY
 *   loop.h     the event loop on one ring
 *   pci.h      BARs, MMIO accessors, configuration space
 *   dma.h      DMA buffers
 *   irq.h      the IRQ-ack program builder and binding
 *   blkserv.h  the server side of the block-device protocol (iris/proto/blk.h)
 *
 * A driver's main():
 *
 *     struct drv d;
 *     if (drv_init(&d, argc, argv) < 0)
 *             return 1;
 *     ... map BARs, bind the interrupt, register services ...
 *     drv_ready(&d);
 *     return drv_loop_run(&d) < 0;
 *
 * The control channel from devmgr is served by the loop: PING is answered,
 * CRASH makes the driver fault on purpose (a write through a null pointer),
 * and a devmgr that goes away ends the driver.
 */
#pragma once

#include <driver/loop.h>
#include <iris/abi/device.h>
#include <iris/chan.h>
#include <iris/ringbuf.h>
#include <stdbool.h>
#include <stdint.h>

#define DRV_NAME_MAX 24

struct drv {
	char instance[DRV_NAME_MAX]; /* IRIS_DRIVER ("ahci0"), else the program's name */
	uint32_t restarts;           /* IRIS_RESTARTS */
	iris_handle_t device;        /* IRIS_DEVICE */
	struct iris_device_info info;
	struct iris_ringbuf ring; /* the loop's */
	bool has_devmgr;          /* started by devmgr: a control channel */
	struct iris_chan devmgr;
	struct drv_loop_watch devmgr_watch;
};

/*
 * Reads the contract devmgr starts a driver with: the device handle
 * (IRIS_DEVICE) and its description, the name service (IRIS_NS, made this
 * process's channel to ns), the control channel (IRIS_DEVMGR; optional, so
 * a driver can be started by hand), the instance name and restart count;
 * then sets up the loop's ring and starts serving the control channel.
 * Prints what is missing and returns a negative errno when it cannot.
 */
int drv_init(struct drv *d, int argc, char **argv);

/*
 * A line in the kernel log (iris/log.h) with "<instance>: " in front and a
 * newline after: drv_error for what stops the driver or loses its
 * device, drv_log for what a user should see (info), drv_debug for
 * the routine (shown with loglevel=debug; always kept for dmesg).
 */
__attribute__((format(printf, 2, 3))) void drv_error(const struct drv *d, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void drv_log(const struct drv *d, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void drv_debug(const struct drv *d, const char *fmt, ...);

/* Tells devmgr the driver is initialised and its services are registered (DEVMGR_OP_READY). */
int drv_ready(struct drv *d);

/* Faults on purpose, now (DEVMGR_OP_CRASH). */
_Noreturn void drv_crash(void);
