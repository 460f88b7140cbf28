/*
 * PCI: the kernel's enumeration of every function, through the ECAM windows
 * the ACPI MCFG table describes, or configuration mechanism #1 (ports
 * 0xCF8/0xCFC) without one. Each function becomes a device object
 * (obj/device.c); drivers reach it only through a device handle.
 *
 * The same table ends with the platform devices the kernel knows of without
 * a bus to find them on: COM1, the i8042 keyboard controller and the boot
 * framebuffer. They have port or memory "BARs", an ISA interrupt and no
 * configuration space (config_size 0).
 */
#pragma once

#include <iris/abi/device.h>
#include <stdbool.h>
#include <stdint.h>

#define PCI_MAX_FUNCTIONS 128

/* Configuration space registers the kernel uses. */
#define PCI_VENDOR        0x00
#define PCI_COMMAND       0x04
#define PCI_STATUS        0x06
#define PCI_CLASS_REV     0x08
#define PCI_HEADER_TYPE   0x0e
#define PCI_BAR0          0x10
#define PCI_ROM_BAR       0x30
#define PCI_SUBSYS        0x2c
#define PCI_CAP_PTR       0x34
#define PCI_INTERRUPT     0x3c
#define PCI_SECONDARY_BUS 0x19

#define PCI_CMD_IO           (1u << 0)
#define PCI_CMD_MEMORY       (1u << 1)
#define PCI_CMD_BUSMASTER    (1u << 2)
#define PCI_CMD_INTX_DISABLE (1u << 10)
#define PCI_STATUS_CAP_LIST  (1u << 4)

/* Base class of every bridge (host, ISA, PCI-to-PCI, CardBus, ...): machine-wide state. */
#define PCI_CLASS_BRIDGE 0x06

#define PCI_CAP_MSI  0x05
#define PCI_CAP_MSIX 0x11

struct pci_function {
	uint16_t segment;
	uint8_t bus, dev, fn;
	uint8_t header_type;    /* 0 = device, 1 = bridge */
	volatile uint8_t *ecam; /* its 4 KiB of configuration space, or NULL: ports */
	uint16_t config_size;   /* 4096 through ECAM, 256 through ports, 0 for a platform device */
	uint8_t msi_cap, msix_cap; /* capability offsets, 0 = absent */
	uint8_t msi_len;           /* bytes of the MSI capability */
	struct iris_device_info info;
};

/* Enumerates every function (bus 0 down through bridges), then the platform devices. */
unsigned pci_init(void);

unsigned pci_count(void);
struct pci_function *pci_get(unsigned index);

/* Configuration space access; offset aligned to width (1, 2 or 4), inside config_size. */
uint32_t pci_read(const struct pci_function *f, unsigned offset, unsigned width);
void pci_write(const struct pci_function *f, unsigned offset, unsigned width, uint32_t value);
