#include <acpi/acpi.h>
#include <common/string.h>
#include <console/log.h>
#include <mm/kwindow.h>
#include <mm/layout.h>
#include <x86_64/cpu.h>
#include <x86_64/paging.h>
#include <x86_64/platform.h>
#include <x86_64/power.h>
#include <x86_64/smp.h>

#define PM1_SLP_EN        (1u << 13)
#define PM1_SLP_TYP_SHIFT 10
#define DEBUG_EXIT_PORT   0xf4
#define I8042_COMMAND     0x64
#define I8042_PULSE_RESET 0xfe

static struct acpi_power power;

/* Maps a checked ACPI table at `phys`; returns it and its length, or NULL. */
static const void *table_map(uint64_t phys, const char *sig, uint32_t *len)
{
	const void *h = kwindow_map_phys(phys, ACPI_HEADER_LEN, 0);
	if (!h)
		return NULL;
	uint32_t n;
	/* The length field (offset 4): the table may sit at any byte address. */
	memcpy(&n, (const uint8_t *)h + 4, sizeof(n));
	kwindow_unmap_phys((void *)h, ACPI_HEADER_LEN);
	if (n < ACPI_HEADER_LEN || n > ACPI_MAX_TABLE_LEN)
		return NULL;
	const void *t = kwindow_map_phys(phys, n, 0);
	if (t && acpi_table_check(t, n, sig) == 0) {
		kwindow_unmap_phys((void *)t, n);
		return NULL;
	}
	*len = n;
	return t;
}

void power_init(void)
{
	const struct acpi_info *acpi = platform_acpi();
	uint32_t len;
	if (!acpi || !acpi->has_fadt)
		return;
	const void *fadt = table_map(acpi->fadt_phys, "FACP", &len);
	if (!fadt || acpi_parse_fadt_power(fadt, len, &power) < 0) {
		pr_warn("power: the FADT has no PM1 control block\n");
		return;
	}
	kwindow_unmap_phys((void *)fadt, len);
	const void *dsdt = power.dsdt_phys ? table_map(power.dsdt_phys, "DSDT", &len) : NULL;
	if (dsdt) {
		acpi_find_s5(dsdt, len, &power);
		kwindow_unmap_phys((void *)dsdt, len);
	}
	pr_info("power: S5 %s (PM1a %#x, SLP_TYP %u), reset register %s\n",
	        power.has_s5 && power.pm1a_cnt ? "through ACPI" : "unavailable", power.pm1a_cnt,
	        power.slp_typa, power.has_reset ? "present" : "absent");
}

/*
 * Parks the other CPUs before saying what happens: the message then cannot
 * be cut into by a driver still writing to the same UART on another CPU.
 * A CPU parked while holding the log lock would keep it for good.
 */
static void stop_others(const char *what, unsigned long pid)
{
	cpu_irq_disable();
	smp_stop_others();
	log_break_lock();
	log_reclaim(); /* what a console had not printed yet, then this line: on the port */
	pr_info("power: %s (asked by pid %lu)\n", what, pid);
}

void power_off(unsigned long pid)
{
	stop_others("turning the machine off", pid);
	if (power.has_s5 && power.pm1a_cnt) {
		outw(power.pm1a_cnt,
		     (uint16_t)((power.slp_typa << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN));
		if (power.pm1b_cnt)
			outw(power.pm1b_cnt,
			     (uint16_t)((power.slp_typb << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN));
		for (int i = 0; i < 1000000; i++)
			cpu_relax();
	}
	/* Still here: QEMU's isa-debug-exit, if the machine has one, ends the emulator. */
	outb(DEBUG_EXIT_PORT, 0x10);
	pr_err("power: could not turn the machine off; halted\n");
	cpu_stop();
}

void power_reboot(unsigned long pid)
{
	stop_others("resetting the machine", pid);
	if (power.has_reset) {
		if (power.reset_space == 1 && power.reset_addr <= 0xffff) {
			outb((uint16_t)power.reset_addr, power.reset_value);
		} else if (power.reset_space == 0) {
			volatile uint8_t *r =
			        kwindow_map_phys(power.reset_addr, 1, MAP_WRITE | MAP_UC);
			if (r)
				*r = power.reset_value;
		}
		for (int i = 0; i < 1000000; i++)
			cpu_relax();
	}
	outb(I8042_COMMAND, I8042_PULSE_RESET);
	for (int i = 0; i < 1000000; i++)
		cpu_relax();
	/* A triple fault: no IDT, then an exception. */
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} none = { 0, 0 };
	__asm__ volatile("lidt %0; int3" : : "m"(none));
	cpu_stop();
}
