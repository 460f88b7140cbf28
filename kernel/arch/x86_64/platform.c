#include <acpi/acpi.h>
#include <console/log.h>
#include <debug/panic.h>
#include <iris/abi/errno.h>
#include <time.h>
#include <x86_64/cpu.h>
#include <x86_64/hpet.h>
#include <x86_64/ioapic.h>
#include <x86_64/lapic.h>
#include <x86_64/percpu.h>
#include <x86_64/pit.h>
#include <x86_64/platform.h>
#include <x86_64/smp.h>

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
