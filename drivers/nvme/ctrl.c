/*
 * The controller: reset and enable with the timeout CAP.TO gives, the
 * admin queue (commands polled, at start only), Identify Controller, the
 * I/O queue pairs, the interrupts and the watchdog.
 *
 * Interrupts. With MSI-X every I/O queue has its own vector (queue i uses
 * vector i - 1; vector 0 is shared with the admin queue, which is idle once
 * the driver runs) and a program that only CLAIMs: an MSI-X message is this
 * device's by construction, there is no register to ack, and the program
 * cannot read the completion entry's phase bit (it lives in DMA memory,
 * which the bytecode cannot reach), so the driver looks at the queue. With
 * MSI or INTx one interrupt serves every queue: the program masks it in
 * the controller (INTMS) and CLAIMs, which drops a level-triggered line at
 * once; the driver unmasks (INTMC) after reaping, and the controller
 * raises it again if entries are still waiting.
 */
#include "nvme.h"
#include <errno.h>
#include <iris/sys.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000000ull

static uint64_t now_ns(void)
{
	long t = sys_clock_get(IRIS_CLOCK_MONOTONIC);
	return t < 0 ? 0 : (uint64_t)t;
}

_Noreturn void ctrl_fatal(struct nvme_ctrl *c, const char *fmt, ...)
{
	char why[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	drv_error(c->d, "%s: stopping (the supervisor restarts the driver)", why);
	exit(1);
}

/* Polls CSTS until (CSTS & mask) == want, for at most `ns`. false on a timeout or CSTS.CFS. */
static bool ctrl_wait(struct nvme_ctrl *c, uint32_t mask, uint32_t want, uint64_t ns)
{
	uint64_t deadline = now_ns() + ns;
	for (;;) {
		uint32_t csts = drv_mmio_read32(&c->bar, NVME_CSTS);
		if (csts != UINT32_MAX && (csts & NVME_CSTS_CFS))
			return false;
		if ((csts & mask) == want)
			return true;
		if (now_ns() >= deadline)
			return false;
		sys_sleep(100000); /* 0.1 ms */
	}
}

static uint64_t ctrl_read64(const struct nvme_ctrl *c, size_t reg)
{
	return drv_mmio_read32(&c->bar, reg) | (uint64_t)drv_mmio_read32(&c->bar, reg + 4) << 32;
}

static void ctrl_write64(const struct nvme_ctrl *c, size_t reg, uint64_t v)
{
	drv_mmio_write32(&c->bar, reg, (uint32_t)v);
	drv_mmio_write32(&c->bar, reg + 4, (uint32_t)(v >> 32));
}

/* Checks CAP: NVM command set, 4 KiB pages, queue sizes; derives the timeout and the stride. */
static int ctrl_check(struct nvme_ctrl *c)
{
	uint64_t cap = c->cap = ctrl_read64(c, NVME_CAP);
	if (cap == UINT64_MAX) {
		drv_error(c->d, "the controller does not answer");
		return -ENODEV;
	}
	if (!(cap & NVME_CAP_CSS_NVM) || NVME_CAP_MPSMIN(cap) != 0 || NVME_CAP_MQES(cap) == 0) {
		drv_error(c->d, "CAP %#llx: no NVM command set, no 4 KiB pages or no queues",
		          (unsigned long long)cap);
		return -ENOTSUP;
	}
	/* CAP.TO is in 500 ms units; 0 would be no time at all: give it one unit */
	uint32_t to = NVME_CAP_TO(cap);
	c->timeout_ns = (uint64_t)(to ? to : 1) * 500 * MS;
	c->stride = 4u << NVME_CAP_DSTRD(cap);
	if (!drv_mmio_ok(&c->bar, NVME_DOORBELLS + c->stride, 4)) {
		drv_error(c->d, "BAR 0 (%zu bytes) has no room for the admin doorbells",
		          c->bar.size);
		return -ENODEV;
	}
	return 0;
}

/* Disables the controller (CC.EN = 0, then CSTS.RDY = 0): every queue is gone. */
static int ctrl_disable(struct nvme_ctrl *c)
{
	uint32_t cc = drv_mmio_read32(&c->bar, NVME_CC);
	if (cc & NVME_CC_EN) {
		/* an enable in progress must finish before the controller may be disabled */
		uint32_t csts = drv_mmio_read32(&c->bar, NVME_CSTS);
		if (!(csts & NVME_CSTS_RDY) && !(csts & NVME_CSTS_CFS))
			ctrl_wait(c, NVME_CSTS_RDY, NVME_CSTS_RDY, c->timeout_ns);
		drv_mmio_write32(&c->bar, NVME_CC, cc & ~NVME_CC_EN);
	}
	/* a fatal status clears with the reset: wait for RDY alone here */
	uint64_t deadline = now_ns() + c->timeout_ns;
	while (drv_mmio_read32(&c->bar, NVME_CSTS) & NVME_CSTS_RDY) {
		if (now_ns() >= deadline) {
			drv_error(c->d, "the controller does not stop (CSTS %#x)",
			          drv_mmio_read32(&c->bar, NVME_CSTS));
			return -EIO;
		}
		sys_sleep(100000);
	}
	return 0;
}

int ctrl_init(struct nvme_ctrl *c, struct drv *d)
{
	c->d = d;
	c->data.handle = IRIS_HANDLE_INVALID;
	c->irq.handle = IRIS_HANDLE_INVALID;
	int r = drv_pci_command(d, DRV_PCI_COMMAND_MEMORY, 0);
	if (r < 0) {
		drv_error(d, "memory decoding is off and cannot be turned on: %s", strerror(-r));
		return r;
	}
	r = drv_pci_map_bar(d, NVME_BAR, NVME_DOORBELLS + 8, &c->bar);
	if (r < 0) {
		drv_error(d, "cannot map BAR %d: %s", NVME_BAR, strerror(-r));
		return r;
	}
	if ((r = ctrl_check(c)) < 0 || (r = ctrl_disable(c)) < 0)
		return r;
	uint16_t entries = NVME_ADMIN_ENTRIES;
	if (NVME_CAP_MQES(c->cap) + 1 < entries)
		entries = (uint16_t)(NVME_CAP_MQES(c->cap) + 1);
	if ((r = drv_dma_alloc(d, NVME_PAGE, 0, &c->data)) < 0 ||
	    (r = queue_alloc(c, &c->admin, 0, entries, 1)) < 0) {
		drv_error(d, "no DMA memory for the admin queue: %s", strerror(-r));
		return r;
	}
	drv_mmio_write32(&c->bar, NVME_AQA,
	                 (uint32_t)(entries - 1) | (uint32_t)(entries - 1) << 16);
	ctrl_write64(c, NVME_ASQ, c->admin.mem.phys);
	ctrl_write64(c, NVME_ACQ, c->admin.mem.phys + NVME_PAGE);
	if ((r = drv_pci_busmaster(d, 1)) < 0) {
		drv_error(d, "cannot enable bus mastering: %s", strerror(-r));
		return r;
	}
	/* NVM command set, 4 KiB pages, round robin, 64/16-byte entries */
	drv_mmio_write32(&c->bar, NVME_CC,
	                 NVME_CC_IOSQES(NVME_SQE_LOG) | NVME_CC_IOCQES(NVME_CQE_LOG) | NVME_CC_EN);
	if (!ctrl_wait(c, NVME_CSTS_RDY, NVME_CSTS_RDY, c->timeout_ns)) {
		drv_error(d, "the controller does not become ready in %llu ms (CSTS %#x)",
		          (unsigned long long)(c->timeout_ns / MS),
		          drv_mmio_read32(&c->bar, NVME_CSTS));
		return -EIO;
	}
	return 0;
}

/*
 * Runs admin command `cmd` and waits for its completion (polled). Returns
 * 0 with the completion's DW0 in *dw0 (may be NULL), -EIO when the
 * controller failed it, -ETIMEDOUT. A completion for another command is
 * fatal.
 */
int ctrl_admin(struct nvme_ctrl *c, struct nvme_sqe *cmd, uint32_t *dw0)
{
	struct nvme_queue *q = &c->admin;
	cmd->cid = q->gen++;
	queue_submit(q, cmd);
	uint64_t deadline = now_ns() + NVME_ADMIN_WAIT_NS;
	volatile struct nvme_cqe *e = &q->cq[q->cq_head];
	while ((e->status & 1) != q->phase) {
		if (now_ns() >= deadline || (drv_mmio_read32(&c->bar, NVME_CSTS) & NVME_CSTS_CFS)) {
			drv_error(c->d, "admin command %#x: no completion (CSTS %#x)", cmd->opcode,
			          drv_mmio_read32(&c->bar, NVME_CSTS));
			return -ETIMEDOUT;
		}
		sys_sleep(50000);
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	uint16_t status = e->status;
	if (e->sqid != 0 || e->cid != cmd->cid)
		ctrl_fatal(c, "admin completion for SQ %u command %#x, expected command %#x",
		           e->sqid, e->cid, cmd->cid);
	if (dw0)
		*dw0 = e->dw0;
	if (++q->cq_head == q->entries) {
		q->cq_head = 0;
		q->phase ^= 1;
	}
	drv_mmio_write32(&c->bar, q->cq_db, q->cq_head);
	if (NVME_STATUS_SC(status) || NVME_STATUS_SCT(status)) {
		drv_debug(c->d, "admin command %#x failed: status type %u code %#x", cmd->opcode,
		          NVME_STATUS_SCT(status), NVME_STATUS_SC(status));
		return -EIO;
	}
	return 0;
}

int ctrl_identify(struct nvme_ctrl *c)
{
	struct nvme_sqe cmd = { .opcode = NVME_ADMIN_IDENTIFY,
		                .prp1 = c->data.phys,
		                .cdw10 = NVME_CNS_CONTROLLER };
	int r = ctrl_admin(c, &cmd, NULL);
	if (r < 0) {
		drv_error(c->d, "Identify Controller failed (%s)", strerror(-r));
		return r;
	}
	const char *why = nvme_ctrl_parse(c->data.vaddr, &c->ident);
	if (why) {
		drv_error(c->d, "Identify Controller: %s", why);
		return -ENOTSUP;
	}
	return 0;
}

/* Takes the events of q; true if the interrupt is gone (HUP or an error). */
static bool ctrl_irq_drain(struct drv_irq *q, int64_t result)
{
	struct iris_irq_event ev;
	while (drv_irq_next(q, &ev, NULL))
		;
	return result < 0 || (result & IRIS_POLL_HUP);
}

/* MSI-X: queue w->arg's own vector fired. */
static void ctrl_queue_irq(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	struct nvme_queue *q = w->arg;
	bool gone = ctrl_irq_drain(&q->irq, result);
	queue_reap(q);
	ctrl_kick(q->c);
	if (gone || drv_loop_poll(d, w, q->irq.handle, IRIS_POLL_IN) < 0)
		drv_log(d, "queue %u: the interrupt is gone (%lld): only the watchdog polls now",
		        q->qid, (long long)result);
}

/* MSI or INTx: the one interrupt, masked in the controller by the program; every queue. */
static void ctrl_irq(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	struct nvme_ctrl *c = w->arg;
	bool gone = ctrl_irq_drain(&c->irq, result);
	for (unsigned i = 0; i < c->nio; i++)
		queue_reap(&c->io[i]);
	ctrl_kick(c);
	drv_mmio_write32(&c->bar, NVME_INTMC, 1);
	if (gone || drv_loop_poll(d, w, c->irq.handle, IRIS_POLL_IN) < 0)
		drv_log(d, "the interrupt is gone (%lld): only the watchdog polls now",
		        (long long)result);
}

/*
 * Binds the interrupts: one vector per I/O queue (MSI-X), or the one
 * interrupt. Before the queues are created: a controller refuses a
 * completion queue whose MSI-X vector is not enabled yet.
 */
static int ctrl_irq_bind_all(struct nvme_ctrl *c, unsigned nq)
{
	struct drv *d = c->d;
	struct drv_irq_prog prog;
	drv_irq_prog_init(&prog);
	if (c->irq_mode != IRIS_IRQ_MSIX)
		drv_irq_write_imm(&prog, NVME_BAR, NVME_INTMS, 4, 1); /* mask vector 0 */
	drv_irq_claim(&prog);
	if (c->irq_mode == IRIS_IRQ_INTX && drv_pci_command(d, 0, DRV_PCI_COMMAND_INTX_DISABLE) < 0)
		drv_error(d, "cannot enable INTx in the command register");
	unsigned n = c->irq_mode == IRIS_IRQ_MSIX ? nq : 1;
	for (unsigned i = 0; i < n; i++) {
		int r = drv_irq_bind_vector(d, c->irq_mode, i, &prog,
		                            c->irq_mode == IRIS_IRQ_MSIX ? &c->io[i].irq : &c->irq);
		if (r < 0) {
			drv_error(d, "cannot bind interrupt %u: %s", i, strerror(-r));
			return r;
		}
	}
	drv_debug(d, "interrupts: %s, %u vector%s, a %u-instruction ack program",
	          c->irq_mode == IRIS_IRQ_MSIX  ? "MSI-X"
	          : c->irq_mode == IRIS_IRQ_MSI ? "MSI"
	                                        : "INTx",
	          n, n == 1 ? "" : "s", prog.len);
	return 0;
}

int ctrl_irq_start(struct nvme_ctrl *c)
{
	struct drv *d = c->d;
	if (c->irq_mode != IRIS_IRQ_MSIX) {
		drv_loop_watch_init(&c->irq_watch, ctrl_irq, c);
		int r = drv_loop_poll(d, &c->irq_watch, c->irq.handle, IRIS_POLL_IN);
		drv_mmio_write32(&c->bar, NVME_INTMC, 1);
		return r;
	}
	for (unsigned i = 0; i < c->nio; i++) {
		struct nvme_queue *q = &c->io[i];
		drv_loop_watch_init(&q->irq_watch, ctrl_queue_irq, q);
		int r = drv_loop_poll(d, &q->irq_watch, q->irq.handle, IRIS_POLL_IN);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Asks for one I/O queue pair per CPU (at most NVME_IO_QUEUES_MAX, as many
 * as MSI-X vectors and doorbells allow), takes what Set Features grants,
 * binds the interrupts, and creates each pair: the CQ with its interrupt
 * vector, then the SQ.
 */
int ctrl_queues_create(struct nvme_ctrl *c)
{
	struct drv *d = c->d;
	long cpus = sys_stat(IRIS_STAT_CPUS);
	unsigned want = cpus > 0 ? (unsigned)cpus : 1;
	if (want > NVME_IO_QUEUES_MAX)
		want = NVME_IO_QUEUES_MAX;
	c->irq_mode = IRIS_IRQ_INTX;
	if (d->info.irq_modes & (1u << IRIS_IRQ_MSIX) && d->info.msix_vectors > 0) {
		c->irq_mode = IRIS_IRQ_MSIX;
		if (want > d->info.msix_vectors)
			want = d->info.msix_vectors;
	} else if (d->info.irq_modes & (1u << IRIS_IRQ_MSI)) {
		c->irq_mode = IRIS_IRQ_MSI;
	} else if (!(d->info.irq_modes & (1u << IRIS_IRQ_INTX))) {
		drv_error(d, "the device offers no interrupt");
		return -ENODEV;
	}
	while (want > 1 && !drv_mmio_ok(&c->bar, NVME_DOORBELLS + (2 * want + 1) * c->stride, 4))
		want--;
	uint32_t granted = 0;
	struct nvme_sqe cmd = { .opcode = NVME_ADMIN_SET_FEATURES,
		                .cdw10 = NVME_FEAT_QUEUES,
		                .cdw11 = (want - 1) | (want - 1) << 16 };
	int r = ctrl_admin(c, &cmd, &granted);
	if (r < 0) {
		drv_error(d, "Set Features (Number of Queues) failed (%s)", strerror(-r));
		return r;
	}
	/* the counts granted are 0-based and may be more than asked */
	unsigned nq = want;
	if ((granted & 0xffff) + 1 < nq)
		nq = (granted & 0xffff) + 1;
	if ((granted >> 16) + 1 < nq)
		nq = (granted >> 16) + 1;
	if ((r = ctrl_irq_bind_all(c, nq)) < 0)
		return r;
	uint16_t entries = NVME_IO_ENTRIES;
	if (NVME_CAP_MQES(c->cap) + 1 < entries)
		entries = (uint16_t)(NVME_CAP_MQES(c->cap) + 1);
	unsigned slots = NVME_SLOTS_TOTAL / nq;
	if (slots > NVME_SLOTS_MAX)
		slots = NVME_SLOTS_MAX;
	if (slots > entries - 1u)
		slots = entries - 1u;
	for (unsigned i = 0; i < nq; i++) {
		struct nvme_queue *q = &c->io[i];
		uint16_t qid = (uint16_t)(i + 1);
		r = queue_alloc(c, q, qid, entries, slots);
		if (r < 0) {
			drv_error(d, "no DMA memory for I/O queue %u: %s", qid, strerror(-r));
			return r;
		}
		uint32_t size = (uint32_t)(entries - 1) << 16;
		uint32_t vector = c->irq_mode == IRIS_IRQ_MSIX ? i : 0;
		struct nvme_sqe cq = { .opcode = NVME_ADMIN_CREATE_CQ,
			               .prp1 = q->mem.phys + NVME_PAGE,
			               .cdw10 = size | qid,
			               .cdw11 = vector << 16 | NVME_CQ_IEN | NVME_QUEUE_PC };
		struct nvme_sqe sq = { .opcode = NVME_ADMIN_CREATE_SQ,
			               .prp1 = q->mem.phys,
			               .cdw10 = size | qid,
			               .cdw11 = (uint32_t)qid << 16 | NVME_QUEUE_PC };
		if ((r = ctrl_admin(c, &cq, NULL)) < 0 || (r = ctrl_admin(c, &sq, NULL)) < 0) {
			drv_error(d, "cannot create I/O queue pair %u (%s)", qid, strerror(-r));
			return r;
		}
		c->nio++;
	}
	drv_debug(d, "%u I/O queue pairs of %u entries, %u commands each (%u CPUs, %u granted)",
	          c->nio, entries, slots, want, nq);
	return 0;
}

/* Every NVME_TICK_NS: a controller gone or fatal, lost interrupts, commands that never end. */
static void ctrl_tick(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	struct nvme_ctrl *c = w->arg;
	(void)result;
	uint32_t csts = drv_mmio_read32(&c->bar, NVME_CSTS);
	if (csts == UINT32_MAX)
		ctrl_fatal(c, "the controller is gone");
	if (csts & NVME_CSTS_CFS)
		ctrl_fatal(c, "controller fatal status (CSTS %#x)", csts);
	for (unsigned i = 0; i < c->nio; i++)
		queue_reap(&c->io[i]);
	ctrl_kick(c);
	uint64_t now = now_ns();
	for (unsigned i = 0; i < c->nio; i++)
		queue_watchdog(&c->io[i], now);
	if (drv_loop_timer(d, w, NVME_TICK_NS) < 0)
		drv_log(d, "the watchdog stopped");
}

void ctrl_watchdog_start(struct nvme_ctrl *c)
{
	drv_loop_watch_init(&c->tick, ctrl_tick, c);
	if (drv_loop_timer(c->d, &c->tick, NVME_TICK_NS) < 0)
		drv_error(c->d, "no watchdog");
}
