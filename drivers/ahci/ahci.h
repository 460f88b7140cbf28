/*
 * The AHCI driver: registers (AHCI 1.3.1), the command structures in DMA
 * memory, ATA commands (ACS), and the driver's own state.
 */
#pragma once

#include <driver/blkserv.h>
#include <driver/dma.h>
#include <driver/driver.h>
#include <driver/irq.h>
#include <driver/pci.h>
#include <stdbool.h>
#include <stdint.h>

/* ---- HBA registers (AHCI 1.3.1 section 3.1), in ABAR = BAR 5 ---- */
#define AHCI_BAR  5
#define AHCI_CAP  0x00
#define AHCI_GHC  0x04
#define AHCI_IS   0x08
#define AHCI_PI   0x0c
#define AHCI_VS   0x10
#define AHCI_CAP2 0x24
#define AHCI_BOHC 0x28

#define AHCI_CAP_NP(cap)  ((cap)&0x1fu)          /* ports - 1 */
#define AHCI_CAP_NCS(cap) (((cap) >> 8) & 0x1fu) /* command slots - 1 */
#define AHCI_CAP_SAM      (1u << 18)             /* AHCI mode only */
#define AHCI_CAP_SSS      (1u << 27)             /* staggered spin-up */
#define AHCI_CAP_SNCQ     (1u << 30)             /* native command queuing */
#define AHCI_CAP_S64A     (1u << 31)             /* 64-bit addressing */

#define AHCI_GHC_HR (1u << 0)  /* HBA reset */
#define AHCI_GHC_IE (1u << 1)  /* interrupt enable */
#define AHCI_GHC_AE (1u << 31) /* AHCI enable */

#define AHCI_CAP2_BOH (1u << 0) /* BIOS/OS handoff */
#define AHCI_BOHC_BOS (1u << 0) /* BIOS owned semaphore */
#define AHCI_BOHC_OOS (1u << 1) /* OS owned semaphore */
#define AHCI_BOHC_BB  (1u << 4) /* BIOS busy */

/* ---- Port registers (section 3.3): 0x80 bytes per port from 0x100 ---- */
#define AHCI_PORT_BASE(p) (0x100u + (p)*0x80u)
#define AHCI_PORT_SIZE    0x80u
#define PX_CLB            0x00
#define PX_CLBU           0x04
#define PX_FB             0x08
#define PX_FBU            0x0c
#define PX_IS             0x10
#define PX_IE             0x14
#define PX_CMD            0x18
#define PX_TFD            0x20
#define PX_SIG            0x24
#define PX_SSTS           0x28
#define PX_SCTL           0x2c
#define PX_SERR           0x30
#define PX_SACT           0x34
#define PX_CI             0x38

#define PX_CMD_ST  (1u << 0)  /* start: process the command list */
#define PX_CMD_SUD (1u << 1)  /* spin-up device */
#define PX_CMD_POD (1u << 2)  /* power on device */
#define PX_CMD_FRE (1u << 4)  /* FIS receive enable */
#define PX_CMD_FR  (1u << 14) /* FIS receive running */
#define PX_CMD_CR  (1u << 15) /* command list running */

#define PX_IS_DHRS (1u << 0)  /* D2H register FIS */
#define PX_IS_PSS  (1u << 1)  /* PIO setup FIS */
#define PX_IS_DSS  (1u << 2)  /* DMA setup FIS */
#define PX_IS_SDBS (1u << 3)  /* set device bits FIS (NCQ completions) */
#define PX_IS_OFS  (1u << 24) /* overflow */
#define PX_IS_INFS (1u << 26) /* interface non-fatal error */
#define PX_IS_IFS  (1u << 27) /* interface fatal error */
#define PX_IS_HBDS (1u << 28) /* host bus data error */
#define PX_IS_HBFS (1u << 29) /* host bus fatal error */
#define PX_IS_TFES (1u << 30) /* task file error */
/* What a command's failure raises, and everything the driver enables. */
#define PX_IS_ERRORS  (PX_IS_OFS | PX_IS_IFS | PX_IS_HBDS | PX_IS_HBFS | PX_IS_TFES)
#define PX_IS_ENABLED (PX_IS_DHRS | PX_IS_PSS | PX_IS_DSS | PX_IS_SDBS | PX_IS_INFS | PX_IS_ERRORS)

#define PX_TFD_ERR (1u << 0) /* status: error */
#define PX_TFD_DRQ (1u << 3)
#define PX_TFD_DF  (1u << 5) /* device fault */
#define PX_TFD_BSY (1u << 7)

#define PX_SSTS_DET(s)    ((s)&0xfu)
#define PX_SSTS_DET_READY 3u        /* device present, communication established */
#define PX_SCTL_DET_INIT  1u        /* COMRESET */
#define PX_SCTL_IPM_NONE  (3u << 8) /* no partial/slumber power states */

#define AHCI_SIG_ATA   0x00000101u
#define AHCI_SIG_ATAPI 0xeb140101u

/* ---- Command structures in DMA memory (section 4.2) ---- */
struct ahci_cmd_header {
	uint16_t flags; /* CFL (FIS length in dwords) 4:0, W 6, C 10 */
	uint16_t prdtl; /* PRD entries */
	uint32_t prdbc; /* bytes transferred (written by the HBA) */
	uint64_t ctba;  /* command table, 128-byte aligned */
	uint32_t reserved[4];
};

#define AHCI_CMD_CFL(dwords) ((uint16_t)(dwords))
#define AHCI_CMD_WRITE       (1u << 6)
#define AHCI_CMD_CLEAR_BUSY  (1u << 10)

struct ahci_prd {
	uint64_t dba; /* data base address (even) */
	uint32_t reserved;
	uint32_t dbc; /* bytes - 1 (21:0, odd), I (31) */
};

#define AHCI_PRD_MAX_BYTES (4u << 20)
#define AHCI_PRD_IRQ       (1u << 31)

struct ahci_cmd_table {
	uint8_t cfis[64];
	uint8_t acmd[16];
	uint8_t reserved[48];
	struct ahci_prd prd[]; /* AHCI_PRDT_MAX: the client's pages the data is in */
};

/* ---- ATA (ACS-3) ---- */
#define ATA_CMD_READ_DMA_EXT  0x25
#define ATA_CMD_WRITE_DMA_EXT 0x35
#define ATA_CMD_READ_FPDMA    0x60
#define ATA_CMD_WRITE_FPDMA   0x61
#define ATA_CMD_FLUSH_EXT     0xea
#define ATA_CMD_IDENTIFY      0xec

#define FIS_TYPE_H2D 0x27
#define FIS_H2D_LEN  5 /* dwords */
#define ATA_DEV_LBA  0x40

/* What IDENTIFY DEVICE says about a disk (ata.c). */
struct ata_ident {
	uint64_t sectors;
	uint32_t sector_size;
	bool ncq;
	uint32_t queue_depth; /* 1..32 */
	char model[41];
};

/*
 * Checks and decodes the 256 words of IDENTIFY DEVICE data. Returns NULL,
 * or why the disk cannot be used (the words are untrusted device output).
 */
const char *ata_identify_parse(const uint16_t words[256], struct ata_ident *id);

/* Fills a host-to-device register FIS for `cmd` (NCQ commands carry `tag`). */
void ata_fis(uint8_t cfis[64], uint8_t cmd, uint64_t lba, uint32_t count, unsigned tag);

/* ---- The driver ---- */
#define AHCI_MAX_PORTS  32
#define AHCI_MAX_SLOTS  32
#define AHCI_XFER_MAX   (128u << 10)               /* bytes per request */
#define AHCI_PRDT_MAX   (AHCI_XFER_MAX / 4096 + 2) /* PRD entries: one per page at worst */
#define AHCI_IRQ_PORTS  11                         /* disks the IRQ-ack program can ack */
#define AHCI_TIMEOUT_NS 10000000000ull             /* a command older than this resets the port */
#define AHCI_TICK_NS    500000000ull               /* the watchdog's period */
#define AHCI_RESETS_MAX 8                          /* recoveries in a row before the port is dead */

struct ahci_hba;

struct ahci_port {
	struct ahci_hba *hba;
	unsigned no;
	size_t regs;            /* offset of its registers in ABAR */
	struct drv_dma_buf mem; /* command list, received FIS, command tables */
	struct ahci_cmd_header *cl;
	struct ata_ident ident;
	unsigned nslots;
	bool ncq;     /* queue READ/WRITE as FPDMA QUEUED */
	bool barrier; /* a non-queued command runs alone: nothing else may start */
	bool serial;  /* recovering: the requests of `retry` run one at a time, non-queued */
	bool dead;    /* recovery failed: every request fails with -EIO */
	unsigned resets_in_row;
	uint32_t issued; /* slots in flight */
	uint32_t queued; /* those of them issued as NCQ commands */
	uint32_t stale;  /* slots the HBA may still run after a reset: not reused yet */
	struct drv_blk_request *slot[AHCI_MAX_SLOTS];
	uint64_t started[AHCI_MAX_SLOTS];
	struct drv_blk_request *pending, **pending_tail; /* FIFO, not started */
	struct drv_blk_request *retry, **retry_tail;     /* FIFO, to run again after a reset */
	struct drv_blk_disk disk;
};

struct ahci_hba {
	struct drv *d;
	struct drv_mmio abar;
	uint32_t cap;
	uint32_t pi;        /* implemented ports, checked against CAP and the BAR */
	unsigned dma_flags; /* IRIS_DMA_32BIT without CAP.S64A */
	struct ahci_port *port[AHCI_MAX_PORTS];
	uint32_t disks; /* ports with a disk in use */
	struct drv_irq irq;
	struct drv_loop_watch irq_watch;
	struct drv_loop_watch tick;
};

static inline uint32_t port_read(const struct ahci_port *p, size_t reg)
{
	return drv_mmio_read32(&p->hba->abar, p->regs + reg);
}

static inline void port_write(const struct ahci_port *p, size_t reg, uint32_t v)
{
	drv_mmio_write32(&p->hba->abar, p->regs + reg, v);
}

/* hba.c */
int hba_init(struct ahci_hba *h, struct drv *d);
int hba_irq_start(struct ahci_hba *h);
void hba_watchdog_start(struct ahci_hba *h);
bool wait_until(const struct drv_mmio *m, size_t reg, uint32_t mask, uint32_t want, uint64_t ns);

/* port.c */
int port_probe(struct ahci_hba *h, unsigned no, struct ahci_port **out);
int port_register(struct ahci_port *p);
void port_service(struct ahci_port *p, bool error);
void port_watchdog(struct ahci_port *p);
