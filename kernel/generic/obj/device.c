#include <arch/cpu.h>
#include <arch/paging.h>
#include <common/string.h>
#include <console/bootcon.h>
#include <console/log.h>
#include <dev/msi.h>
#include <iris/abi/errno.h>
#include <mm/frame.h>
#include <mm/heap.h>
#include <mm/layout.h>
#include <obj/device.h>
#include <obj/irq.h>
#include <obj/process.h>

static struct device *devices[PCI_MAX_FUNCTIONS];
static struct kobject bus;

/* DMA memory waiting for bus mastering to go off: frames, or a pinned object. */
struct quarantined {
	struct list_head link;
	paddr_t phys; /* DMA memory: npages frames from phys */
	size_t npages;
	struct vmo *vmo; /* a pin's memory object (a reference), else NULL */
};

static void never_destroyed(struct kobject *o)
{
	(void)o;
}

/* Drops one use; the device can be opened again once none is left. Lock held. */
static void device_unuse(struct device *d)
{
	d->users--;
}

static void busmaster_set(struct device *d, bool on)
{
	uint16_t cmd = (uint16_t)pci_read(d->pci, PCI_COMMAND, 2);
	cmd = on ? (cmd | PCI_CMD_BUSMASTER) : (cmd & ~PCI_CMD_BUSMASTER);
	pci_write(d->pci, PCI_COMMAND, 2, cmd);
	d->busmaster = on;
}

/* Takes the quarantine's entries into `out`; bus mastering is off. Lock held. */
static void quarantine_take(struct device *d, struct list_head *out)
{
	list_init(out);
	while (!list_empty(&d->quarantine)) {
		struct quarantined *q = list_first(&d->quarantine, struct quarantined, link);
		list_del(&q->link);
		list_add_tail(&q->link, out);
	}
}

/*
 * Frees what quarantine_take() took, without the device's lock: the last
 * reference to a pinned object may free its frames and its page array.
 */
static void quarantine_free(struct list_head *taken)
{
	while (!list_empty(taken)) {
		struct quarantined *q = list_first(taken, struct quarantined, link);
		list_del(&q->link);
		if (q->vmo)
			kobject_put(&q->vmo->obj);
		else
			frame_free_contig(q->phys, q->npages);
		kfree(q);
	}
}

/*
 * The last handle to the device closed: stop its DMA first, then its
 * interrupts, take its ports back, and free DMA memory that was waiting.
 */
static void device_last_handle(struct kobject *o)
{
	struct device *d = device_from(o);
	struct list_head taken;
	bool irq = spin_lock_irqsave(&d->lock);
	busmaster_set(d, false);
	quarantine_take(d, &taken);
	struct process *ports = d->port_user;
	d->port_user = NULL;
	spin_unlock_irqrestore(&d->lock, irq);
	quarantine_free(&taken);

	irq_unbind_device(d);
	if (ports) {
		for (unsigned i = 0; i < IRIS_PCI_BARS; i++) {
			const struct iris_bar *b = &d->pci->info.bar[i];
			if (b->kind == IRIS_BAR_PORT && ports->ioperm)
				ioperm_set(ports->ioperm, (uint32_t)b->base, (uint32_t)b->size,
				           false);
		}
		kobject_put(&ports->obj);
	}
	if (d->pci->info.bus_type == IRIS_BUS_PLATFORM && d->pci->info.fb.width)
		bootcon_hand_over(false);
	irq = spin_lock_irqsave(&d->lock);
	d->open = false;
	device_unuse(d);
	spin_unlock_irqrestore(&d->lock, irq);
}

void device_init_all(void)
{
	kobject_init(&bus, KOBJ_BUS, never_destroyed);
	for (unsigned i = 0; i < pci_count(); i++) {
		struct device *d = kzalloc(sizeof(*d));
		if (!d) {
			pr_warn("device: no memory for device %u\n", i);
			return;
		}
		kobject_init(&d->obj, KOBJ_DEVICE, never_destroyed);
		d->obj.last_handle = device_last_handle;
		d->pci = pci_get(i);
		d->lock = (spinlock_t)SPINLOCK_INIT;
		list_init(&d->irqs);
		list_init(&d->quarantine);
		devices[i] = d;
	}
}

struct device *device_get(unsigned index)
{
	return index < PCI_MAX_FUNCTIONS ? devices[index] : NULL;
}

struct kobject *device_bus(void)
{
	kobject_get(&bus);
	return &bus;
}

/*
 * Whether `f` is a bridge, by header type or by class: a host bridge's
 * registers place ECAM, DRAM and SMRAM, an ISA/LPC bridge's route every
 * legacy interrupt and decode range, a PCI-to-PCI bridge's bus numbers and
 * windows reach other functions. None of that belongs to one driver.
 */
static bool device_is_bridge(const struct pci_function *f)
{
	return f->header_type != 0 ||
	       (f->info.bus_type == IRIS_BUS_PCI && f->info.class_code == PCI_CLASS_BRIDGE);
}

int device_open(unsigned index, struct device **out)
{
	struct device *d = index < PCI_MAX_FUNCTIONS ? devices[index] : NULL;
	if (!d)
		return -ENOENT;
	if (device_is_bridge(d->pci))
		return -EPERM;
	int r = 0;
	bool irq = spin_lock_irqsave(&d->lock);
	if (d->users) {
		r = -EBUSY;
	} else {
		d->users = 1;
		d->open = true;
	}
	spin_unlock_irqrestore(&d->lock, irq);
	if (r == 0) {
		if (d->pci->info.bus_type == IRIS_BUS_PLATFORM && d->pci->info.fb.width)
			bootcon_hand_over(true);
		kobject_get(&d->obj);
		*out = d;
	}
	return r;
}

void device_info(struct device *d, struct iris_device_info *info)
{
	*info = d->pci->info;
	info->open = d->users != 0;
}

/* Turns on the decoding a BAR of `kind` needs (firmware may leave it off). */
static void decode_enable(struct device *d, uint32_t kind)
{
	uint16_t bit = kind == IRIS_BAR_PORT ? PCI_CMD_IO : PCI_CMD_MEMORY;
	bool irq = spin_lock_irqsave(&d->lock);
	uint16_t cmd = (uint16_t)pci_read(d->pci, PCI_COMMAND, 2);
	if (!(cmd & bit))
		pci_write(d->pci, PCI_COMMAND, 2, cmd | bit);
	spin_unlock_irqrestore(&d->lock, irq);
}

/* A BAR window or DMA memory died. */
static void phys_release(struct vmo *vmo)
{
	struct device *d = vmo->owner;
	struct quarantined *q = NULL;
	if (vmo->kind == VMO_CONTIG)
		q = kzalloc(sizeof(*q));
	bool irq = spin_lock_irqsave(&d->lock);
	if (vmo->kind == VMO_CONTIG) {
		if (!d->busmaster) {
			frame_free_contig(vmo->phys, vmo->npages);
		} else if (q) {
			q->phys = vmo->phys;
			q->npages = vmo->npages;
			list_add_tail(&q->link, &d->quarantine);
			q = NULL;
		} else {
			pr_warn("device: no memory to quarantine DMA frames: leaking %zu pages\n",
			        vmo->npages);
		}
	}
	device_unuse(d);
	spin_unlock_irqrestore(&d->lock, irq);
	kfree(q);
}

/* The page range of the MSI-X table or PBA inside `bar`, which the driver must not reach. */
static void msix_hole(struct device *d, unsigned bar, size_t *first, size_t *count)
{
	*first = *count = 0;
	struct pci_function *f = d->pci;
	if (!f->msix_cap)
		return;
	size_t lo = SIZE_MAX, hi = 0;
	for (unsigned k = 0; k < 2; k++) {
		uint32_t v = pci_read(f, f->msix_cap + (k == 0 ? MSIX_TABLE : MSIX_PBA), 4);
		if ((v & MSIX_BIR) != bar)
			continue;
		size_t off = v & ~MSIX_BIR;
		size_t len = k == 0 ? (size_t)f->info.msix_vectors * MSIX_ENTRY_SIZE
		                    : (f->info.msix_vectors + 63) / 64 * 8;
		if (off / PAGE_SIZE < lo)
			lo = off / PAGE_SIZE;
		if ((off + len + PAGE_SIZE - 1) / PAGE_SIZE > hi)
			hi = (off + len + PAGE_SIZE - 1) / PAGE_SIZE;
	}
	if (lo < hi) {
		*first = lo;
		*count = hi - lo;
	}
}

/* Whether another function's memory BAR shares a page with [base, base + size). */
static bool bar_page_shared(struct device *d, uint64_t base, uint64_t size)
{
	uint64_t lo = base & ~(uint64_t)(PAGE_SIZE - 1);
	uint64_t hi = (base + size + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	for (unsigned i = 0; i < pci_count(); i++) {
		struct pci_function *f = pci_get(i);
		for (unsigned b = 0; b < IRIS_PCI_BARS; b++) {
			const struct iris_bar *o = &f->info.bar[b];
			if (o->kind != IRIS_BAR_MMIO || (f == d->pci && o->base == base))
				continue;
			/* The boot framebuffer is the memory of a display controller's BAR. */
			if (d->pci->info.bus_type == IRIS_BUS_PLATFORM &&
			    f->info.class_code == 0x03 && o->base <= lo && o->base + o->size >= hi)
				continue;
			if (o->base < hi && o->base + o->size > lo)
				return true;
		}
	}
	return false;
}

int device_bar(struct device *d, unsigned bar, struct process *p, struct vmo **out)
{
	if (bar >= IRIS_PCI_BARS)
		return -EINVAL;
	const struct iris_bar *b = &d->pci->info.bar[bar];
	*out = NULL;
	if (b->kind == IRIS_BAR_NONE)
		return -ENOENT;
	if (b->kind == IRIS_BAR_PORT) {
		struct ioperm *io = __atomic_load_n(&p->ioperm, __ATOMIC_ACQUIRE);
		if (!io) {
			struct ioperm *fresh = ioperm_create();
			if (!fresh)
				return -ENOMEM;
			if (!__atomic_compare_exchange_n(&p->ioperm, &io, fresh, false,
			                                 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				ioperm_destroy(fresh);
			else
				io = fresh;
		}
		bool irq = spin_lock_irqsave(&d->lock);
		int r = 0;
		if (d->port_user && d->port_user != p) {
			r = -EBUSY;
		} else if (!d->port_user) {
			kobject_get(&p->obj);
			d->port_user = p;
		}
		spin_unlock_irqrestore(&d->lock, irq);
		if (r < 0)
			return r;
		ioperm_set(io, (uint32_t)b->base, (uint32_t)b->size, true);
		ioperm_load(io);
		decode_enable(d, IRIS_BAR_PORT);
		return 0;
	}
	if ((b->base & (PAGE_SIZE - 1)) || bar_page_shared(d, b->base, b->size))
		return -ENOTSUP; /* its pages would expose another device's registers */
	struct vmo *vmo = vmo_create_phys(VMO_PHYS, b->base, b->size, MAP_UC);
	if (!vmo)
		return -ENOMEM;
	msix_hole(d, bar, &vmo->hole_first, &vmo->hole_count);
	vmo->owner = d;
	vmo->release = phys_release;
	bool irq = spin_lock_irqsave(&d->lock);
	d->users++;
	spin_unlock_irqrestore(&d->lock, irq);
	decode_enable(d, IRIS_BAR_MMIO);
	*out = vmo;
	return 0;
}

static bool config_access_ok(struct device *d, unsigned offset, unsigned width)
{
	return (width == 1 || width == 2 || width == 4) && offset % width == 0 &&
	       offset + width <= d->pci->config_size;
}

int device_config_read(struct device *d, unsigned offset, unsigned width, uint32_t *value)
{
	if (!config_access_ok(d, offset, width))
		return -EINVAL;
	*value = pci_read(d->pci, offset, width);
	return 0;
}

static bool overlaps(unsigned a, unsigned alen, unsigned b, unsigned blen)
{
	return a < b + blen && b < a + alen;
}

/*
 * Configuration writes a driver may make: the command register's I/O,
 * memory and INTx-disable bits (bus mastering has its own call so the
 * kernel always knows it), cache line size and latency timer, the
 * interrupt line, and device-specific registers 0x40..0xff outside the
 * MSI/MSI-X capabilities. Never the BARs, the ROM, the status register,
 * other capabilities' headers or extended space (SR-IOV could make new
 * functions).
 */
int device_config_write(struct device *d, unsigned offset, unsigned width, uint32_t value)
{
	struct pci_function *f = d->pci;
	if (!config_access_ok(d, offset, width))
		return -EINVAL;
	if (offset == PCI_COMMAND && width == 2) {
		const uint16_t allowed = PCI_CMD_IO | PCI_CMD_MEMORY | PCI_CMD_INTX_DISABLE;
		bool irq = spin_lock_irqsave(&d->lock);
		uint16_t cmd = (uint16_t)pci_read(f, PCI_COMMAND, 2);
		cmd = (uint16_t)((cmd & ~allowed) | (value & allowed));
		pci_write(f, PCI_COMMAND, 2, cmd);
		spin_unlock_irqrestore(&d->lock, irq);
		return 0;
	}
	bool ok = (offset >= 0x0c && offset + width <= 0x0e) ||
	          (offset == PCI_INTERRUPT && width == 1) ||
	          (offset >= 0x40 && offset + width <= 0x100);
	if (f->msi_cap && overlaps(offset, width, f->msi_cap, f->msi_len))
		ok = false;
	if (f->msix_cap && overlaps(offset, width, f->msix_cap, MSIX_CAP_LEN))
		ok = false;
	if (!ok)
		return -EPERM;
	pci_write(f, offset, width, value);
	return 0;
}

int device_busmaster(struct device *d, bool on)
{
	struct list_head taken;
	bool irq = spin_lock_irqsave(&d->lock);
	busmaster_set(d, on);
	list_init(&taken);
	if (!on)
		quarantine_take(d, &taken);
	spin_unlock_irqrestore(&d->lock, irq);
	quarantine_free(&taken);
	return 0;
}

void device_pin_begin(struct device *d)
{
	bool irq = spin_lock_irqsave(&d->lock);
	d->users++;
	spin_unlock_irqrestore(&d->lock, irq);
}

void device_pin_end(struct device *d, struct vmo *vmo, bool done)
{
	struct quarantined *q = done ? NULL : kzalloc(sizeof(*q));
	bool irq = spin_lock_irqsave(&d->lock);
	if (done) {
		/* dropped below, without the lock */
	} else if (d->busmaster && q) {
		q->vmo = vmo;
		list_add_tail(&q->link, &d->quarantine);
		vmo = NULL;
		q = NULL;
	} else if (d->busmaster) {
		/* The device may still write the frames: never free them, lose them. */
		pr_warn("device: no memory to quarantine pinned pages: leaking them\n");
		vmo = NULL;
	}
	device_unuse(d);
	spin_unlock_irqrestore(&d->lock, irq);
	kfree(q);
	if (vmo)
		kobject_put(&vmo->obj);
}

int device_dma_create(struct device *d, size_t size, unsigned flags, struct vmo **out)
{
	if (size == 0 || size > IRIS_DMA_MAX || (flags & ~(unsigned)IRIS_DMA_32BIT))
		return -EINVAL;
	size_t npages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	paddr_t pa =
	        frame_alloc_contig(npages, 1, (flags & IRIS_DMA_32BIT) ? FRAME_LOW32 : FRAME_ANY);
	if (!pa)
		return -ENOMEM;
	memset(phys_to_virt(pa), 0, npages * PAGE_SIZE);
	struct vmo *vmo = vmo_create_phys(VMO_CONTIG, pa, npages * PAGE_SIZE, 0);
	if (!vmo) {
		frame_free_contig(pa, npages);
		return -ENOMEM;
	}
	vmo->owner = d;
	vmo->release = phys_release;
	bool irq = spin_lock_irqsave(&d->lock);
	d->users++;
	spin_unlock_irqrestore(&d->lock, irq);
	*out = vmo;
	return 0;
}
