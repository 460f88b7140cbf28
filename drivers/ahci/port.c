/*
 * A port and its disk: detection, the command engine, IDENTIFY, the queue
 * of block requests, completions, and recovery from device errors.
 *
 * Requests wait in `pending` (FIFO) until a command slot is free. READ and
 * WRITE run queued (FPDMA QUEUED, NCQ) when the HBA and the disk both can,
 * else as READ/WRITE DMA EXT, many at once either way. A FLUSH runs alone:
 * it starts once nothing else runs and nothing starts until it ends, so it
 * covers every write that completed before it (and NCQ and non-queued
 * commands never mix).
 *
 * Errors. A failing command shows as PxTFD.STS.ERR or an error bit the IRQ
 * program saw in PxIS; which of several queued commands failed is not
 * known. So every command in flight goes back to the front of the queue
 * (`retry`), the port is reset (engine stopped, COMRESET, started), and the
 * retried requests run one at a time, non-queued (`serial`): one that fails
 * alone is the culprit and gets -EIO; the others are simply done again,
 * which is harmless for reads and writes of the same data. After
 * AHCI_RESETS_MAX resets without a single success the port is declared
 * dead and every request fails with -EIO; the driver itself lives on.
 */
#include "ahci.h"
#include <errno.h>
#include <iris/sys.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000000ull

/* A port's `mem`: the command list, the received-FIS area, the command tables, IDENTIFY's data. */
#define MEM_CL       0x0000 /* 32 headers; 1 KiB aligned */
#define MEM_FIS      0x0400 /* 256 bytes; 256-byte aligned */
#define MEM_TABLES   0x0800 /* TABLE_STRIDE apart; 128-byte aligned */
#define TABLE_BYTES  (sizeof(struct ahci_cmd_table) + AHCI_PRDT_MAX * sizeof(struct ahci_prd))
#define TABLE_STRIDE ((TABLE_BYTES + 127) & ~(size_t)127)
#define MEM_IDENTIFY (MEM_TABLES + AHCI_MAX_SLOTS * TABLE_STRIDE)
#define MEM_SIZE     (MEM_IDENTIFY + 512)

_Static_assert(sizeof(struct ahci_cmd_header) == 32, "command header layout");
_Static_assert(sizeof(struct ahci_cmd_table) == 128, "command table layout");
_Static_assert(MEM_SIZE <= IRIS_DMA_MAX, "a port's memory fits one DMA object");

static uint64_t now_ns(void)
{
	long t = sys_clock_get(IRIS_CLOCK_MONOTONIC);
	return t < 0 ? 0 : (uint64_t)t;
}

static bool port_wait(const struct ahci_port *p, size_t reg, uint32_t mask, uint32_t want,
                      uint64_t ns)
{
	return wait_until(&p->hba->abar, p->regs + reg, mask, want, ns);
}

static struct ahci_cmd_table *port_table(const struct ahci_port *p, unsigned slot)
{
	return (struct ahci_cmd_table *)((uint8_t *)p->mem.vaddr + MEM_TABLES +
	                                 slot * TABLE_STRIDE);
}

/* Stops the command engine (ST) and, with `fis`, FIS reception. false if the HBA does not. */
static bool port_stop(struct ahci_port *p, bool fis)
{
	uint32_t cmd = port_read(p, PX_CMD);
	port_write(p, PX_CMD, cmd & ~PX_CMD_ST);
	bool ok = port_wait(p, PX_CMD, PX_CMD_CR, 0, 500 * MS);
	if (fis) {
		port_write(p, PX_CMD, port_read(p, PX_CMD) & ~PX_CMD_FRE);
		ok = port_wait(p, PX_CMD, PX_CMD_FR, 0, 500 * MS) && ok;
	}
	return ok;
}

/* Starts the command engine once the device is not busy. */
static bool port_start(struct ahci_port *p)
{
	if (!port_wait(p, PX_TFD, PX_TFD_BSY | PX_TFD_DRQ, 0, 1000 * MS))
		return false;
	port_write(p, PX_CMD, port_read(p, PX_CMD) | PX_CMD_FRE | PX_CMD_ST);
	return true;
}

/* COMRESET: resets the link and the device. true once the device is back. */
static bool port_comreset(struct ahci_port *p)
{
	port_write(p, PX_SCTL, PX_SCTL_IPM_NONE | PX_SCTL_DET_INIT);
	sys_sleep(2 * MS); /* at least 1 ms (section 10.4.2) */
	port_write(p, PX_SCTL, PX_SCTL_IPM_NONE);
	bool ok = port_wait(p, PX_SSTS, 0xf, PX_SSTS_DET_READY, 1000 * MS);
	port_write(p, PX_SERR, UINT32_MAX);
	port_write(p, PX_IS, UINT32_MAX);
	return ok;
}

/*
 * Builds slot `slot`'s command: header, FIS and a PRD for each of the
 * nsegs runs of the data (even addresses and lengths, at most
 * AHCI_PRD_MAX_BYTES each: what drv_blk_request_segs makes).
 */
static void port_build(struct ahci_port *p, unsigned slot, uint8_t cmd, uint64_t lba,
                       uint32_t count, const struct drv_blk_seg *segs, unsigned nsegs, bool write)
{
	struct ahci_cmd_table *t = port_table(p, slot);
	ata_fis(t->cfis, cmd, lba, count, slot);
	for (unsigned i = 0; i < nsegs; i++)
		t->prd[i] = (struct ahci_prd){ .dba = segs[i].bus, .dbc = segs[i].len - 1 };
	if (nsegs)
		t->prd[nsegs - 1].dbc |= AHCI_PRD_IRQ;
	struct ahci_cmd_header *h = &p->cl[slot];
	*h = (struct ahci_cmd_header){
		.flags = (uint16_t)(AHCI_CMD_CFL(FIS_H2D_LEN) | (write ? AHCI_CMD_WRITE : 0)),
		.prdtl = (uint16_t)nsegs,
		.prdbc = 0,
		.ctba = p->mem.phys + MEM_TABLES + slot * TABLE_STRIDE,
	};
}

/* IDENTIFY DEVICE through slot 0, polled (before interrupts are on). */
static int port_identify(struct ahci_port *p)
{
	uint16_t *words = (uint16_t *)((uint8_t *)p->mem.vaddr + MEM_IDENTIFY);
	struct drv_blk_seg seg = { p->mem.phys + MEM_IDENTIFY, 512 };
	port_build(p, 0, ATA_CMD_IDENTIFY, 0, 0, &seg, 1, false);
	port_write(p, PX_CI, 1);
	if (!port_wait(p, PX_CI, 1, 0, 2000 * MS))
		return -ETIMEDOUT;
	if ((port_read(p, PX_TFD) & PX_TFD_ERR) || p->cl[0].prdbc != 512)
		return -EIO;
	const char *why = ata_identify_parse(words, &p->ident);
	if (why) {
		drv_log(p->hba->d, "port %u: %s", p->no, why);
		return -ENOTSUP;
	}
	return 0;
}

/* Undoes port_probe. */
static void port_release(struct ahci_port *p)
{
	port_stop(p, true);
	drv_dma_free(&p->mem);
	free(p);
}

/* The device on the port once it answers: 0 (ATA disk), -ENODEV (none or not a disk), -errno. */
static int port_detect(struct ahci_port *p)
{
	uint32_t det = PX_SSTS_DET(port_read(p, PX_SSTS));
	if (det == 1) /* present, link still coming up */
		port_wait(p, PX_SSTS, 0xf, PX_SSTS_DET_READY, 100 * MS);
	if (PX_SSTS_DET(port_read(p, PX_SSTS)) != PX_SSTS_DET_READY)
		return -ENODEV;
	port_write(p, PX_SERR, UINT32_MAX);
	port_write(p, PX_IS, UINT32_MAX);
	port_write(p, PX_CMD, port_read(p, PX_CMD) | PX_CMD_FRE);
	if (!port_wait(p, PX_TFD, PX_TFD_BSY | PX_TFD_DRQ, 0, 1000 * MS) ||
	    port_read(p, PX_SIG) == UINT32_MAX) {
		if (!port_comreset(p) ||
		    !port_wait(p, PX_TFD, PX_TFD_BSY | PX_TFD_DRQ, 0, 1000 * MS)) {
			drv_log(p->hba->d, "port %u: the device stays busy", p->no);
			return -EIO;
		}
	}
	uint32_t sig = port_read(p, PX_SIG);
	if (sig != AHCI_SIG_ATA) {
		drv_debug(p->hba->d, "port %u: %s (signature %#x), not a disk: skipped", p->no,
		          sig == AHCI_SIG_ATAPI ? "an ATAPI device" : "an unknown device", sig);
		return -ENODEV;
	}
	return 0;
}

int port_probe(struct ahci_hba *h, unsigned no, struct ahci_port **out)
{
	struct ahci_port *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->hba = h;
	p->no = no;
	p->regs = AHCI_PORT_BASE(no);
	p->mem.handle = IRIS_HANDLE_INVALID;
	p->pending_tail = &p->pending;
	p->retry_tail = &p->retry;
	int r = -EIO;
	if (!port_stop(p, true)) {
		drv_error(h->d, "port %u: the command engine does not stop", no);
		goto fail;
	}
	if (PX_SSTS_DET(port_read(p, PX_SSTS)) == 0) {
		r = -ENODEV; /* nothing attached */
		goto fail;
	}
	r = drv_dma_alloc(h->d, MEM_SIZE, h->dma_flags, &p->mem);
	if (r < 0)
		goto fail;
	p->cl = (struct ahci_cmd_header *)((uint8_t *)p->mem.vaddr + MEM_CL);
	port_write(p, PX_CLB, (uint32_t)(p->mem.phys + MEM_CL));
	port_write(p, PX_CLBU, (uint32_t)((p->mem.phys + MEM_CL) >> 32));
	port_write(p, PX_FB, (uint32_t)(p->mem.phys + MEM_FIS));
	port_write(p, PX_FBU, (uint32_t)((p->mem.phys + MEM_FIS) >> 32));
	if (h->cap & AHCI_CAP_SSS)
		port_write(p, PX_CMD, port_read(p, PX_CMD) | PX_CMD_SUD | PX_CMD_POD);
	r = port_detect(p);
	if (r < 0)
		goto fail;
	r = port_start(p) ? port_identify(p) : -EIO;
	if (r < 0) {
		if (r != -ENOTSUP)
			drv_error(h->d, "port %u: IDENTIFY failed (%s)", no, strerror(-r));
		goto fail;
	}
	p->ncq = (h->cap & AHCI_CAP_SNCQ) && p->ident.ncq;
	p->nslots = AHCI_CAP_NCS(h->cap) + 1;
	if (p->ncq && p->ident.queue_depth < p->nslots)
		p->nslots = p->ident.queue_depth;
	*out = p;
	return 0;
fail:
	port_release(p);
	return r;
}

static void fifo_push(struct drv_blk_request ***tail, struct drv_blk_request *r)
{
	r->next = NULL;
	**tail = r;
	*tail = &r->next;
}

static struct drv_blk_request *fifo_pop(struct drv_blk_request **head,
                                        struct drv_blk_request ***tail)
{
	struct drv_blk_request *r = *head;
	*head = r->next;
	if (!*head)
		*tail = head;
	return r;
}

/* Ends the request in `slot`. */
static void port_complete(struct ahci_port *p, unsigned slot, int status)
{
	struct drv_blk_request *r = p->slot[slot];
	uint32_t bytes = r->count * p->ident.sector_size;
	bool queued = p->queued & (1u << slot);
	p->slot[slot] = NULL;
	p->issued &= ~(1u << slot);
	p->queued &= ~(1u << slot);
	/* a non-queued transfer reports its byte count: it must be the whole request */
	if (status == 0 && r->op != BLK_OP_FLUSH && !queued && p->cl[slot].prdbc != bytes)
		status = -EIO;
	drv_blk_request_done(r, status);
}

/* Every request the port holds fails: it is dead. */
static void port_kill(struct ahci_port *p, const char *why)
{
	drv_error(p->hba->d, "port %u: %s: the disk is out of service", p->no, why);
	p->dead = true;
	port_stop(p, false);
	for (unsigned s = 0; s < AHCI_MAX_SLOTS; s++)
		if (p->issued & (1u << s))
			port_complete(p, s, -EIO);
	while (p->retry)
		drv_blk_request_done(fifo_pop(&p->retry, &p->retry_tail), -EIO);
	while (p->pending)
		drv_blk_request_done(fifo_pop(&p->pending, &p->pending_tail), -EIO);
}

/* A free slot (not in flight, not stale), or -1. */
static int port_free_slot(const struct ahci_port *p)
{
	uint32_t busy = p->issued | p->stale;
	for (unsigned s = 0; s < p->nslots; s++)
		if (!(busy & (1u << s)))
			return (int)s;
	return -1;
}

/* Starts request r in `slot`, queued (NCQ) or not. */
static void port_issue(struct ahci_port *p, unsigned slot, struct drv_blk_request *r, bool queued)
{
	bool write = r->op == BLK_OP_WRITE;
	uint8_t cmd = ATA_CMD_FLUSH_EXT;
	if (r->op == BLK_OP_READ)
		cmd = queued ? ATA_CMD_READ_FPDMA : ATA_CMD_READ_DMA_EXT;
	else if (write)
		cmd = queued ? ATA_CMD_WRITE_FPDMA : ATA_CMD_WRITE_DMA_EXT;
	/* The PRDs point at the client's pages; the table has room (port_submit). */
	struct drv_blk_seg segs[AHCI_PRDT_MAX];
	int nsegs = 0;
	if (r->op != BLK_OP_FLUSH)
		nsegs = drv_blk_request_segs(r, AHCI_PRD_MAX_BYTES, segs, AHCI_PRDT_MAX);
	port_build(p, slot, cmd, r->lba, r->count, segs, (unsigned)nsegs, write);
	p->slot[slot] = r;
	p->started[slot] = now_ns();
	p->issued |= 1u << slot;
	if (queued) {
		p->queued |= 1u << slot;
		port_write(p, PX_SACT, 1u << slot);
	}
	port_write(p, PX_CI, 1u << slot);
}

/* Starts what can start: retried requests first, then pending ones. */
static void port_kick(struct ahci_port *p)
{
	while (!p->dead && !p->barrier) {
		if (p->serial && !p->retry && !p->issued)
			p->serial = false; /* recovery is over */
		bool retry = p->retry != NULL;
		struct drv_blk_request *r = retry ? p->retry : p->pending;
		if (!r)
			return;
		bool alone = p->serial || r->op == BLK_OP_FLUSH;
		if (alone && p->issued)
			return;
		int slot = port_free_slot(p);
		if (slot < 0)
			return;
		if (retry)
			fifo_pop(&p->retry, &p->retry_tail);
		else
			fifo_pop(&p->pending, &p->pending_tail);
		if (alone)
			p->barrier = true;
		port_issue(p, (unsigned)slot, r, p->ncq && !alone);
	}
}

/* Stops, COMRESETs and restarts the port; then starts what waits. */
static void port_recover(struct ahci_port *p)
{
	if (++p->resets_in_row > AHCI_RESETS_MAX) {
		port_kill(p, "too many resets in a row");
		return;
	}
	port_stop(p, false);
	if (!port_comreset(p) || !port_start(p)) {
		port_kill(p, "the device does not come back after COMRESET");
		return;
	}
	/* an HBA that keeps PxCI across the stop would run those slots again: keep off them */
	p->stale = port_read(p, PX_CI) | port_read(p, PX_SACT);
	port_kick(p);
}

/*
 * A command failed (or hung). The one in flight alone is the culprit: it
 * gets -EIO. Otherwise which one failed is unknown: all of them go back to
 * the front of the queue, to run one at a time after the reset.
 */
static void port_fail(struct ahci_port *p, const char *why)
{
	drv_log(p->hba->d, "port %u: %s (TFD %#x, SERR %#x, CI %#x, SACT %#x): resetting", p->no,
	        why, port_read(p, PX_TFD), port_read(p, PX_SERR), port_read(p, PX_CI),
	        port_read(p, PX_SACT));
	if (p->barrier && __builtin_popcount(p->issued) == 1) {
		port_complete(p, (unsigned)__builtin_ctz(p->issued), -EIO);
	} else if (p->issued) {
		struct drv_blk_request *again = NULL, **tail = &again;
		for (unsigned s = 0; s < AHCI_MAX_SLOTS; s++) {
			if (p->issued & (1u << s)) {
				fifo_push(&tail, p->slot[s]);
				p->slot[s] = NULL;
			}
		}
		*tail = p->retry;
		if (!p->retry)
			p->retry_tail = tail;
		p->retry = again;
		p->issued = 0;
		p->queued = 0;
		p->serial = true;
	}
	p->barrier = false;
	port_recover(p);
}

void port_service(struct ahci_port *p, bool error)
{
	if (p->dead)
		return;
	uint32_t ci = port_read(p, PX_CI);
	uint32_t sact = port_read(p, PX_SACT);
	uint32_t tfd = port_read(p, PX_TFD);
	if (ci == UINT32_MAX && tfd == UINT32_MAX) {
		port_kill(p, "the HBA is gone");
		return;
	}
	p->stale &= ci | sact;
	if (error || (tfd & PX_TFD_ERR)) {
		port_fail(p, "device error");
		return;
	}
	uint32_t done = p->issued & ~(ci | sact);
	for (unsigned s = 0; s < AHCI_MAX_SLOTS; s++)
		if (done & (1u << s))
			port_complete(p, s, 0);
	if (done)
		p->resets_in_row = 0;
	if (!p->issued)
		p->barrier = false;
	port_kick(p);
}

void port_watchdog(struct ahci_port *p)
{
	port_service(p, false);
	uint64_t now = now_ns(); /* after port_service, which may start commands */
	for (unsigned s = 0; s < AHCI_MAX_SLOTS && !p->dead; s++) {
		if ((p->issued & (1u << s)) && now - p->started[s] > AHCI_TIMEOUT_NS) {
			port_fail(p, "a command timed out");
			return;
		}
	}
}

/* blk_disk.submit: queue the request and start what can start. */
static void port_submit(struct drv_blk_disk *disk, struct drv_blk_request *r)
{
	struct ahci_port *p = disk->priv;
	if (p->dead) {
		drv_blk_request_done(r, -EIO);
		return;
	}
	/* max_sectors keeps requests this small, so AHCI_PRDT_MAX PRDs always hold one */
	if (r->bytes > AHCI_XFER_MAX) {
		drv_blk_request_done(r, -EINVAL);
		return;
	}
	fifo_push(&p->pending_tail, r);
	port_kick(p);
}

int port_register(struct ahci_port *p)
{
	struct blk_identify *id = &p->disk.ident;
	id->sectors = p->ident.sectors;
	id->sector_size = p->ident.sector_size;
	id->max_sectors = AHCI_XFER_MAX / p->ident.sector_size;
	id->queue_depth = p->nslots;
	snprintf(id->model, sizeof(id->model), "%s", p->ident.model);
	p->disk.submit = port_submit;
	p->disk.priv = p;
	p->disk.dma_limit = p->hba->dma_flags & IRIS_DMA_32BIT ? UINT32_MAX : 0;
	char name[IRIS_NS_NAME_MAX];
	snprintf(name, sizeof(name), BLK_NAME_PREFIX "%s.%u", p->hba->d->instance, p->no);
	int r = drv_blk_disk_register(p->hba->d, &p->disk, name);
	if (r < 0)
		drv_error(p->hba->d, "port %u: cannot register %s (%s)", p->no, name, strerror(-r));
	else
		drv_debug(p->hba->d, "%s: \"%s\", %llu sectors of %u bytes, %s, %u slots", name,
		          id->model, (unsigned long long)id->sectors, id->sector_size,
		          p->ncq ? "NCQ" : "DMA EXT", p->nslots);
	return r;
}
