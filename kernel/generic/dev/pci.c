#include <acpi/acpi.h>
#include <arch/paging.h>
#include <arch/platform.h>
#include <boot/bootinfo.h>
#include <common/string.h>
#include <console/log.h>
#include <dev/msi.h>
#include <dev/pci.h>
#include <lib/mmio.h>
#include <mm/kwindow.h>
#include <mm/layout.h>

static struct pci_function functions[PCI_MAX_FUNCTIONS];
static unsigned nfunctions;
static unsigned dropped;

/* The ECAM window of a function, mapped uncached on first use; NULL if MCFG covers no such bus. */
static volatile uint8_t *ecam_map(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
	const struct acpi_info *acpi = platform_acpi();
	for (unsigned i = 0; acpi && i < acpi->mcfg_count; i++) {
		const struct acpi_mcfg_segment *m = &acpi->mcfg[i];
		if (m->segment != seg || bus < m->bus_start || bus > m->bus_end)
			continue;
		paddr_t pa = m->base + ((uint64_t)(bus - m->bus_start) << 20) +
		             ((uint64_t)dev << 15) + ((uint64_t)fn << 12);
		return kwindow_map_phys(pa, PAGE_SIZE, MAP_WRITE | MAP_UC);
	}
	return NULL;
}

static bool use_ecam(void)
{
	const struct acpi_info *acpi = platform_acpi();
	return acpi && acpi->has_mcfg && acpi->mcfg_count > 0;
}

uint32_t pci_read(const struct pci_function *f, unsigned offset, unsigned width)
{
	if (!f->ecam)
		return platform_pci_read(f->bus, f->dev, f->fn, offset, width);
	return (uint32_t)mmio_read(f->ecam + offset, width);
}

void pci_write(const struct pci_function *f, unsigned offset, unsigned width, uint32_t value)
{
	if (!f->ecam) {
		platform_pci_write(f->bus, f->dev, f->fn, offset, width, value);
		return;
	}
	mmio_write(f->ecam + offset, width, value);
}

/* Sizes the BARs with decoding off, as firmware left them placed. */
static void size_bars(struct pci_function *f)
{
	unsigned nbars = f->header_type == 0 ? IRIS_PCI_BARS : 2;
	uint16_t cmd = (uint16_t)pci_read(f, PCI_COMMAND, 2);
	pci_write(f, PCI_COMMAND, 2, cmd & ~(PCI_CMD_IO | PCI_CMD_MEMORY));
	for (unsigned i = 0; i < nbars; i++) {
		unsigned off = PCI_BAR0 + 4 * i;
		uint32_t orig = pci_read(f, off, 4);
		pci_write(f, off, 4, 0xffffffff);
		uint32_t mask = pci_read(f, off, 4);
		pci_write(f, off, 4, orig);
		struct iris_bar *b = &f->info.bar[i];
		if (orig & 1) {
			uint32_t m = mask & 0xfffffffc & 0xffff;
			if (!m)
				continue;
			b->kind = IRIS_BAR_PORT;
			b->base = orig & 0xfffc;
			if (!b->base) {
				b->kind = IRIS_BAR_NONE;
				continue;
			}
			b->size = (~m + 1) & 0xffff;
			continue;
		}
		uint64_t base = orig & 0xfffffff0, m64 = mask & 0xfffffff0;
		bool is64 = ((orig >> 1) & 3) == 2 && i + 1 < nbars;
		if (is64) {
			uint32_t orig_hi = pci_read(f, off + 4, 4);
			pci_write(f, off + 4, 4, 0xffffffff);
			uint32_t mask_hi = pci_read(f, off + 4, 4);
			pci_write(f, off + 4, 4, orig_hi);
			base |= (uint64_t)orig_hi << 32;
			m64 |= (uint64_t)mask_hi << 32;
		} else {
			m64 |= m64 ? 0xffffffff00000000ull : 0;
		}
		/* Unimplemented (no writable bits) or never placed by firmware: absent. */
		if (m64 && base) {
			b->kind = IRIS_BAR_MMIO;
			b->base = base;
			b->size = ~m64 + 1;
			b->flags =
			        (is64 ? IRIS_BAR_64BIT : 0) | ((orig & 8) ? IRIS_BAR_PREFETCH : 0);
		}
		if (is64)
			i++; /* the upper half is not a BAR of its own */
	}
	pci_write(f, PCI_COMMAND, 2, cmd);
}

/* Walks the capability list (bounded: a looping list ends after 48 entries). */
static void find_caps(struct pci_function *f)
{
	if (!(pci_read(f, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return;
	unsigned off = pci_read(f, PCI_CAP_PTR, 1) & 0xfc;
	for (int n = 0; off >= 0x40 && off < 0x100 && n < 48; n++) {
		uint8_t id = (uint8_t)pci_read(f, off, 1);
		if (id == PCI_CAP_MSI && !f->msi_cap) {
			f->msi_cap = (uint8_t)off;
			f->msi_len = (uint8_t)msi_cap_len((uint16_t)pci_read(f, off + MSI_CTL, 2));
			f->info.irq_modes |= 1u << IRIS_IRQ_MSI;
		} else if (id == PCI_CAP_MSIX && !f->msix_cap) {
			uint16_t ctl = (uint16_t)pci_read(f, off + MSIX_CTL, 2);
			f->msix_cap = (uint8_t)off;
			f->info.msix_vectors = (uint16_t)((ctl & MSIX_CTL_TABLE_SIZE) + 1);
			f->info.irq_modes |= 1u << IRIS_IRQ_MSIX;
		}
		off = pci_read(f, off + 1, 1) & 0xfc;
	}
}

static void scan_bus(uint16_t seg, uint8_t bus, int depth);

static void add_function(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, int depth)
{
	struct pci_function probe = { .segment = seg, .bus = bus, .dev = dev, .fn = fn };
	probe.ecam = use_ecam() ? ecam_map(seg, bus, dev, fn) : NULL;
	if (use_ecam() && !probe.ecam)
		return;
	probe.config_size = probe.ecam ? 4096 : 256;
	uint32_t id = pci_read(&probe, PCI_VENDOR, 4);
	if ((id & 0xffff) == 0xffff) {
		if (probe.ecam)
			kwindow_unmap_phys((void *)probe.ecam, PAGE_SIZE);
		return;
	}
	if (nfunctions == PCI_MAX_FUNCTIONS) {
		dropped++;
		return;
	}
	struct pci_function *f = &functions[nfunctions];
	*f = probe;
	f->header_type = (uint8_t)(pci_read(f, PCI_HEADER_TYPE, 1) & 0x7f);
	uint32_t cls = pci_read(f, PCI_CLASS_REV, 4);
	uint32_t sub = pci_read(f, PCI_SUBSYS, 4);
	f->info = (struct iris_device_info){
		.index = nfunctions,
		.segment = seg,
		.bus = bus,
		.dev = dev,
		.fn = fn,
		.class_code = (uint8_t)(cls >> 24),
		.subclass = (uint8_t)(cls >> 16),
		.prog_if = (uint8_t)(cls >> 8),
		.revision = (uint8_t)cls,
		.vendor = (uint16_t)id,
		.device = (uint16_t)(id >> 16),
	};
	if (f->header_type == 0) {
		f->info.subsys_vendor = (uint16_t)sub;
		f->info.subsys_device = (uint16_t)(sub >> 16);
		f->info.irq_pin = (uint8_t)pci_read(f, PCI_INTERRUPT + 1, 1);
		if (f->info.irq_pin > 4)
			f->info.irq_pin = 0;
		if (f->info.irq_pin)
			f->info.irq_modes |= 1u << IRIS_IRQ_INTX;
	}
	if (f->header_type <= 1)
		size_bars(f);
	find_caps(f);
	nfunctions++;
	if (f->header_type == 1 && depth < 8) {
		uint8_t secondary = (uint8_t)pci_read(f, PCI_SECONDARY_BUS, 1);
		if (secondary > bus)
			scan_bus(seg, secondary, depth + 1);
	}
}

static void scan_bus(uint16_t seg, uint8_t bus, int depth)
{
	for (uint8_t dev = 0; dev < 32; dev++) {
		struct pci_function probe = { .segment = seg, .bus = bus, .dev = dev };
		probe.ecam = use_ecam() ? ecam_map(seg, bus, dev, 0) : NULL;
		if (use_ecam() && !probe.ecam)
			return;
		uint32_t id = pci_read(&probe, PCI_VENDOR, 4);
		bool multi = (pci_read(&probe, PCI_HEADER_TYPE, 1) & 0x80) != 0;
		if (probe.ecam)
			kwindow_unmap_phys((void *)probe.ecam, PAGE_SIZE);
		if ((id & 0xffff) == 0xffff)
			continue;
		for (uint8_t fn = 0; fn < (multi ? 8 : 1); fn++)
			add_function(seg, bus, dev, fn, depth);
	}
}

/* Appends a platform device; returns it, or NULL when the table is full. */
static struct pci_function *platform_add(const char *name, uint32_t isa_irq)
{
	if (nfunctions == PCI_MAX_FUNCTIONS) {
		dropped++;
		return NULL;
	}
	struct pci_function *f = &functions[nfunctions];
	*f = (struct pci_function){ .header_type = 0 };
	f->info.index = nfunctions++;
	f->info.bus_type = IRIS_BUS_PLATFORM;
	f->info.isa_irq = isa_irq;
	if (isa_irq)
		f->info.irq_modes = 1u << IRIS_IRQ_INTX;
	strlcpy(f->info.name, name, sizeof(f->info.name));
	return f;
}

static void port_bar(struct pci_function *f, unsigned i, uint64_t base, uint64_t size)
{
	f->info.bar[i] = (struct iris_bar){ .base = base, .size = size, .kind = IRIS_BAR_PORT };
}

/* The legacy devices the platform finds (COM1, the i8042), then the framebuffer GRUB set up. */
static void platform_devices_add(void)
{
	struct platform_device legacy[PLATFORM_DEVICES_MAX];
	unsigned n = platform_devices(legacy, PLATFORM_DEVICES_MAX);
	struct pci_function *f;
	for (unsigned i = 0; i < n; i++) {
		if (!(f = platform_add(legacy[i].name, legacy[i].isa_irq)))
			continue;
		for (unsigned p = 0; p < legacy[i].port_count; p++)
			port_bar(f, p, legacy[i].ports[p].base, legacy[i].ports[p].size);
	}
	const struct boot_framebuffer *fb = &boot_info.fb;
	if (boot_info.has_framebuffer && fb->type == 1 && !(fb->addr & (PAGE_SIZE - 1)) &&
	    (f = platform_add("framebuffer", 0))) {
		uint64_t size = (uint64_t)fb->pitch * fb->height;
		f->info.bar[0] = (struct iris_bar){ .base = fb->addr,
			                            .size = (size + PAGE_SIZE - 1) &
			                                    ~(uint64_t)(PAGE_SIZE - 1),
			                            .kind = IRIS_BAR_MMIO,
			                            .flags = IRIS_BAR_PREFETCH };
		f->info.class_code = 0x03;
		f->info.fb = (struct iris_fb_format){
			.width = fb->width,
			.height = fb->height,
			.pitch = fb->pitch,
			.bpp = fb->bpp,
			.red_pos = fb->red_pos,
			.red_size = fb->red_size,
			.green_pos = fb->green_pos,
			.green_size = fb->green_size,
			.blue_pos = fb->blue_pos,
			.blue_size = fb->blue_size,
		};
	}
}

unsigned pci_init(void)
{
	const struct acpi_info *acpi = platform_acpi();
	if (use_ecam()) {
		for (unsigned i = 0; i < acpi->mcfg_count; i++)
			if (acpi->mcfg[i].bus_start == 0)
				scan_bus(acpi->mcfg[i].segment, 0, 0);
	} else {
		scan_bus(0, 0, 0);
	}
	unsigned npci = nfunctions;
	platform_devices_add();
	pr_info("pci: %u functions through %s, %u platform devices%s\n", npci,
	        use_ecam() ? "ECAM (MCFG)" : "ports 0xcf8/0xcfc", nfunctions - npci,
	        dropped ? " (some dropped: table full)" : "");
	for (unsigned i = 0; i < nfunctions; i++) {
		const struct iris_device_info *d = &functions[i].info;
		pr_debug("pci: %02x:%02x.%u %04x:%04x class %02x%02x%02x\n", d->bus, d->dev, d->fn,
		         d->vendor, d->device, d->class_code, d->subclass, d->prog_if);
	}
	return nfunctions;
}

unsigned pci_count(void)
{
	return nfunctions;
}

struct pci_function *pci_get(unsigned index)
{
	return index < nfunctions ? &functions[index] : NULL;
}
