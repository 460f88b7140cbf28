/*
 * The host bus adapter: taking it over from the firmware, resetting it into
 * AHCI mode, the interrupt (an IRQ-ack program that acks every disk's port
 * and the HBA, and tells the driver which ports saw errors) and a watchdog.
 */
#include "ahci.h"
#include <errno.h>
#include <iris/sys.h>
#include <string.h>

#define MS 1000000ull

static uint64_t now_ns(void)
{
	long t = sys_clock_get(IRIS_CLOCK_MONOTONIC);
	return t < 0 ? 0 : (uint64_t)t;
}

/*
 * Polls register `reg` until (value & mask) == want, for at most `ns`.
 * Returns whether it got there. A device that has gone away reads all
 * ones, which matches only a `want` of all ones.
 */
bool wait_until(const struct drv_mmio *m, size_t reg, uint32_t mask, uint32_t want, uint64_t ns)
{
	uint64_t deadline = now_ns() + ns;
	for (;;) {
		if ((drv_mmio_read32(m, reg) & mask) == want)
			return true;
		if (now_ns() >= deadline)
			return false;
		sys_sleep(100000); /* 0.1 ms */
	}
}

/* BIOS/OS handoff (section 10.6): take ownership if the firmware still holds the HBA. */
static void hba_handoff(struct ahci_hba *h)
{
	if (!(drv_mmio_read32(&h->abar, AHCI_CAP2) & AHCI_CAP2_BOH))
		return;
	uint32_t bohc = drv_mmio_read32(&h->abar, AHCI_BOHC);
	if (!(bohc & AHCI_BOHC_BOS))
		return;
	drv_mmio_write32(&h->abar, AHCI_BOHC, bohc | AHCI_BOHC_OOS);
	if (!wait_until(&h->abar, AHCI_BOHC, AHCI_BOHC_BOS, 0, 25 * MS) ||
	    (drv_mmio_read32(&h->abar, AHCI_BOHC) & AHCI_BOHC_BB)) {
		/* the firmware is busy finishing commands: it gets two seconds */
		if (!wait_until(&h->abar, AHCI_BOHC, AHCI_BOHC_BOS | AHCI_BOHC_BB, 0, 2000 * MS))
			drv_debug(h->d, "the firmware did not hand the HBA over: taking it");
	}
}

/* Checks CAP and PI against each other and the BAR; keeps the ports the BAR really holds. */
static int hba_check(struct ahci_hba *h)
{
	h->cap = drv_mmio_read32(&h->abar, AHCI_CAP);
	h->pi = drv_mmio_read32(&h->abar, AHCI_PI);
	if (h->cap == UINT32_MAX) {
		drv_error(h->d, "the HBA does not answer");
		return -ENODEV;
	}
	uint32_t fit = 0;
	for (unsigned p = 0; p < AHCI_MAX_PORTS; p++)
		if (AHCI_PORT_BASE(p) + AHCI_PORT_SIZE <= h->abar.size)
			fit |= 1u << p;
	if (h->pi & ~fit) {
		drv_log(h->d, "PI %#x names ports beyond the BAR: ignoring them", h->pi);
		h->pi &= fit;
	}
	if (!h->pi) {
		drv_error(h->d, "no ports implemented");
		return -ENODEV;
	}
	h->dma_flags = h->cap & AHCI_CAP_S64A ? 0 : IRIS_DMA_32BIT;
	return 0;
}

int hba_init(struct ahci_hba *h, struct drv *d)
{
	h->d = d;
	/* a write only if firmware left decoding off (it needs the config right) */
	int r = drv_pci_command(d, DRV_PCI_COMMAND_MEMORY, 0);
	if (r < 0) {
		drv_error(d, "memory decoding is off and cannot be turned on: %s", strerror(-r));
		return r;
	}
	r = drv_pci_map_bar(d, AHCI_BAR, AHCI_PORT_BASE(0) + AHCI_PORT_SIZE, &h->abar);
	if (r < 0) {
		drv_error(d, "cannot map ABAR (BAR %d): %s", AHCI_BAR, strerror(-r));
		return r;
	}
	/* AHCI mode first: the other registers may not work in legacy mode */
	drv_mmio_write32(&h->abar, AHCI_GHC, drv_mmio_read32(&h->abar, AHCI_GHC) | AHCI_GHC_AE);
	hba_handoff(h);
	/* reset: the ports stop, the interrupt is off, nothing left from before us */
	drv_mmio_write32(&h->abar, AHCI_GHC, AHCI_GHC_AE | AHCI_GHC_HR);
	if (!wait_until(&h->abar, AHCI_GHC, AHCI_GHC_HR, 0, 1000 * MS)) {
		drv_error(d, "the HBA does not come out of reset");
		return -EIO;
	}
	drv_mmio_write32(&h->abar, AHCI_GHC, AHCI_GHC_AE);
	r = hba_check(h);
	if (r < 0)
		return r;
	r = drv_pci_busmaster(d, 1);
	if (r < 0)
		drv_error(d, "cannot enable bus mastering: %s", strerror(-r));
	return r;
}

/*
 * The IRQ-ack program. r0 = IS; nothing pending: not ours (INTx) or a
 * spurious MSI (claimed, so that the kernel does not mask a healthy
 * vector). For each disk: r2 = PxIS, written back to ack it, and if it has
 * an error bit, r1 |= 1 << port. Then IS is acked (after the ports, as the
 * spec asks) and the event carries IS and the error ports.
 */
static void hba_irq_program(struct ahci_hba *h, uint32_t mode, struct drv_irq_prog *p)
{
	drv_irq_prog_init(p);
	int none = drv_irq_label(p);
	drv_irq_read(p, 0, AHCI_BAR, AHCI_IS, 4);
	drv_irq_jz(p, 0, none);
	drv_irq_mov_imm(p, 1, 0);
	for (unsigned no = 0; no < AHCI_MAX_PORTS; no++) {
		if (!(h->disks & (1u << no)))
			continue;
		int next = drv_irq_label(p);
		uint32_t pxis = AHCI_PORT_BASE(no) + PX_IS;
		drv_irq_read(p, 2, AHCI_BAR, pxis, 4);
		drv_irq_write(p, 2, AHCI_BAR, pxis, 4);
		drv_irq_and_imm(p, 2, PX_IS_ERRORS);
		drv_irq_jz(p, 2, next);
		drv_irq_or_imm(p, 1, 1ull << no);
		drv_irq_place(p, next);
	}
	drv_irq_write(p, 0, AHCI_BAR, AHCI_IS, 4);
	drv_irq_capture(p, 0, 0);
	drv_irq_capture(p, 1, 1);
	drv_irq_claim(p);
	drv_irq_place(p, none);
	if (mode == IRIS_IRQ_INTX)
		drv_irq_decline(p);
	else
		drv_irq_claim(p);
}

/* Events from the IRQ queue: service the ports they name (all of them if events were lost). */
static void hba_irq_event(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	struct ahci_hba *h = w->arg;
	struct iris_irq_event ev;
	bool lost = false;
	uint32_t pending = 0, errors = 0;
	while (drv_irq_next(&h->irq, &ev, &lost)) {
		pending |= (uint32_t)ev.value[0];
		errors |= (uint32_t)ev.value[1];
	}
	bool gone = result < 0 || (result & IRIS_POLL_HUP);
	if (lost || gone)
		pending = h->disks;
	for (unsigned no = 0; no < AHCI_MAX_PORTS; no++)
		if ((pending & h->disks & (1u << no)))
			port_service(h->port[no], (errors >> no) & 1);
	if (gone || drv_loop_poll(d, w, h->irq.handle, IRIS_POLL_IN) < 0)
		drv_log(d, "the interrupt is gone (%lld): only the watchdog polls now",
		        (long long)result);
}

int hba_irq_start(struct ahci_hba *h)
{
	struct drv *d = h->d;
	uint32_t modes = d->info.irq_modes;
	uint32_t mode = modes & (1u << IRIS_IRQ_MSI) ? IRIS_IRQ_MSI : IRIS_IRQ_INTX;
	if (mode == IRIS_IRQ_INTX && !(modes & (1u << IRIS_IRQ_INTX))) {
		drv_error(d, "the device offers neither MSI nor INTx");
		return -ENODEV;
	}
	if (mode == IRIS_IRQ_INTX && drv_pci_command(d, 0, DRV_PCI_COMMAND_INTX_DISABLE) < 0)
		drv_error(d, "cannot enable INTx in the command register");
	struct drv_irq_prog prog;
	hba_irq_program(h, mode, &prog);
	int r = drv_irq_bind(d, mode, &prog, &h->irq);
	if (r < 0) {
		drv_error(d, "cannot bind the interrupt (%s): %s",
		          mode == IRIS_IRQ_MSI ? "MSI" : "INTx", strerror(-r));
		return r;
	}
	for (unsigned no = 0; no < AHCI_MAX_PORTS; no++) {
		if (h->disks & (1u << no)) {
			port_write(h->port[no], PX_IS, UINT32_MAX);
			port_write(h->port[no], PX_IE, PX_IS_ENABLED);
		}
	}
	drv_mmio_write32(&h->abar, AHCI_IS, UINT32_MAX);
	drv_mmio_write32(&h->abar, AHCI_GHC, AHCI_GHC_AE | AHCI_GHC_IE);
	drv_loop_watch_init(&h->irq_watch, hba_irq_event, h);
	r = drv_loop_poll(d, &h->irq_watch, h->irq.handle, IRIS_POLL_IN);
	if (r == 0)
		drv_debug(d, "interrupts: %s, a %u-instruction ack program",
		          mode == IRIS_IRQ_MSI ? "MSI" : "INTx", prog.len);
	return r;
}

/* Every AHCI_TICK_NS: look at every disk, for lost interrupts and commands that never end. */
static void hba_tick(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	struct ahci_hba *h = w->arg;
	(void)result;
	for (unsigned no = 0; no < AHCI_MAX_PORTS; no++)
		if (h->disks & (1u << no))
			port_watchdog(h->port[no]);
	if (drv_loop_timer(d, w, AHCI_TICK_NS) < 0)
		drv_log(d, "the watchdog stopped");
}

void hba_watchdog_start(struct ahci_hba *h)
{
	drv_loop_watch_init(&h->tick, hba_tick, h);
	if (drv_loop_timer(h->d, &h->tick, AHCI_TICK_NS) < 0)
		drv_error(h->d, "no watchdog");
}
