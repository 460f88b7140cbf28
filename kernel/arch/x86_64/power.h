/*
 * Powering off and resetting the machine (SYS_POWER): ACPI S5 through the
 * FADT's PM1 control ports and the DSDT's \_S5 values; the FADT reset
 * register, the i8042 and a triple fault to reset.
 */
#pragma once

/* Reads the FADT and DSDT; call once ACPI is parsed. Logs what it found. */
void power_init(void);

/*
 * Stop every CPU, log that process `pid` asked, and turn the machine off;
 * falls back to QEMU's isa-debug-exit.
 */
__attribute__((noreturn)) void power_off(unsigned long pid);

/* Stop every CPU, log that process `pid` asked, and reset the machine. */
__attribute__((noreturn)) void power_reboot(unsigned long pid);
