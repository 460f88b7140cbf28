/* PCI helpers for drivers (driver/pci.h). */
#include <driver/driver.h>
#include <driver/pci.h>
#include <errno.h>
#include <iris/sys.h>

#define PAGE_SIZE   4096u
#define PCI_COMMAND 0x04

int drv_pci_map_bar(struct drv *d, unsigned bar, size_t min_size, struct drv_mmio *m)
{
	if (bar >= IRIS_PCI_BARS)
		return -EINVAL;
	const struct iris_bar *b = &d->info.bar[bar];
	if (b->kind != IRIS_BAR_MMIO || b->size < min_size || b->size > SIZE_MAX - PAGE_SIZE)
		return -ENODEV;
	long vmo = sys_device_bar(d->device, bar);
	if (vmo < 0)
		return (int)vmo;
	size_t size = ((size_t)b->size + PAGE_SIZE - 1) & ~(size_t)(PAGE_SIZE - 1);
	long addr = sys_map(NULL, size, IRIS_PROT_READ | IRIS_PROT_WRITE, 0, (iris_handle_t)vmo, 0);
	sys_handle_close((iris_handle_t)vmo); /* the mapping keeps the window */
	if (addr < 0)
		return (int)addr;
	m->base = (volatile uint8_t *)addr;
	m->size = (size_t)b->size;
	return 0;
}

void drv_pci_unmap_bar(struct drv_mmio *m)
{
	size_t size = (m->size + PAGE_SIZE - 1) & ~(size_t)(PAGE_SIZE - 1);
	sys_unmap((void *)m->base, size);
	m->base = NULL;
	m->size = 0;
}

long drv_pci_config_read(struct drv *d, unsigned offset, unsigned width)
{
	return sys_device_config_read(d->device, offset, width);
}

int drv_pci_config_write(struct drv *d, unsigned offset, unsigned width, uint32_t value)
{
	return (int)sys_device_config_write(d->device, offset, width, value);
}

int drv_pci_command(struct drv *d, uint16_t set, uint16_t clear)
{
	long cmd = drv_pci_config_read(d, PCI_COMMAND, 2);
	if (cmd < 0)
		return (int)cmd;
	uint16_t v = (uint16_t)(((uint16_t)cmd & ~clear) | set);
	return v == cmd ? 0 : drv_pci_config_write(d, PCI_COMMAND, 2, v);
}

int drv_pci_busmaster(struct drv *d, int on)
{
	return (int)sys_device_busmaster(d->device, on);
}
