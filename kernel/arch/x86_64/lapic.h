/*
 * The local APIC of each CPU: interrupt acknowledge, inter-processor
 * interrupts and the per-CPU timer. Every CPU runs its APIC in the same mode,
 * chosen once by lapic_init(): xAPIC through MMIO, or x2APIC through MSRs
 * when the firmware already switched to it or an APIC id needs 32 bits.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct acpi_info;

/*
 * BSP only, once: picks the APIC mode, maps the xAPIC registers, registers
 * the timer and spurious vectors and sets up the calling CPU's APIC (as
 * lapic_init_cpu()). `acpi` (kept) supplies the APIC ids and LINT NMI wiring.
 * Returns 0, -ENODEV without an APIC, -ENOMEM if it cannot be mapped.
 */
int lapic_init(const struct acpi_info *acpi);

/* Enables and sets up the calling CPU's APIC: everything masked, LINT NMIs per the MADT. */
void lapic_init_cpu(void);

bool lapic_is_x2apic(void);

/* The calling CPU's APIC id. */
uint32_t lapic_id(void);

/* Signals the end of the interrupt being handled (not for VEC_SPURIOUS). */
void lapic_eoi(void);

/* Sends a fixed interrupt on `vector` to the CPU with APIC id `apic_id`. */
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);

/* The two halves of the INIT-SIPI-SIPI start-up sequence; `page` = start address >> 12. */
void lapic_send_init(uint32_t apic_id);
void lapic_send_startup(uint32_t apic_id, uint8_t page);

/* Sends an NMI to every CPU but the caller; does nothing before lapic_init(). */
void lapic_send_nmi_all_others(void);

/*
 * Measures the calling CPU's timer against the platform reference clock
 * (HPET, else PIT) and returns its rate in timer ticks per millisecond, at
 * the divider lapic_timer_start() uses. Takes about 50 ms.
 */
uint64_t lapic_timer_calibrate(void);

/*
 * Starts the calling CPU's timer in periodic mode at `hz` interrupts per
 * second on VEC_LAPIC_TIMER, using cpu_current()->lapic_ticks_per_ms (does
 * nothing while that is 0).
 */
void lapic_timer_start(unsigned hz);

/*
 * Installs a function the timer interrupt calls on every CPU after counting
 * the tick in cpu_current()->ticks and sending the EOI (interrupts are off
 * while it runs). NULL removes it.
 */
void lapic_timer_set_hook(void (*fn)(void));

/* The calling CPU's timer registers: current count and the initial (reload) count. */
uint32_t lapic_timer_current(void);
uint32_t lapic_timer_initial(void);
