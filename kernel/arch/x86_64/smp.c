#include <acpi/acpi.h>
#include <arch/percpu.h>
#include <common/string.h>
#include <console/log.h>
#include <debug/panic.h>
#include <mm/frame.h>
#include <mm/kwindow.h>
#include <mm/layout.h>
#include <sched/sched.h>
#include <stddef.h>
#include <sync/spinlock.h>
#include <time.h>
#include <x86_64/cpu.h>
#include <x86_64/gdt.h>
#include <x86_64/idt.h>
#include <x86_64/lapic.h>
#include <x86_64/paging.h>
#include <x86_64/pit.h>
#include <x86_64/smp.h>
#include <x86_64/usermode.h>

#define AP_STACK_PAGES 4 /* 16 KiB */
#define INIT_DELAY_NS  10000000ull
#define SIPI_DELAY_NS  200000ull
#define AP_TIMEOUT_NS  1000000000ull

/* The parameter block at ap_boot_params in the copied trampoline. */
struct ap_boot_params {
	uint64_t cr3;
	uint64_t stack_top;
	uint64_t entry;
	uint64_t cpu;
};

static_assert(offsetof(struct ap_boot_params, cr3) == AP_PARAM_CR3, "ap_boot.S layout");
static_assert(offsetof(struct ap_boot_params, stack_top) == AP_PARAM_STACK, "ap_boot.S layout");
static_assert(offsetof(struct ap_boot_params, entry) == AP_PARAM_ENTRY, "ap_boot.S layout");
static_assert(offsetof(struct ap_boot_params, cpu) == AP_PARAM_CPU, "ap_boot.S layout");
static_assert(sizeof(struct ap_boot_params) == AP_PARAM_SIZE, "ap_boot.S layout");
/* Cross-call targets are a bit mask indexed by cpu id. */
static_assert(MAX_CPUS <= 64, "smp_call_all needs a wider target mask");

extern const uint8_t ap_boot_start[], ap_boot_end[], ap_boot_params[];

static unsigned ap_timer_hz;

/* The one cross-call in flight; `lock` is held by its caller until all targets are done. */
static struct {
	spinlock_t lock;
	void (*fn)(void *);
	void *arg;
	uint64_t targets; /* CPUs that have yet to pick the call up */
	unsigned pending; /* CPUs that have yet to finish it */
} call = { .lock = SPINLOCK_INIT };

/* Runs the call in flight if it targets this CPU and it has not run it yet. */
static void smp_call_serve(void)
{
	uint64_t bit = 1ull << cpu_current()->id;

	if (!(__atomic_fetch_and(&call.targets, ~bit, __ATOMIC_ACQ_REL) & bit))
		return;
	void (*fn)(void *) = call.fn;
	void *arg = call.arg;
	fn(arg);
	__atomic_fetch_sub(&call.pending, 1, __ATOMIC_RELEASE);
}

static void smp_call_irq(struct trap_frame *tf)
{
	(void)tf;
	smp_call_serve();
	lapic_eoi();
}

static void smp_resched_irq(struct trap_frame *tf)
{
	(void)tf;
	cpu_current()->need_resched = true;
	lapic_eoi();
}

void smp_resched(struct cpu *c)
{
	lapic_send_ipi(c->apic_id, VEC_IPI_RESCHED);
}

void smp_call_all(void (*fn)(void *), void *arg)
{
	struct cpu *self = cpu_current();
	bool irq;

	/* While another CPU's call holds the lock, serve it: it may be waiting for us. */
	while (!spin_trylock(&call.lock)) {
		irq = cpu_irq_save();
		smp_call_serve();
		cpu_irq_restore(irq);
		cpu_relax();
	}
	uint64_t targets = 0;
	unsigned n = 0;
	for (unsigned i = 0; i < cpu_count; i++) {
		if (&cpus[i] != self && __atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE)) {
			targets |= 1ull << i;
			n++;
		}
	}
	call.fn = fn;
	call.arg = arg;
	__atomic_store_n(&call.pending, n, __ATOMIC_RELAXED);
	__atomic_store_n(&call.targets, targets, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < cpu_count; i++)
		if (targets & (1ull << i))
			lapic_send_ipi(cpus[i].apic_id, VEC_IPI_CALL);

	irq = cpu_irq_save();
	fn(arg);
	cpu_irq_restore(irq);
	while (__atomic_load_n(&call.pending, __ATOMIC_ACQUIRE))
		cpu_relax();
	spin_unlock(&call.lock);
}

unsigned smp_online_count(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < cpu_count; i++)
		n += __atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE);
	return n;
}

static bool stopping;

bool smp_stop_others(void)
{
	__atomic_store_n(&stopping, true, __ATOMIC_RELEASE);
	lapic_send_nmi_all_others();
	struct cpu *me = cpu_current();
	for (int waited_us = 0; waited_us < 100000; waited_us += 100) {
		bool all = true;
		for (unsigned i = 0; i < cpu_count; i++) {
			struct cpu *c = &cpus[i];
			if (c != me && __atomic_load_n(&c->online, __ATOMIC_ACQUIRE) &&
			    !__atomic_load_n(&c->stopped, __ATOMIC_ACQUIRE))
				all = false;
		}
		if (all)
			return true;
		pit_delay_us(100);
	}
	return false;
}

void smp_park(void)
{
	__atomic_store_n(&cpu_current()->stopped, true, __ATOMIC_RELEASE);
	cpu_stop();
}

bool smp_stopping(void)
{
	return __atomic_load_n(&stopping, __ATOMIC_ACQUIRE);
}

/* Where ap_boot.S lands: this CPU's own setup, then the scheduler's idle loop. */
static __attribute__((noreturn)) void smp_ap_main(struct cpu *c)
{
	gdt_init_cpu(c);
	percpu_install(c);
	idt_load();
	paging_init_cpu();
	lapic_init_cpu();
	usermode_init_cpu();
	sched_init_cpu();
	lapic_timer_start(ap_timer_hz);
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	sched_run_idle();
}

/*
 * Starts one AP through the trampoline at physical `page` and waits for it.
 * Returns whether it came online. One that does not is sent INIT again, which
 * parks it in wait-for-SIPI so it cannot wake later on a reused stack.
 */
static bool smp_boot_ap(struct cpu *c, paddr_t page, struct ap_boot_params *params)
{
	void *stack = kwindow_alloc(AP_STACK_PAGES);

	if (!stack) {
		pr_err("smp: no memory for the stack of CPU %u\n", c->id);
		return false;
	}
	c->kstack_top = (uintptr_t)stack + AP_STACK_PAGES * PAGE_SIZE;
	params->stack_top = c->kstack_top;
	params->cpu = (uintptr_t)c;

	lapic_send_init(c->apic_id);
	time_delay_ns(INIT_DELAY_NS);
	for (int i = 0; i < 2; i++) {
		lapic_send_startup(c->apic_id, (uint8_t)(page >> PAGE_SHIFT));
		time_delay_ns(SIPI_DELAY_NS);
	}
	uint64_t start = time_ns();
	while (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE)) {
		if (time_ns() - start > AP_TIMEOUT_NS) {
			lapic_send_init(c->apic_id);
			pr_warn("smp: CPU %u (APIC id %u) did not start within 1 s, left offline\n",
			        c->id, c->apic_id);
			kwindow_free(stack, AP_STACK_PAGES);
			c->kstack_top = 0;
			return false;
		}
		cpu_relax();
	}
	return true;
}

/* Adds the MADT's enabled CPUs other than the BSP to cpus[]. */
static void smp_enumerate(const struct acpi_info *acpi, uint32_t bsp_id)
{
	bool bsp_listed = false;

	for (unsigned i = 0; i < acpi->cpu_count; i++) {
		const struct acpi_cpu *a = &acpi->cpus[i];
		if (a->apic_id == bsp_id) {
			bsp_listed = true;
			continue;
		}
		if (!a->enabled)
			continue;
		if (!lapic_is_x2apic() && a->apic_id > 0xfe) {
			pr_warn("smp: CPU with APIC id %u needs x2APIC, left off\n", a->apic_id);
			continue;
		}
		if (cpu_count == MAX_CPUS) {
			pr_warn("smp: more than %u CPUs, the rest stay off\n", MAX_CPUS);
			break;
		}
		struct cpu *c = &cpus[cpu_count];
		c->self = c;
		c->id = cpu_count;
		c->apic_id = a->apic_id;
		c->online = false;
		c->lapic_ticks_per_ms = cpus[0].lapic_ticks_per_ms;
		cpu_count++;
	}
	if (!bsp_listed)
		pr_warn("smp: the boot CPU (APIC id %u) is not in the MADT\n", bsp_id);
}

void smp_start(const struct acpi_info *acpi, unsigned timer_hz)
{
	cpus[0].apic_id = lapic_id();
	__atomic_store_n(&cpus[0].online, true, __ATOMIC_RELEASE);
	cpu_count = 1;
	ap_timer_hz = timer_hz;
	idt_set_handler(VEC_IPI_CALL, smp_call_irq);
	idt_set_handler(VEC_IPI_RESCHED, smp_resched_irq);

	smp_enumerate(acpi, cpus[0].apic_id);
	if (cpu_count == 1)
		return;

	size_t size = (size_t)(ap_boot_end - ap_boot_start);
	assert(size <= PAGE_SIZE);
	assert(kernel_space.pml4 < (1ull << 32)); /* the trampoline loads CR3 in 32-bit mode */
	paddr_t page = frame_alloc_contig(1, 1, FRAME_LOW1M);
	if (!page) {
		pr_err("smp: no free page below 1 MiB for the AP trampoline: only the boot CPU "
		       "runs\n");
		return;
	}
	/* The AP turns paging on while it runs from the page, so it must be identity mapped. */
	int err = paging_map(&kernel_space, page, page, MAP_WRITE | MAP_EXEC);
	if (err) {
		pr_err("smp: cannot identity-map the AP trampoline (%d): only the boot CPU runs\n",
		       err);
		frame_free(page);
		return;
	}
	uint8_t *tramp = phys_to_virt(page);
	memcpy(tramp, ap_boot_start, size);
	struct ap_boot_params *params = (void *)(tramp + (ap_boot_params - ap_boot_start));
	params->cr3 = kernel_space.pml4;
	params->entry = (uintptr_t)smp_ap_main;

	for (unsigned i = 1; i < cpu_count; i++)
		smp_boot_ap(&cpus[i], page, params);

	paging_unmap(&kernel_space, page);
	paging_flush(page);
	frame_free(page);
}
