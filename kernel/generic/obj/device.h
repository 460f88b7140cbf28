/*
 * Device objects: one per PCI function, made at boot and never freed. A
 * device handle grants that function and nothing else (iris/abi/device.h): its
 * memory BARs as physical memory objects mapped uncached, its I/O ports in
 * the holder's I/O bitmap, filtered configuration space, bus mastering, DMA
 * memory and its interrupts (obj/irq.c).
 *
 * A device is in use while a handle to it is open or a memory object made
 * from it (a BAR window, DMA memory) or a pin for it is alive; it can be
 * opened only when it is not. When the last handle closes, the kernel turns bus mastering off,
 * unbinds its interrupts and takes its I/O ports back; DMA memory is given
 * back only while bus mastering is off (else it waits for that).
 */
#pragma once

#include <common/list.h>
#include <dev/pci.h>
#include <obj/object.h>
#include <obj/vmo.h>
#include <stdbool.h>
#include <sync/spinlock.h>

struct process;

struct device {
	struct kobject obj; /* KOBJ_DEVICE */
	struct pci_function *pci;
	spinlock_t lock;             /* everything below */
	uint32_t users;              /* the open handle family + live BAR and DMA objects, pins */
	bool open;                   /* a handle family holds it */
	bool busmaster;              /* as the kernel set it */
	struct list_head irqs;       /* bound interrupts (struct irq_obj.dev_link) */
	struct list_head quarantine; /* DMA memory and pins let go while bus mastering was on */
	struct process *port_user;   /* the process granted its I/O ports (a reference) */
	uint32_t msix_bound;         /* MSI-X entries bound (obj/irq.c, under its table lock) */
};

static inline struct device *device_from(struct kobject *o)
{
	return (struct device *)o;
}

/* Makes a device object for every PCI function; call after pci_init(). */
void device_init_all(void);

/* Device `index` (no reference: devices are never freed), or NULL. */
struct device *device_get(unsigned index);

/* The bus object that opens devices (a reference for the caller), or NULL before init. */
struct kobject *device_bus(void);

/*
 * Opens device `index`: on success *out holds a reference and the device is
 * marked open until the last handle to it closes (install one!). -ENOENT
 * past the last, -EBUSY while in use, -EPERM for a bridge (header type 1 or 2,
 * or PCI class 0x06: host, ISA, PCI-to-PCI and every other bridge subclass).
 */
int device_open(unsigned index, struct device **out);

void device_info(struct device *d, struct iris_device_info *info);

/* A memory BAR: a PHYS memory object (reference) in *vmo. Ports: granted to p, *vmo = NULL. */
int device_bar(struct device *d, unsigned bar, struct process *p, struct vmo **vmo);

int device_config_read(struct device *d, unsigned offset, unsigned width, uint32_t *value);
int device_config_write(struct device *d, unsigned offset, unsigned width, uint32_t value);
int device_busmaster(struct device *d, bool on);

/* Contiguous pinned DMA memory (a CONTIG memory object, reference in *out). */
int device_dma_create(struct device *d, size_t size, unsigned flags, struct vmo **out);

/*
 * A pin (obj/pin.c) of memory for the device's DMA begins: the device is in
 * use until it ends. device_pin_end() takes the pin's reference to `vmo`
 * and drops it at once if the driver said the device is done with it
 * (`done`) or bus mastering is off; else once bus mastering goes off.
 */
void device_pin_begin(struct device *d);
void device_pin_end(struct device *d, struct vmo *vmo, bool done);
