/*
 * The NVMe driver: registers and queue entries (NVM Express 1.4), the
 * Identify data it reads, and the driver's own state.
 */
#pragma once

#include <driver/blkserv.h>
#include <driver/dma.h>
#include <driver/driver.h>
#include <driver/irq.h>
#include <driver/pci.h>
#include <stdbool.h>
#include <stdint.h>

/* ---- Controller registers (NVMe 1.4 section 3.1), in BAR 0 ---- */
#define NVME_BAR       0
#define NVME_CAP       0x00 /* 64 bits */
#define NVME_VS        0x08
#define NVME_INTMS     0x0c /* interrupt mask set (INTx and MSI only) */
#define NVME_INTMC     0x10 /* interrupt mask clear */
#define NVME_CC        0x14
#define NVME_CSTS      0x1c
#define NVME_AQA       0x24
#define NVME_ASQ       0x28 /* 64 bits */
#define NVME_ACQ       0x30 /* 64 bits */
#define NVME_DOORBELLS 0x1000

#define NVME_CAP_MQES(cap)   ((uint32_t)((cap)&0xffff))         /* entries per queue - 1 */
#define NVME_CAP_TO(cap)     ((uint32_t)(((cap) >> 24) & 0xff)) /* 500 ms units */
#define NVME_CAP_DSTRD(cap)  ((uint32_t)(((cap) >> 32) & 0xf))  /* doorbell stride 4 << n */
#define NVME_CAP_CSS_NVM     (1ull << 37)                       /* the NVM command set */
#define NVME_CAP_MPSMIN(cap) ((uint32_t)(((cap) >> 48) & 0xf))  /* 4 KiB << n */

#define NVME_CC_EN          (1u << 0)
#define NVME_CC_IOSQES(log) ((uint32_t)(log) << 16)
#define NVME_CC_IOCQES(log) ((uint32_t)(log) << 20)

#define NVME_CSTS_RDY (1u << 0)
#define NVME_CSTS_CFS (1u << 1) /* controller fatal status */

/* ---- Queue entries (section 4.2, 4.6) ---- */
struct nvme_sqe {
	uint8_t opcode;
	uint8_t flags; /* FUSE, PSDT: 0 (PRPs, not fused) */
	uint16_t cid;  /* command identifier */
	uint32_t nsid;
	uint64_t reserved;
	uint64_t mptr;
	uint64_t prp1, prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

struct nvme_cqe {
	uint32_t dw0; /* command specific */
	uint32_t dw1;
	uint16_t sqhd;
	uint16_t sqid;
	uint16_t cid;
	uint16_t status; /* bit 0: phase tag; 15:1: the status field */
};

#define NVME_SQE_LOG 6 /* 64-byte submission entries */
#define NVME_CQE_LOG 4 /* 16-byte completion entries */

#define NVME_STATUS_SC(s)  (((s) >> 1) & 0xffu) /* status code */
#define NVME_STATUS_SCT(s) (((s) >> 9) & 0x7u)  /* status code type */

/* Admin commands (section 5) */
#define NVME_ADMIN_CREATE_SQ    0x01
#define NVME_ADMIN_CREATE_CQ    0x05
#define NVME_ADMIN_IDENTIFY     0x06
#define NVME_ADMIN_SET_FEATURES 0x09

#define NVME_CNS_NAMESPACE  0x00
#define NVME_CNS_CONTROLLER 0x01
#define NVME_CNS_ACTIVE_NS  0x02
#define NVME_FEAT_QUEUES    0x07 /* Number of Queues */

#define NVME_QUEUE_PC (1u << 0) /* physically contiguous */
#define NVME_CQ_IEN   (1u << 1) /* interrupts enabled */

/* NVM commands (section 6) */
#define NVME_CMD_FLUSH 0x00
#define NVME_CMD_WRITE 0x01
#define NVME_CMD_READ  0x02

/* Identify data used here (figures 247 and 249). */
#define NVME_ID_MN    24  /* controller: model number, 40 ASCII bytes */
#define NVME_ID_MDTS  77  /* controller: maximum transfer, 2^n minimum pages; 0 = no limit */
#define NVME_ID_SQES  512 /* controller: 3:0 required, 7:4 maximum log2 SQ entry size */
#define NVME_ID_CQES  513
#define NVME_ID_NN    516 /* controller: number of namespaces (u32) */
#define NVME_ID_NSZE  0   /* namespace: size in logical blocks (u64) */
#define NVME_ID_NLBAF 25  /* namespace: LBA formats - 1 */
#define NVME_ID_FLBAS 26  /* namespace: 3:0 the format in use */
#define NVME_ID_LBAF  128 /* namespace: 16 formats of 4 bytes: 15:0 MS, 23:16 LBADS */

#define NVME_PAGE 4096u

/* ---- The driver ---- */
#define NVME_ADMIN_ENTRIES 16
#define NVME_IO_ENTRIES    64           /* per queue, at most (CAP.MQES may say fewer) */
#define NVME_IO_QUEUES_MAX 8            /* queue pairs, one per CPU up to this */
#define NVME_SLOTS_MAX     32           /* commands in flight per queue */
#define NVME_SLOTS_TOTAL   64           /* per controller, shared out among the queues */
#define NVME_XFER_MAX      (128u << 10) /* bytes per request */
#define NVME_XFER_PAGES    (NVME_XFER_MAX / NVME_PAGE + 1) /* pages one request may touch */
#define NVME_NS_MAX        16                              /* namespaces served */
#define NVME_TIMEOUT_NS    10000000000ull /* a command older than this: the driver exits */
#define NVME_ADMIN_WAIT_NS 5000000000ull  /* for an admin command at start */
#define NVME_TICK_NS       500000000ull   /* the watchdog's period */

/* identify.c: Identify data (untrusted), pure */
#define NVME_NS_LIST_MAX (NVME_PAGE / 4) /* NSIDs in one active namespace list */

struct nvme_ctrl_ident {
	uint32_t xfer_max; /* bytes per request: NVME_XFER_MAX or less (MDTS) */
	uint32_t nn;       /* namespaces, as the controller says */
	char model[41];    /* printable, without trailing spaces */
};

/* Checks and decodes Identify Controller data. NULL, or why the controller cannot be used. */
const char *nvme_ctrl_parse(const uint8_t data[NVME_PAGE], struct nvme_ctrl_ident *id);

/*
 * Decodes Identify Namespace data: the size in blocks and the block size of
 * the LBA format in use (512..65536 and at most xfer_max). NULL,
 * NVME_NS_INACTIVE for a namespace of size 0, or why it cannot be served.
 */
extern const char *const NVME_NS_INACTIVE;
const char *nvme_ns_parse(const uint8_t data[NVME_PAGE], uint32_t xfer_max, uint64_t *sectors,
                          uint32_t *sector_size);

/*
 * Reads an active namespace list into list[]: NSIDs up to the first that
 * is 0, above nn or not above the one before. Returns how many.
 */
unsigned nvme_ns_list_parse(const uint8_t data[NVME_PAGE], uint32_t nn,
                            uint32_t list[NVME_NS_LIST_MAX]);

struct nvme_ctrl;
struct nvme_ns;

/* A command in flight. */
struct nvme_slot {
	struct drv_blk_request *r; /* NULL: free */
	struct nvme_ns *ns;
	uint16_t cid; /* slot index | generation << 5: a stale completion does not match */
	uint64_t started;
};

/* A submission/completion queue pair; qid 0 is the admin pair. */
struct nvme_queue {
	struct nvme_ctrl *c;
	uint16_t qid;
	uint16_t entries;       /* in each of SQ and CQ */
	uint16_t sq_tail;       /* the next SQ entry the driver fills */
	uint16_t cq_head;       /* the next CQ entry the driver reads */
	uint16_t phase;         /* of the entries the controller writes on this pass */
	uint16_t gen;           /* the next command identifiers' generation */
	unsigned nslots;        /* commands in flight at most (< entries) */
	unsigned busy;          /* of them in flight now */
	size_t sq_db, cq_db;    /* doorbell offsets in BAR 0 */
	struct drv_dma_buf mem; /* SQ, CQ, then one PRP list page per slot */
	volatile struct nvme_sqe *sq;
	volatile struct nvme_cqe *cq;
	struct nvme_slot slot[NVME_SLOTS_MAX];
	struct drv_irq irq; /* MSI-X: its own vector */
	struct drv_loop_watch irq_watch;
};

/* A namespace served as blk/<instance>.<nsid>. */
struct nvme_ns {
	struct nvme_ctrl *c;
	uint32_t nsid;
	uint64_t sectors;
	uint32_t sector_size;
	struct drv_blk_request *pending, **pending_tail; /* FIFO, not started */
	struct drv_blk_disk disk;
};

struct nvme_ctrl {
	struct drv *d;
	struct drv_mmio bar;
	uint64_t cap;
	uint64_t timeout_ns; /* CAP.TO: for CSTS.RDY to follow CC.EN */
	uint32_t stride;     /* doorbell stride in bytes */
	struct nvme_ctrl_ident ident;
	struct drv_dma_buf data; /* one page for Identify */
	struct nvme_queue admin;
	struct nvme_queue io[NVME_IO_QUEUES_MAX];
	unsigned nio;       /* I/O queue pairs created */
	unsigned next_io;   /* where the next request goes first */
	unsigned next_ns;   /* which namespace's requests start first next time */
	uint32_t irq_mode;  /* IRIS_IRQ_MSIX: a vector per queue; else one for all */
	struct drv_irq irq; /* MSI or INTx */
	struct drv_loop_watch irq_watch;
	struct drv_loop_watch tick;
	struct nvme_ns *ns[NVME_NS_MAX];
	unsigned nns;
};

/* ctrl.c: the controller, its admin queue, the interrupts and the watchdog */
int ctrl_init(struct nvme_ctrl *c, struct drv *d);
int ctrl_identify(struct nvme_ctrl *c);
int ctrl_queues_create(struct nvme_ctrl *c);
int ctrl_irq_start(struct nvme_ctrl *c);
void ctrl_watchdog_start(struct nvme_ctrl *c);
int ctrl_admin(struct nvme_ctrl *c, struct nvme_sqe *cmd, uint32_t *dw0);
_Noreturn void ctrl_fatal(struct nvme_ctrl *c, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* queue.c: queue memory, commands, completions */
int queue_alloc(struct nvme_ctrl *c, struct nvme_queue *q, uint16_t qid, uint16_t entries,
                unsigned nslots);
void queue_submit(struct nvme_queue *q, const struct nvme_sqe *cmd);
void queue_reap(struct nvme_queue *q);
void queue_watchdog(struct nvme_queue *q, uint64_t now);
void ctrl_kick(struct nvme_ctrl *c);

/* ns.c: namespaces */
int ns_probe(struct nvme_ctrl *c);
int ns_register(struct nvme_ns *ns);
