/*
 * nvme: the driver of one NVM Express controller (QEMU's `-device nvme`,
 * NVMe 1.4, and the real thing). devmgr starts one per controller
 * (nvme.manifest); each active namespace becomes a block device named
 * blk/<instance>.<nsid> (iris/proto/blk.h, docs/block.md).
 *
 *   ctrl.c      the controller: reset, admin queue, I/O queues, interrupts, watchdog
 *   queue.c     queue pairs: commands, PRPs, completions, requests
 *   ns.c        namespaces: the active ones, the block devices
 *   identify.c  Identify data (untrusted), checked
 */
#include "nvme.h"
#include <errno.h>
#include <string.h>

int main(int argc, char **argv)
{
	static struct drv d;
	static struct nvme_ctrl c;

	if (drv_init(&d, argc, argv) < 0)
		return 1;
	drv_debug(&d, "NVMe %04x:%04x at %02x:%02x.%x, restart %u", d.info.vendor, d.info.device,
	          d.info.bus, d.info.dev, d.info.fn, d.restarts);

	/* 1. the controller, reset and enabled with its admin queue */
	if (ctrl_init(&c, &d) < 0 || ctrl_identify(&c) < 0)
		return 1;

	/* 2. its active namespaces */
	if (ns_probe(&c) < 0)
		return 1;
	if (!c.nns)
		drv_log(&d, "no namespaces");

	/* 3. I/O queue pairs, one per CPU; their interrupts; the watchdog */
	if (ctrl_queues_create(&c) < 0 || ctrl_irq_start(&c) < 0)
		return 1;
	ctrl_watchdog_start(&c);

	/* 4. the namespaces' names, then tell devmgr */
	for (unsigned i = 0; i < c.nns; i++)
		if (ns_register(c.ns[i]) < 0)
			return 1;
	drv_ready(&d);

	/* 5. serve until killed */
	int r = drv_loop_run(&d);
	drv_error(&d, "the event loop failed (%s)", strerror(-r));
	return 1;
}
