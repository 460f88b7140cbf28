/*
 * ahci: the driver of one AHCI SATA controller (QEMU's ich9-ahci on q35,
 * `-device ahci` on pc, and the real thing). devmgr starts one per
 * controller (ahci.manifest); each disk becomes a block device named
 * blk/<instance>.<port> (iris/proto/blk.h, docs/block.md).
 *
 *   hba.c   the controller: handoff, reset, the interrupt, the watchdog
 *   port.c  a port and its disk: detection, IDENTIFY, commands, recovery
 *   ata.c   IDENTIFY data and command FISes
 */
#include "ahci.h"
#include <errno.h>
#include <string.h>

int main(int argc, char **argv)
{
	static struct drv d;
	static struct ahci_hba hba;

	if (drv_init(&d, argc, argv) < 0)
		return 1;
	drv_debug(&d, "AHCI %04x:%04x at %02x:%02x.%x, restart %u", d.info.vendor, d.info.device,
	          d.info.bus, d.info.dev, d.info.fn, d.restarts);

	/* 1. the controller, reset into AHCI mode */
	if (hba_init(&hba, &d) < 0)
		return 1;

	/* 2. the disks on its ports (the interrupt program can serve AHCI_IRQ_PORTS of them) */
	for (unsigned no = 0; no < AHCI_MAX_PORTS; no++) {
		if (!(hba.pi & (1u << no)))
			continue;
		if (__builtin_popcount(hba.disks) == AHCI_IRQ_PORTS) {
			drv_log(&d, "port %u and beyond: more disks than the driver serves", no);
			break;
		}
		if (port_probe(&hba, no, &hba.port[no]) == 0)
			hba.disks |= 1u << no;
	}
	if (!hba.disks)
		drv_log(&d, "no disks");

	/* 3. interrupts and the watchdog */
	if (hba.disks && hba_irq_start(&hba) < 0)
		return 1;
	hba_watchdog_start(&hba);

	/* 4. the disks' names, then tell devmgr */
	for (unsigned no = 0; no < AHCI_MAX_PORTS; no++)
		if ((hba.disks & (1u << no)) && port_register(hba.port[no]) < 0)
			return 1;
	drv_ready(&d);

	/* 5. serve until killed */
	int r = drv_loop_run(&d);
	drv_error(&d, "the event loop failed (%s)", strerror(-r));
	return 1;
}
