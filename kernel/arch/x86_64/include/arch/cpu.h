/*
 * The CPU as generic code sees it: the interrupt flag, spin and idle hints,
 * the I/O port space (legacy PCI configuration, IRQ programs and drivers'
 * port BARs), the per-process I/O port permissions, and the register frame
 * a trap or system call saved.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define RFLAGS_IF (1ull << 9)

/* What the entry stubs push: the full register file at the time of the trap. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Returns the short name of an exception vector ("#PF"), or "IRQ" for >= 32. */
const char *trap_vector_name(uint64_t vector);

/* Port I/O: 8, 16 and 32 bits. */
static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t read_rflags(void)
{
	uint64_t v;
	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

/* Interrupts on this CPU: on, off, and off with the previous state kept. */
static inline void cpu_irq_enable(void)
{
	__asm__ volatile("sti" : : : "memory");
}

static inline void cpu_irq_disable(void)
{
	__asm__ volatile("cli" : : : "memory");
}

/* Disables interrupts and returns whether they were enabled before. */
static inline bool cpu_irq_save(void)
{
	bool was = (read_rflags() & RFLAGS_IF) != 0;
	cpu_irq_disable();
	return was;
}

static inline void cpu_irq_restore(bool was_enabled)
{
	if (was_enabled)
		cpu_irq_enable();
}

/* A spin-wait hint. */
static inline void cpu_relax(void)
{
	__asm__ volatile("pause" : : : "memory");
}

/* Waits for the next interrupt (which may already be pending). */
static inline void cpu_halt(void)
{
	__asm__ volatile("hlt" : : : "memory");
}

/*
 * With interrupts off: enables them and waits for the next one, so that an
 * interrupt arriving between the two cannot be missed (x86: sti; hlt).
 */
static inline void cpu_idle_wait(void)
{
	__asm__ volatile("sti; hlt" : : : "memory");
}

/* Stops this CPU for good: interrupts off, then hlt forever. */
__attribute__((noreturn)) static inline void cpu_stop(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" : : : "memory");
}

/*
 * I/O port permissions of a user process (x86: the TSS's permission bitmap).
 * A process starts with none (a NULL pointer); see arch/x86_64/ioperm.h.
 */
struct ioperm;

/* Returns a bitmap denying every port, or NULL if out of memory. */
struct ioperm *ioperm_create(void);
void ioperm_destroy(struct ioperm *io);

/* Allows (or denies again) ports [first, first + count). */
void ioperm_set(struct ioperm *io, uint32_t first, uint32_t count, bool allow);

/* Makes `io` (NULL: no ports) the calling CPU's bitmap if it is not already, at its latest gen. */
void ioperm_load(struct ioperm *io);
