#include <iris/abi/syscall.h>
#include <sync/spinlock.h>
#include <x86_64/gdt.h>
#include <x86_64/idt.h>

struct __attribute__((packed)) idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t zero;
};

struct __attribute__((packed)) idt_ptr {
	uint16_t limit;
	uint64_t base;
};

/* Each stub in isr.S is 16 bytes long, in vector order. */
extern const char isr_stubs_start[];
#define ISR_STUB_SIZE 16

static struct idt_gate idt[256] __attribute__((aligned(16)));
irq_handler_t irq_handlers[256];
static spinlock_t vector_lock = SPINLOCK_INIT;

static void idt_set_gate(unsigned vector, uint8_t ist, uint8_t dpl)
{
	uint64_t addr = (uint64_t)(uintptr_t)(isr_stubs_start + vector * ISR_STUB_SIZE);
	struct idt_gate *g = &idt[vector];

	g->offset_low = addr & 0xffff;
	g->selector = GDT_KERNEL_CODE;
	g->ist = ist;
	g->type_attr = 0x8e | (uint8_t)(dpl << 5); /* present, 64-bit interrupt gate */
	g->offset_mid = (addr >> 16) & 0xffff;
	g->offset_high = (uint32_t)(addr >> 32);
	g->zero = 0;
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		idt_set_gate(v, 0, 0);
	idt_set_gate(2, IST_NMI, 0);
	idt_set_gate(8, IST_DOUBLE_FAULT, 0);
	idt_set_gate(18, IST_MACHINE_CHECK, 0);
	idt_set_gate(IRIS_INT_SYSCALL, 0, 3); /* the legacy system-call gate, open to ring 3 */
	idt_load();
}

void idt_load(void)
{
	struct idt_ptr ptr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(ptr));
}

void idt_set_handler(uint8_t vector, irq_handler_t handler)
{
	__atomic_store_n(&irq_handlers[vector], handler, __ATOMIC_RELEASE);
}

uint8_t idt_alloc_vector(irq_handler_t handler)
{
	bool irq = spin_lock_irqsave(&vector_lock);
	uint8_t found = 0;

	for (unsigned v = VEC_FIRST_DYNAMIC; v < VEC_LAPIC_TIMER; v++) {
		if (v != IRIS_INT_SYSCALL && !irq_handlers[v]) {
			irq_handlers[v] = handler;
			found = (uint8_t)v;
			break;
		}
	}
	spin_unlock_irqrestore(&vector_lock, irq);
	return found;
}
