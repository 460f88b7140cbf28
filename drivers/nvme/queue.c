/*
 * Queue pairs: their memory, submitting a command, reaping completions,
 * and the block requests that run on the I/O queues.
 *
 * A queue's `mem` holds the submission queue (page 0), the completion
 * queue (page 1) and one PRP list page per slot. The data never passes
 * through the driver: the PRPs point at the client's pinned pages
 * (driver/blkserv.h). A request takes a free slot on some I/O
 * queue (round robin from `next_io`); when every slot of every queue is
 * busy it waits in its namespace's FIFO. Requests are independent: a FLUSH
 * covers the writes completed before it was sent (NVMe Flush does exactly
 * that), so nothing is ordered here.
 *
 * Completions are untrusted: an entry for another queue, or with a command
 * identifier no command in flight carries, means the controller is not
 * doing what it was told; the driver stops (ctrl_fatal) and the supervisor
 * restarts it, and the clients send what was in flight again.
 */
#include "nvme.h"
#include <errno.h>
#include <iris/sys.h>
#include <string.h>

#define QUEUE_CQ_OFFSET  NVME_PAGE
#define QUEUE_PRP_OFFSET (2 * NVME_PAGE)
#define SLOT_BITS        5 /* cid = slot | generation << SLOT_BITS */

_Static_assert(sizeof(struct nvme_sqe) == 1u << NVME_SQE_LOG, "submission entry layout");
_Static_assert(sizeof(struct nvme_cqe) == 1u << NVME_CQE_LOG, "completion entry layout");
_Static_assert(NVME_IO_ENTRIES * sizeof(struct nvme_sqe) <= NVME_PAGE, "an SQ fits its page");
_Static_assert(NVME_SLOTS_MAX <= 1u << SLOT_BITS, "slots fit the command identifier");
_Static_assert(NVME_XFER_PAGES - 1 <= NVME_PAGE / sizeof(uint64_t), "one PRP list page");

static uint64_t now_ns(void)
{
	long t = sys_clock_get(IRIS_CLOCK_MONOTONIC);
	return t < 0 ? 0 : (uint64_t)t;
}

int queue_alloc(struct nvme_ctrl *c, struct nvme_queue *q, uint16_t qid, uint16_t entries,
                unsigned nslots)
{
	q->c = c;
	q->qid = qid;
	q->entries = entries;
	q->phase = 1;
	q->nslots = nslots;
	q->sq_db = NVME_DOORBELLS + (2u * qid) * c->stride;
	q->cq_db = NVME_DOORBELLS + (2u * qid + 1) * c->stride;
	q->mem.handle = IRIS_HANDLE_INVALID;
	int r = drv_dma_alloc(c->d, QUEUE_PRP_OFFSET + (size_t)nslots * NVME_PAGE, 0, &q->mem);
	if (r < 0)
		return r;
	q->sq = (volatile struct nvme_sqe *)q->mem.vaddr;
	q->cq = (volatile struct nvme_cqe *)((uint8_t *)q->mem.vaddr + QUEUE_CQ_OFFSET);
	return 0;
}

void queue_submit(struct nvme_queue *q, const struct nvme_sqe *cmd)
{
	memcpy((void *)&q->sq[q->sq_tail], cmd, sizeof(*cmd));
	q->sq_tail = (uint16_t)((q->sq_tail + 1) % q->entries);
	drv_mmio_write32(&q->c->bar, q->sq_db, q->sq_tail); /* orders the entry before it */
}

/*
 * Points cmd's PRP1 and PRP2 at `bytes` of data that begin `offset` bytes
 * into the first of pages[0..npages), the bus addresses of NVMe pages
 * (NVME_PAGE each, aligned) in order. Two pages or fewer go in PRP1/PRP2;
 * more go in slot `slot`'s PRP list page, with PRP2 pointing at it.
 * Returns 0, or -EINVAL when the pages do not cover the data, the offset
 * is not dword aligned, or the list would not fit one page. This is the
 * one place that turns data into PRPs.
 */
static int queue_prp_fill(struct nvme_queue *q, unsigned slot, struct nvme_sqe *cmd,
                          const uint64_t *pages, unsigned npages, uint32_t offset, uint32_t bytes)
{
	if (bytes == 0 || (offset & 3) || offset >= NVME_PAGE)
		return -EINVAL;
	uint64_t need = ((uint64_t)offset + bytes + NVME_PAGE - 1) / NVME_PAGE;
	if (need > npages || need - 1 > NVME_PAGE / sizeof(uint64_t))
		return -EINVAL;
	cmd->prp1 = pages[0] + offset;
	cmd->prp2 = 0;
	if (need == 2) {
		cmd->prp2 = pages[1];
	} else if (need > 2) {
		size_t at = QUEUE_PRP_OFFSET + (size_t)slot * NVME_PAGE;
		uint64_t *list = (uint64_t *)((uint8_t *)q->mem.vaddr + at);
		for (unsigned i = 1; i < need; i++)
			list[i - 1] = pages[i];
		cmd->prp2 = q->mem.phys + at;
	}
	return 0;
}

/* Starts request r of namespace ns in free slot `s` of queue q. */
static void queue_issue(struct nvme_queue *q, unsigned s, struct nvme_ns *ns,
                        struct drv_blk_request *r)
{
	struct nvme_slot *sl = &q->slot[s];
	struct nvme_sqe cmd = { .nsid = ns->nsid };
	cmd.cid = (uint16_t)(s | (unsigned)q->gen++ << SLOT_BITS);
	if (r->op == BLK_OP_FLUSH) {
		cmd.opcode = NVME_CMD_FLUSH;
	} else {
		cmd.opcode = r->op == BLK_OP_WRITE ? NVME_CMD_WRITE : NVME_CMD_READ;
		cmd.cdw10 = (uint32_t)r->lba;
		cmd.cdw11 = (uint32_t)(r->lba >> 32);
		cmd.cdw12 = r->count - 1; /* NLB, 0-based; count <= max_sectors keeps it in 15:0 */
		/* the client's pages the data touches (blkserv: one per 4 KiB, NVME_PAGE) */
		unsigned npages =
		        (unsigned)(((uint64_t)r->offset + r->bytes + NVME_PAGE - 1) / NVME_PAGE);
		if (queue_prp_fill(q, s, &cmd, r->pages, npages, r->offset, r->bytes) < 0) {
			drv_blk_request_done(r, -EINVAL);
			return;
		}
	}
	sl->r = r;
	sl->ns = ns;
	sl->cid = cmd.cid;
	sl->started = now_ns();
	q->busy++;
	queue_submit(q, &cmd);
}

/* A free slot of q, or -1. */
static int queue_free_slot(const struct nvme_queue *q)
{
	if (q->busy == q->nslots)
		return -1;
	for (unsigned s = 0; s < q->nslots; s++)
		if (!q->slot[s].r)
			return (int)s;
	return -1;
}

/*
 * Starts what waits, round robin over the I/O queues, until the requests or
 * the slots run out. The namespaces take turns at going first, so a busy
 * one cannot keep the slots from the others.
 */
void ctrl_kick(struct nvme_ctrl *c)
{
	unsigned first = c->next_ns;
	if (c->nns)
		c->next_ns = (c->next_ns + 1) % c->nns;
	for (unsigned n = 0; n < c->nns; n++) {
		struct nvme_ns *ns = c->ns[(first + n) % c->nns];
		while (ns->pending) {
			struct nvme_queue *q = NULL;
			int s = -1;
			for (unsigned i = 0; i < c->nio && s < 0; i++) {
				q = &c->io[(c->next_io + i) % c->nio];
				s = queue_free_slot(q);
			}
			if (s < 0)
				return;
			c->next_io = (unsigned)(q - c->io + 1) % c->nio;
			struct drv_blk_request *r = ns->pending;
			ns->pending = r->next;
			if (!ns->pending)
				ns->pending_tail = &ns->pending;
			queue_issue(q, (unsigned)s, ns, r);
		}
	}
}

/* Ends the command in slot s with the completion's status. */
static void queue_complete(struct nvme_queue *q, unsigned s, uint16_t status)
{
	struct nvme_slot *sl = &q->slot[s];
	struct drv_blk_request *r = sl->r;
	int result = 0;
	if (NVME_STATUS_SC(status) || NVME_STATUS_SCT(status)) {
		drv_log(q->c->d, "%s: %s of %u at LBA %llu failed: status type %u code %#x",
		        sl->ns->disk.name, r->op == BLK_OP_READ ? "read" : "write or flush",
		        r->count, (unsigned long long)r->lba, NVME_STATUS_SCT(status),
		        NVME_STATUS_SC(status));
		result = -EIO;
	}
	sl->r = NULL;
	q->busy--;
	drv_blk_request_done(r, result);
}

void queue_reap(struct nvme_queue *q)
{
	unsigned n = 0;
	for (;;) {
		volatile struct nvme_cqe *e = &q->cq[q->cq_head];
		uint16_t status = e->status;
		if ((status & 1) != q->phase)
			break;
		__atomic_thread_fence(__ATOMIC_ACQUIRE); /* the entry after its phase bit */
		uint16_t cid = e->cid, sqid = e->sqid;
		unsigned s = cid & ((1u << SLOT_BITS) - 1);
		if (sqid != q->qid || s >= q->nslots || !q->slot[s].r || q->slot[s].cid != cid)
			ctrl_fatal(q->c,
			           "queue %u: a completion for SQ %u, command %#x, that is not in "
			           "flight",
			           q->qid, sqid, cid);
		if (++q->cq_head == q->entries) {
			q->cq_head = 0;
			q->phase ^= 1;
		}
		queue_complete(q, s, status);
		n++;
	}
	if (n)
		drv_mmio_write32(&q->c->bar, q->cq_db, q->cq_head);
}

void queue_watchdog(struct nvme_queue *q, uint64_t now)
{
	for (unsigned s = 0; s < q->nslots; s++)
		if (q->slot[s].r && now - q->slot[s].started > NVME_TIMEOUT_NS)
			ctrl_fatal(q->c, "queue %u: command %#x has not completed in %llu s",
			           q->qid, q->slot[s].cid, NVME_TIMEOUT_NS / 1000000000ull);
}
