/*
 * The machine around the CPUs, as kernel_main() and the generic drivers of
 * the platform (dev/pci.c) see it: bring-up in two steps, firmware tables,
 * devices no bus enumerates, legacy PCI configuration access, the test exit,
 * and power.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct acpi_info;

/*
 * First thing on the BSP, with interrupts off and no memory allocator:
 * this CPU's descriptor tables and per-CPU data (cpu_current() works from
 * here on), exception entry, and the early console (the kernel log reaches
 * the serial port if there is one).
 */
void arch_early_init(void);

/*
 * On the BSP once the heap works (after paging_init() and heap_init()), with
 * interrupts off: firmware tables, interrupt controllers, clocks and timer
 * ticks, the other CPUs (each idling in the scheduler), power control, and
 * user-mode entry on this CPU. Panics if the machine cannot run Iris.
 */
void arch_late_init(void);

/*
 * Copies extra command-line words the hypervisor supplies (QEMU's fw_cfg
 * file opt/iris/cmdline) into buf[len], NUL-terminated; false if none, or
 * (with a warning) if they do not fit.
 */
bool platform_cmdline_extra(char *buf, size_t len);

/* The parsed ACPI tables (valid after arch_late_init()). */
const struct acpi_info *platform_acpi(void);

/* A device firmware does not enumerate: its name, ISA IRQ (0: none) and I/O port ranges. */
struct platform_device {
	const char *name;
	uint32_t isa_irq;
	unsigned port_count;
	struct {
		uint16_t base, size;
	} ports[2];
};

#define PLATFORM_DEVICES_MAX 4

/* Fills out[max] with the legacy devices that answer (COM1, the i8042); returns how many. */
unsigned platform_devices(struct platform_device *out, unsigned max);

/*
 * PCI configuration space of segment 0 without ECAM: 256 bytes per function
 * (x86: configuration mechanism #1, ports 0xcf8/0xcfc). `width` is 1, 2 or 4.
 */
uint32_t platform_pci_read(uint8_t bus, uint8_t dev, uint8_t fn, unsigned offset, unsigned width);
void platform_pci_write(uint8_t bus, uint8_t dev, uint8_t fn, unsigned offset, unsigned width,
                        uint32_t v);

/*
 * Leaving QEMU through its isa-debug-exit device (port 0xf4), which ends
 * QEMU with status (code << 1) | 1. Only armed when the kernel runs a test
 * (the `test=` option), so a real PC never sees these port writes.
 */
#define QEMU_EXIT_SUCCESS 0x10 /* QEMU status 33 */
#define QEMU_EXIT_FAILURE 0x11 /* QEMU status 35 */
#define QEMU_EXIT_PANIC   0x12 /* QEMU status 37 */

void qemu_exit_arm(void);

/* Ends QEMU with `code` if armed; returns if not (or if there is no such device). */
void qemu_exit(uint8_t code);

/*
 * Stop every CPU, log that process `pid` asked, and turn the machine off;
 * falls back to QEMU's isa-debug-exit.
 */
__attribute__((noreturn)) void power_off(unsigned long pid);

/* Stop every CPU, log that process `pid` asked, and reset the machine. */
__attribute__((noreturn)) void power_reboot(unsigned long pid);
