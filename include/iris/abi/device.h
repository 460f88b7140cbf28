/*
 * Devices, shared by the kernel and userspace (docs/devices.md).
 *
 * The kernel enumerates PCI and keeps one device object per function. The
 * holder of the bus handle (init gives it to devmgr) opens a function and
 * gets a device handle; the handle grants exactly that function: its MMIO
 * BARs (memory objects mapped uncached), its I/O port BARs (in the caller's
 * I/O permission bitmap), its configuration space (filtered), its interrupt
 * (bound with a verified IRQ-ack program, iris/abi/irq.h), bus mastering and DMA
 * memory. A device is open through one handle family at a time: when the
 * last handle closes (its driver exited, crashed or was killed), the kernel
 * turns bus mastering off, masks and unbinds its interrupts and only then
 * frees its DMA memory; then the device may be opened again.
 */
#pragma once

#include <iris/abi/handle.h>
#include <stdint.h>

/* Rights of a device handle beyond the generic ones (iris/abi/handle.h). */
#define IRIS_RIGHT_DEV_MMIO   (1u << 7)  /* map its memory BARs */
#define IRIS_RIGHT_DEV_PORTS  (1u << 8)  /* use its I/O port BARs */
#define IRIS_RIGHT_DEV_IRQ    (1u << 9)  /* bind its interrupt */
#define IRIS_RIGHT_DEV_DMA    (1u << 10) /* bus mastering and DMA memory */
#define IRIS_RIGHT_DEV_CONFIG (1u << 11) /* write its configuration space (reads need READ) */
#define IRIS_RIGHTS_DEVICE                                                                      \
	(IRIS_RIGHT_DEV_MMIO | IRIS_RIGHT_DEV_PORTS | IRIS_RIGHT_DEV_IRQ | IRIS_RIGHT_DEV_DMA | \
	 IRIS_RIGHT_DEV_CONFIG)

#define IRIS_PCI_BARS 6

/* Kinds of BAR. */
#define IRIS_BAR_NONE 0
#define IRIS_BAR_MMIO 1
#define IRIS_BAR_PORT 2

/* BAR flags. */
#define IRIS_BAR_64BIT    (1u << 0)
#define IRIS_BAR_PREFETCH (1u << 1)

struct iris_bar {
	uint64_t base; /* physical address or first port */
	uint64_t size; /* bytes or ports; 0 when absent */
	uint32_t kind; /* IRIS_BAR_* */
	uint32_t flags;
};

/* Interrupt modes a function offers (iris_device_info.irq_modes) and SYS_IRQ_BIND takes. */
#define IRIS_IRQ_INTX 1 /* the legacy pin, through the IOAPIC (may be shared) */
#define IRIS_IRQ_MSI  2
#define IRIS_IRQ_MSIX 3

/* Where a device sits (iris_device_info.bus_type). */
#define IRIS_BUS_PCI 0
#define IRIS_BUS_PLATFORM                                                       \
	1 /* legacy devices the kernel knows of: "com1", "i8042", "framebuffer" \
	   */

/* The boot framebuffer's geometry and pixel format (the "framebuffer" platform device). */
struct iris_fb_format {
	uint32_t width, height; /* pixels */
	uint32_t pitch;         /* bytes per line */
	uint8_t bpp;            /* bits per pixel: 16, 24 or 32 */
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
	uint8_t reserved;
};

#define IRIS_DEVICE_NAME_MAX 16

struct iris_device_info {
	uint32_t index; /* position in the kernel's enumeration */
	uint16_t segment;
	uint8_t bus, dev, fn;
	uint8_t class_code, subclass, prog_if, revision;
	uint8_t irq_pin; /* 1..4 = INTA..INTD, 0 = none */
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_device;
	uint16_t msix_vectors; /* table size, 0 without MSI-X */
	uint32_t irq_modes;    /* bit (1 << IRIS_IRQ_*) per mode offered */
	uint32_t open;         /* 1 while a handle to it is open */
	struct iris_bar bar[IRIS_PCI_BARS];
	uint32_t bus_type;               /* IRIS_BUS_PCI or IRIS_BUS_PLATFORM */
	uint32_t isa_irq;                /* platform: its ISA interrupt (INTx mode), else 0 */
	char name[IRIS_DEVICE_NAME_MAX]; /* platform: what it is; PCI: "" */
	struct iris_fb_format fb;        /* the framebuffer device: its format; else zeros */
};

/* Flags of SYS_DEVICE_OPEN. */
#define IRIS_DEVICE_INFO_ONLY (1u << 0) /* fill the info, open nothing (returns 0) */

/* Flags of SYS_DMA_CREATE. */
#define IRIS_DMA_32BIT (1u << 0) /* every byte below 4 GiB (devices without 64-bit DMA) */

#define IRIS_DMA_MAX (4u << 20) /* bytes per DMA memory object */

/*
 * Flags of SYS_DMA_PIN: which way the device moves data. DEVICE_WRITES
 * (device to memory) needs the memory object's WRITE right, DEVICE_READS
 * (memory to device) its READ right; MAP is never needed, so a handle
 * without MAP lets a driver DMA into pages it can never look at.
 */
#define IRIS_PIN_DEVICE_WRITES (1u << 0)
#define IRIS_PIN_DEVICE_READS  (1u << 1)

#define IRIS_PIN_PAGES_MAX         1024u  /* pages per pin (4 MiB) */
#define IRIS_PIN_PROCESS_PAGES_MAX 65536u /* pages one process may hold pinned (256 MiB) */
