/*
 * arch/irq.h on x86_64: vectors are IDT entries, lines are IOAPIC pins
 * (GSIs) delivered to the boot CPU's local APIC, messages are writes to the
 * LAPIC's MSI address window, and the tick is the LAPIC timer's.
 */
#include <arch/irq.h>
#include <arch/percpu.h>
#include <stddef.h>
#include <x86_64/idt.h>
#include <x86_64/ioapic.h>
#include <x86_64/lapic.h>

/*
 * The MSI address format (Intel SDM vol. 3, "Message Address Register
 * Format"): a fixed 0xfee prefix, the destination APIC id in bits 19:12,
 * physical destination mode (bit 2 clear) and no redirection hint (bit 3
 * clear). The data is the vector, with fixed delivery and edge trigger
 * (bits 10:8 and 15 clear).
 */
#define MSI_ADDR_BASE       0xfee00000u
#define MSI_ADDR_DEST_SHIFT 12

/* Device interrupts go to the boot CPU. */
static uint32_t irq_dest(void)
{
	return cpus[0].apic_id;
}

uint8_t irq_vector_alloc(irq_handler_t handler)
{
	return idt_alloc_vector(handler);
}

void irq_vector_free(uint8_t vector)
{
	idt_set_handler(vector, NULL);
}

void irq_eoi(void)
{
	lapic_eoi();
}

int irq_line_route(uint32_t gsi, uint8_t vector, bool level, bool active_low)
{
	return ioapic_route_gsi(gsi, vector, irq_dest(), level, active_low);
}

int irq_line_mask(uint32_t gsi)
{
	return ioapic_mask(gsi);
}

int irq_line_unmask(uint32_t gsi)
{
	return ioapic_unmask(gsi);
}

uint32_t irq_line_count(void)
{
	return ioapic_gsi_count();
}

int irq_isa_line(uint8_t isa_irq, bool *level, bool *active_low)
{
	return ioapic_isa_gsi(isa_irq, level, active_low);
}

void irq_msi_message(uint8_t vector, uint64_t *addr, uint32_t *data)
{
	*addr = MSI_ADDR_BASE | (irq_dest() << MSI_ADDR_DEST_SHIFT);
	*data = vector;
}

void irq_timer_set_hook(void (*fn)(void))
{
	lapic_timer_set_hook(fn);
}
