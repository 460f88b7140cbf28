/*
 * The IOAPICs the MADT lists, which deliver device interrupts (GSIs) to
 * local APICs. The legacy 8259 PICs are switched off for good.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct acpi_info;

/*
 * BSP only, once: remaps and masks the 8259 PICs, maps every IOAPIC in `acpi`
 * (kept, for its ISA overrides) and masks all their pins. Returns the number
 * of IOAPICs in use.
 */
unsigned ioapic_init(const struct acpi_info *acpi);

/*
 * Routes `gsi` to `vector` on the CPU with APIC id `dest` (physical
 * destination, fixed delivery) and unmasks it: install the vector's handler
 * first. Returns 0, -ENOENT if no IOAPIC serves the GSI, -EINVAL if the
 * vector is below 32 or `dest` does not fit the 8-bit destination field.
 */
int ioapic_route_gsi(uint32_t gsi, uint8_t vector, uint32_t dest, bool level, bool active_low);

/*
 * Routes ISA IRQ `isa_irq` (0-15) like ioapic_route_gsi(), following the
 * MADT's interrupt source overrides for its GSI, polarity and trigger (ISA
 * default: same number, active high, edge). Returns the GSI used, or a
 * negative errno.
 */
int ioapic_route_isa(uint8_t isa_irq, uint8_t vector, uint32_t dest);

/* The GSI, trigger and polarity of ISA IRQ `isa_irq` (0-15) after the MADT's overrides. */
int ioapic_isa_gsi(uint8_t isa_irq, bool *level, bool *active_low);

/* Mask or unmask one GSI; 0 or -ENOENT. */
int ioapic_mask(uint32_t gsi);
int ioapic_unmask(uint32_t gsi);

/* The number of GSIs the IOAPICs in use serve together. */
uint32_t ioapic_gsi_count(void);
