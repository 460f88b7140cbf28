/*
 * Powering off and resetting the machine (SYS_POWER): ACPI S5 through the
 * FADT's PM1 control ports and the DSDT's \_S5 values; the FADT reset
 * register, the i8042 and a triple fault to reset.
 * (power_off and power_reboot are declared in arch/platform.h.)
 */
#pragma once

#include <arch/platform.h>

/* Reads the FADT and DSDT; call once ACPI is parsed. Logs what it found. */
void power_init(void);
