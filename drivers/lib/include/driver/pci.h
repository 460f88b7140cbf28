/*
 * PCI for drivers: memory BARs mapped uncached (SYS_DEVICE_BAR + SYS_MAP),
 * bounds-checked MMIO accessors, configuration space, bus mastering.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct drv;

/* A mapped memory BAR. */
struct drv_mmio {
	volatile uint8_t *base;
	size_t size; /* bytes mapped (the BAR's size rounded up to pages) */
};

/*
 * Maps memory BAR `bar` of the driver's device (at least `min_size` bytes
 * of it must exist). 0 or a negative errno: -ENODEV for a missing, port or
 * too small BAR.
 */
int drv_pci_map_bar(struct drv *d, unsigned bar, size_t min_size, struct drv_mmio *m);

void drv_pci_unmap_bar(struct drv_mmio *m);

/*
 * The accessors check the offset: outside the mapping, or misaligned, a
 * read returns all ones (what a missing device answers) and a write is
 * dropped, so a register offset computed from a device's value can never
 * reach memory beyond the BAR.
 */
static inline int drv_mmio_ok(const struct drv_mmio *m, size_t off, size_t width)
{
	return m->size >= width && off <= m->size - width && !(off & (width - 1));
}

static inline uint8_t drv_mmio_read8(const struct drv_mmio *m, size_t off)
{
	return drv_mmio_ok(m, off, 1) ? *(volatile uint8_t *)(m->base + off) : UINT8_MAX;
}

static inline uint16_t drv_mmio_read16(const struct drv_mmio *m, size_t off)
{
	return drv_mmio_ok(m, off, 2) ? *(volatile uint16_t *)(m->base + off) : UINT16_MAX;
}

static inline uint32_t drv_mmio_read32(const struct drv_mmio *m, size_t off)
{
	return drv_mmio_ok(m, off, 4) ? *(volatile uint32_t *)(m->base + off) : UINT32_MAX;
}

static inline uint64_t drv_mmio_read64(const struct drv_mmio *m, size_t off)
{
	return drv_mmio_ok(m, off, 8) ? *(volatile uint64_t *)(m->base + off) : UINT64_MAX;
}

static inline void drv_mmio_write8(const struct drv_mmio *m, size_t off, uint8_t v)
{
	if (drv_mmio_ok(m, off, 1))
		*(volatile uint8_t *)(m->base + off) = v;
}

static inline void drv_mmio_write16(const struct drv_mmio *m, size_t off, uint16_t v)
{
	if (drv_mmio_ok(m, off, 2))
		*(volatile uint16_t *)(m->base + off) = v;
}

/* Ordered after every earlier store to normal memory (DMA descriptors): a doorbell. */
static inline void drv_mmio_write32(const struct drv_mmio *m, size_t off, uint32_t v)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (drv_mmio_ok(m, off, 4))
		*(volatile uint32_t *)(m->base + off) = v;
}

static inline void drv_mmio_write64(const struct drv_mmio *m, size_t off, uint64_t v)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (drv_mmio_ok(m, off, 8))
		*(volatile uint64_t *)(m->base + off) = v;
}

/* Configuration space: a value >= 0, or a negative errno. */
long drv_pci_config_read(struct drv *d, unsigned offset, unsigned width);
int drv_pci_config_write(struct drv *d, unsigned offset, unsigned width, uint32_t value);

/* PCI command register bits a driver may set (the kernel owns bus mastering: drv_pci_busmaster). */
#define DRV_PCI_COMMAND_IO           0x0001u
#define DRV_PCI_COMMAND_MEMORY       0x0002u
#define DRV_PCI_COMMAND_INTX_DISABLE 0x0400u

/*
 * Sets and clears bits of the command register, writing it only when that
 * changes it (writes need the device's config right). 0 or a negative errno.
 */
int drv_pci_command(struct drv *d, uint16_t set, uint16_t clear);

int drv_pci_busmaster(struct drv *d, int on);
