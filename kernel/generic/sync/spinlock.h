/*
 * Ticket-free test-and-test-and-set spinlocks. spin_lock_irqsave() disables
 * interrupts on this CPU for as long as the lock is held, so a lock can be
 * shared with interrupt handlers without deadlocking against itself.
 */
#pragma once

#include <arch/cpu.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct spinlock {
	volatile uint32_t locked;
} spinlock_t;

#define SPINLOCK_INIT \
	{             \
		0     \
	}

static inline void spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			cpu_relax();
	}
}

static inline bool spin_trylock(spinlock_t *l)
{
	return __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0;
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* Takes the lock with interrupts off; returns the interrupt state to restore. */
static inline bool spin_lock_irqsave(spinlock_t *l)
{
	bool irq = cpu_irq_save();
	spin_lock(l);
	return irq;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, bool irq)
{
	spin_unlock(l);
	cpu_irq_restore(irq);
}
