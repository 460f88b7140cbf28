/*
 * The other CPUs, as generic code sees them: how many run, calls on all of
 * them, a nudge to reschedule, and stopping them for good.
 */
#pragma once

#include <stdbool.h>

struct cpu;

/* CPUs running kernel code, the BSP included. */
unsigned smp_online_count(void);

/*
 * Runs fn(arg) on every online CPU, the caller included, and returns when
 * all have finished. On the other CPUs it runs in an interrupt (interrupts
 * off), so it must be short and must not block. The other CPUs must be able
 * to take the interrupt (not spinning with interrupts off).
 */
void smp_call_all(void (*fn)(void *), void *arg);

/*
 * Interrupts CPU `c` (online, not the caller) so that it sets its
 * need_resched and so reschedules on its way out of the interrupt.
 */
void smp_resched(struct cpu *c);

/*
 * Sends an NMI to every other CPU, which stops it for good (panic, power off),
 * and waits up to about 100 ms for them to park. Returns whether all did:
 * then nothing else runs, and nothing else writes to a device.
 */
bool smp_stop_others(void);
