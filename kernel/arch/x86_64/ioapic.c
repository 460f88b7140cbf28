#include <acpi/acpi.h>
#include <console/log.h>
#include <iris/abi/errno.h>
#include <mm/kwindow.h>
#include <sync/spinlock.h>
#include <x86_64/cpu.h>
#include <x86_64/ioapic.h>
#include <x86_64/paging.h>

#define IOAPIC_REGSEL    0x00
#define IOAPIC_WINDOW    0x10
#define IOAPIC_REG_VER   0x01
#define IOAPIC_REG_REDIR 0x10 /* + 2 * pin: low dword, + 1: high dword */

#define REDIR_MASKED     (1u << 16)
#define REDIR_LEVEL      (1u << 15)
#define REDIR_ACTIVE_LOW (1u << 13)

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1

struct ioapic {
	volatile uint32_t *regs;
	uint8_t id;
	uint32_t gsi_base;
	unsigned pins;
	spinlock_t lock; /* REGSEL/WINDOW is a two-step access */
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned ioapic_count;
static const struct acpi_info *ioapic_acpi;

static uint32_t ioapic_read(struct ioapic *io, uint32_t reg)
{
	io->regs[IOAPIC_REGSEL / 4] = reg;
	return io->regs[IOAPIC_WINDOW / 4];
}

static void ioapic_write(struct ioapic *io, uint32_t reg, uint32_t v)
{
	io->regs[IOAPIC_REGSEL / 4] = reg;
	io->regs[IOAPIC_WINDOW / 4] = v;
}

/* Remaps the 8259s off the exception vectors (to 0x20/0x28), then masks every line. */
static void pic_disable(void)
{
	static const uint8_t init[][2] = {
		{ PIC1_CMD, 0x11 },  { PIC2_CMD, 0x11 },  /* ICW1: initialise, ICW4 follows */
		{ PIC1_DATA, 0x20 }, { PIC2_DATA, 0x28 }, /* ICW2: vector bases */
		{ PIC1_DATA, 0x04 }, { PIC2_DATA, 0x02 }, /* ICW3: slave on IRQ2 */
		{ PIC1_DATA, 0x01 }, { PIC2_DATA, 0x01 }, /* ICW4: 8086 mode */
		{ PIC1_DATA, 0xff }, { PIC2_DATA, 0xff }, /* OCW1: mask all */
	};

	for (unsigned i = 0; i < sizeof(init) / sizeof(init[0]); i++) {
		outb(init[i][0], init[i][1]);
		outb(0x80, 0); /* a short I/O delay for old PICs */
	}
}

static struct ioapic *ioapic_for(uint32_t gsi, unsigned *pin)
{
	for (unsigned i = 0; i < ioapic_count; i++) {
		struct ioapic *io = &ioapics[i];
		if (gsi >= io->gsi_base && gsi - io->gsi_base < io->pins) {
			*pin = gsi - io->gsi_base;
			return io;
		}
	}
	return NULL;
}

static bool ioapic_overlaps(uint32_t base, unsigned pins)
{
	for (unsigned i = 0; i < ioapic_count; i++)
		if (base < ioapics[i].gsi_base + ioapics[i].pins &&
		    ioapics[i].gsi_base < base + pins)
			return true;
	return false;
}

unsigned ioapic_init(const struct acpi_info *acpi)
{
	ioapic_acpi = acpi;
	pic_disable();

	for (unsigned i = 0; i < acpi->ioapic_count; i++) {
		const struct acpi_ioapic *a = &acpi->ioapics[i];
		struct ioapic *io = &ioapics[ioapic_count];

		io->regs = kwindow_map_phys(a->addr, PAGE_SIZE, MAP_WRITE | MAP_UC);
		if (!io->regs) {
			pr_err("ioapic: cannot map IOAPIC %u at %#x\n", a->id, a->addr);
			continue;
		}
		uint32_t ver = ioapic_read(io, IOAPIC_REG_VER);
		unsigned pins = ((ver >> 16) & 0xff) + 1;
		if (ver == 0xffffffffu || a->gsi_base > UINT32_MAX - pins ||
		    ioapic_overlaps(a->gsi_base, pins)) {
			pr_warn("ioapic: IOAPIC %u at %#x (version %#x, GSI %u) is unusable, "
			        "skipped\n",
			        a->id, a->addr, ver, a->gsi_base);
			kwindow_unmap_phys((void *)io->regs, PAGE_SIZE);
			io->regs = NULL;
			continue;
		}
		io->id = a->id;
		io->gsi_base = a->gsi_base;
		io->pins = pins;
		io->lock = (spinlock_t)SPINLOCK_INIT;
		for (unsigned pin = 0; pin < pins; pin++) {
			ioapic_write(io, IOAPIC_REG_REDIR + 2 * pin, REDIR_MASKED);
			ioapic_write(io, IOAPIC_REG_REDIR + 2 * pin + 1, 0);
		}
		ioapic_count++;
		pr_info("ioapic: IOAPIC %u at %#x: GSI %u-%u\n", io->id, a->addr, io->gsi_base,
		        io->gsi_base + pins - 1);
	}
	return ioapic_count;
}

int ioapic_route_gsi(uint32_t gsi, uint8_t vector, uint32_t dest, bool level, bool active_low)
{
	unsigned pin;
	struct ioapic *io = ioapic_for(gsi, &pin);

	if (!io)
		return -ENOENT;
	if (vector < 32 || dest > 0xff)
		return -EINVAL;
	uint32_t low = vector | (level ? REDIR_LEVEL : 0) | (active_low ? REDIR_ACTIVE_LOW : 0);
	bool irq = spin_lock_irqsave(&io->lock);
	ioapic_write(io, IOAPIC_REG_REDIR + 2 * pin, REDIR_MASKED);
	ioapic_write(io, IOAPIC_REG_REDIR + 2 * pin + 1, dest << 24);
	ioapic_write(io, IOAPIC_REG_REDIR + 2 * pin, low);
	spin_unlock_irqrestore(&io->lock, irq);
	return 0;
}

int ioapic_isa_gsi(uint8_t isa_irq, bool *level, bool *active_low)
{
	uint32_t gsi = isa_irq;
	*level = *active_low = false;
	if (isa_irq > 15)
		return -EINVAL;
	for (unsigned i = 0; i < ioapic_acpi->override_count; i++) {
		const struct acpi_override *o = &ioapic_acpi->overrides[i];
		if (o->source == isa_irq) {
			gsi = o->gsi;
			*level = o->level;
			*active_low = o->active_low;
		}
	}
	return (int)gsi;
}

int ioapic_route_isa(uint8_t isa_irq, uint8_t vector, uint32_t dest)
{
	bool level, active_low;
	int gsi = ioapic_isa_gsi(isa_irq, &level, &active_low);
	if (gsi < 0)
		return gsi;
	int err = ioapic_route_gsi((uint32_t)gsi, vector, dest, level, active_low);
	return err ? err : gsi;
}

static int ioapic_set_mask(uint32_t gsi, bool masked)
{
	unsigned pin;
	struct ioapic *io = ioapic_for(gsi, &pin);

	if (!io)
		return -ENOENT;
	bool irq = spin_lock_irqsave(&io->lock);
	uint32_t low = ioapic_read(io, IOAPIC_REG_REDIR + 2 * pin);
	low = masked ? low | REDIR_MASKED : low & ~REDIR_MASKED;
	ioapic_write(io, IOAPIC_REG_REDIR + 2 * pin, low);
	spin_unlock_irqrestore(&io->lock, irq);
	return 0;
}

int ioapic_mask(uint32_t gsi)
{
	return ioapic_set_mask(gsi, true);
}

int ioapic_unmask(uint32_t gsi)
{
	return ioapic_set_mask(gsi, false);
}

uint32_t ioapic_gsi_count(void)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < ioapic_count; i++)
		n += ioapics[i].pins;
	return n;
}
