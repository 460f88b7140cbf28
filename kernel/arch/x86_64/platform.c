#include <acpi/acpi.h>
#include <arch/percpu.h>
#include <console/log.h>
#include <debug/panic.h>
#include <iris/abi/errno.h>
#include <time.h>
#include <x86_64/cpu.h>
#include <x86_64/fwcfg.h>
#include <x86_64/gdt.h>
#include <x86_64/hpet.h>
#include <x86_64/idt.h>
#include <x86_64/ioapic.h>
#include <x86_64/lapic.h>
#include <x86_64/pit.h>
#include <x86_64/platform.h>
#include <x86_64/power.h>
#include <x86_64/serial.h>
#include <x86_64/smp.h>
#include <x86_64/usermode.h>

/* PCI configuration mechanism #1. */
#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA    0xcfc
#define PCI_CONFIG_ENABLE  (1u << 31)

/* The i8042 keyboard controller: its status port reads 0xff when nothing answers. */
#define I8042_DATA   0x60
#define I8042_STATUS 0x64
#define COM1_IRQ     4
#define I8042_IRQ    1

extern char bsp_stack_top[];

static struct acpi_info acpi;

const struct acpi_info *platform_acpi(void)
{
	return &acpi;
}

#define BRACKET_TRIES   8
#define BRACKET_GOOD_NS 20000

/*
 * Reads the counter between two HPET reads and returns it; *at_ns is the
 * midpoint of the HPET reads. Retries when the pair is far apart (the CPU was
 * interrupted or, in a VM, descheduled) and keeps the tightest pair.
 */
static uint64_t hpet_bracket(uint64_t (*read)(void), uint64_t *at_ns)
{
	uint64_t best_width = UINT64_MAX, best = 0;

	for (int i = 0; i < BRACKET_TRIES && best_width > BRACKET_GOOD_NS; i++) {
		uint64_t a = hpet_read_ns();
		uint64_t c = read();
		uint64_t b = hpet_read_ns();
		if (b - a < best_width) {
			best_width = b - a;
			best = c;
			*at_ns = a + (b - a) / 2;
		}
	}
	return best;
}

uint64_t platform_measure(uint64_t (*read)(void), uint64_t window_ns, uint64_t *elapsed_ns)
{
	bool irq = cpu_irq_save();
	uint64_t c0, c1;

	if (hpet_available()) {
		uint64_t t0, t1;
		c0 = hpet_bracket(read, &t0);
		while (hpet_read_ns() - t0 < window_ns)
			cpu_relax();
		c1 = hpet_bracket(read, &t1);
		*elapsed_ns = t1 - t0;
	} else {
		uint32_t us = (uint32_t)(window_ns / 1000);
		c0 = read();
		pit_delay_us(us);
		c1 = read();
		*elapsed_ns = (uint64_t)us * 1000;
	}
	cpu_irq_restore(irq);
	return c1 - c0;
}

static void platform_log_summary(void)
{
	unsigned enabled = 0;
	for (unsigned i = 0; i < acpi.cpu_count; i++)
		enabled += acpi.cpus[i].enabled;
	uint64_t tsc = time_counter_hz();

	pr_info("platform: %u CPUs in the MADT (%u enabled), %u online, %s mode\n", acpi.cpu_count,
	        enabled, smp_online_count(), lapic_is_x2apic() ? "x2APIC" : "xAPIC");
	pr_info("platform: %u IOAPICs (%u GSIs), %u ISA overrides, %u LAPIC NMIs\n",
	        acpi.ioapic_count, ioapic_gsi_count(), acpi.override_count, acpi.nmi_count);
	if (hpet_available())
		pr_info("platform: HPET at %#llx, %llu Hz\n", (unsigned long long)acpi.hpet_addr,
		        (unsigned long long)hpet_frequency());
	else
		pr_info("platform: no usable HPET, clocks calibrated against the PIT\n");
	pr_info("platform: %u MCFG segments, FADT %s\n", acpi.mcfg_count,
	        acpi.has_fadt ? "present" : "missing");
	for (unsigned i = 0; i < acpi.mcfg_count; i++)
		pr_info("platform:   ECAM segment %u buses %u-%u at %#llx\n", acpi.mcfg[i].segment,
		        acpi.mcfg[i].bus_start, acpi.mcfg[i].bus_end,
		        (unsigned long long)acpi.mcfg[i].base);
	pr_info("platform: TSC %llu.%03llu MHz, LAPIC timer %llu ticks/ms at %u Hz\n",
	        (unsigned long long)(tsc / 1000000), (unsigned long long)(tsc / 1000 % 1000),
	        (unsigned long long)cpus[0].lapic_ticks_per_ms, PLATFORM_TIMER_HZ);
}

static struct log_sink serial_sink = { .write = serial_write, .claimable = true };

void arch_early_init(void)
{
	cpus[0].id = 0;
	cpus[0].kstack_top = (uintptr_t)bsp_stack_top;
	gdt_init_cpu(&cpus[0]); /* reloading the segments clears the GS base */
	percpu_install(&cpus[0]);
	idt_init();
	if (serial_init())
		log_add_sink(&serial_sink);
}

void arch_late_init(void)
{
	platform_init();
	power_init();
	usermode_init_cpu();
}

bool platform_cmdline_extra(char *buf, size_t len)
{
	return fwcfg_read_cmdline(buf, len);
}

unsigned platform_devices(struct platform_device *out, unsigned max)
{
	unsigned n = 0;
	if (serial_present() && n < max)
		out[n++] = (struct platform_device){ .name = "com1",
			                             .isa_irq = COM1_IRQ,
			                             .port_count = 1,
			                             .ports = { { SERIAL_COM1_PORT, 8 } } };
	if (inb(I8042_STATUS) != 0xff && n < max)
		out[n++] = (struct platform_device){ .name = "i8042",
			                             .isa_irq = I8042_IRQ,
			                             .port_count = 2,
			                             .ports = { { I8042_DATA, 1 }, /* data */
			                                        { I8042_STATUS,
			                                          1 } /* status and command */ } };
	return n;
}

static uint32_t pci_config_address(uint8_t bus, uint8_t dev, uint8_t fn, unsigned offset)
{
	return PCI_CONFIG_ENABLE | ((uint32_t)bus << 16) | ((uint32_t)dev << 11) |
	       ((uint32_t)fn << 8) | (offset & 0xfc);
}

uint32_t platform_pci_read(uint8_t bus, uint8_t dev, uint8_t fn, unsigned offset, unsigned width)
{
	bool irq = cpu_irq_save();
	outl(PCI_CONFIG_ADDRESS, pci_config_address(bus, dev, fn, offset));
	uint32_t v;
	if (width == 4)
		v = inl(PCI_CONFIG_DATA);
	else if (width == 2)
		v = inw((uint16_t)(PCI_CONFIG_DATA + (offset & 2)));
	else
		v = inb((uint16_t)(PCI_CONFIG_DATA + (offset & 3)));
	cpu_irq_restore(irq);
	return v;
}

void platform_pci_write(uint8_t bus, uint8_t dev, uint8_t fn, unsigned offset, unsigned width,
                        uint32_t v)
{
	bool irq = cpu_irq_save();
	outl(PCI_CONFIG_ADDRESS, pci_config_address(bus, dev, fn, offset));
	if (width == 4)
		outl(PCI_CONFIG_DATA, v);
	else if (width == 2)
		outw((uint16_t)(PCI_CONFIG_DATA + (offset & 2)), (uint16_t)v);
	else
		outb((uint16_t)(PCI_CONFIG_DATA + (offset & 3)), (uint8_t)v);
	cpu_irq_restore(irq);
}

void platform_init(void)
{
	int err = acpi_load(&acpi);
	if (err == -ENOENT)
		panic("no ACPI tables found: Iris needs ACPI (RSDP not found: none from the boot "
		      "loader nor in BIOS memory)");
	if (err)
		panic("no ACPI tables found: Iris needs ACPI (RSDP invalid or its RSDT/XSDT "
		      "unreadable)");
	pr_info("acpi: revision %u, OEM \"%s\", %s with %u tables (%u skipped)\n", acpi.revision,
	        acpi.oem_id, acpi.use_xsdt ? "XSDT" : "RSDT", acpi.tables_seen,
	        acpi.tables_skipped);
	if (!acpi.has_madt)
		pr_err("acpi: no usable MADT: only the boot CPU runs, no IOAPIC interrupts\n");

	err = lapic_init(&acpi);
	if (err)
		panic("cannot use the local APIC (%d): Iris needs one for interrupts and timers",
		      err);
	ioapic_init(&acpi);

	err = hpet_init(&acpi);
	if (err && err != -ENODEV)
		pr_warn("hpet: unusable (%d)\n", err);

	time_init();
	cpus[0].lapic_ticks_per_ms = lapic_timer_calibrate();
	if (cpus[0].lapic_ticks_per_ms == 0)
		pr_err("lapic: timer calibration failed, the LAPIC timers stay off\n");
	lapic_timer_start(PLATFORM_TIMER_HZ);

	smp_start(&acpi, PLATFORM_TIMER_HZ);
	platform_log_summary();
}
