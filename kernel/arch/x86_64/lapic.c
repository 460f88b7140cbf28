#include <acpi/acpi.h>
#include <arch/percpu.h>
#include <console/log.h>
#include <iris/abi/errno.h>
#include <mm/kwindow.h>
#include <x86_64/cpu.h>
#include <x86_64/idt.h>
#include <x86_64/lapic.h>
#include <x86_64/paging.h>
#include <x86_64/platform.h>

/* Register offsets in the xAPIC MMIO page; x2APIC MSR = 0x800 + offset / 16. */
#define LAPIC_ID         0x020
#define LAPIC_VERSION    0x030
#define LAPIC_TPR        0x080
#define LAPIC_EOI        0x0b0
#define LAPIC_SVR        0x0f0
#define LAPIC_ESR        0x280
#define LAPIC_ICR_LO     0x300
#define LAPIC_ICR_HI     0x310
#define LAPIC_LVT_TIMER  0x320
#define LAPIC_LVT_THERM  0x330
#define LAPIC_LVT_PERF   0x340
#define LAPIC_LVT_LINT0  0x350
#define LAPIC_LVT_LINT1  0x360
#define LAPIC_LVT_ERROR  0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3e0

#define X2APIC_MSR_BASE 0x800
#define X2APIC_MSR_ICR  0x830

#define APIC_BASE_EXTD   (1ull << 10)
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_ADDR   0x000ffffffffff000ull

#define SVR_ENABLE       (1u << 8)
#define LVT_MASKED       (1u << 16)
#define LVT_PERIODIC     (1u << 17)
#define LVT_LEVEL        (1u << 15)
#define LVT_ACTIVE_LOW   (1u << 13)
#define LVT_DM_NMI       (4u << 8)
#define ICR_PENDING      (1u << 12)
#define ICR_ASSERT       (1u << 14)
#define ICR_DM_NMI       (4u << 8)
#define ICR_DM_INIT      (5u << 8)
#define ICR_DM_STARTUP   (6u << 8)
#define ICR_ALL_BUT_SELF (3u << 18)

#define TIMER_DIV_16        0x3
#define CALIBRATE_WINDOW_NS 50000000ull

#define CPUID1_EDX_APIC   (1u << 9)
#define CPUID1_ECX_X2APIC (1u << 21)

static volatile uint8_t *lapic_mmio;
static bool x2apic_mode;
static bool lapic_ready;
static const struct acpi_info *lapic_acpi;
static void (*timer_hook)(void);

static uint32_t lapic_read(unsigned reg)
{
	if (x2apic_mode)
		return (uint32_t)rdmsr(X2APIC_MSR_BASE + reg / 16);
	return *(volatile uint32_t *)(lapic_mmio + reg);
}

static void lapic_write(unsigned reg, uint32_t v)
{
	if (x2apic_mode)
		wrmsr(X2APIC_MSR_BASE + reg / 16, v);
	else
		*(volatile uint32_t *)(lapic_mmio + reg) = v;
}

/* Writes the interrupt command register and waits until the xAPIC has sent it. */
static void lapic_icr_send(uint32_t dest, uint32_t low)
{
	bool irq = cpu_irq_save();

	if (x2apic_mode) {
		/* wrmsr to the ICR does not order earlier stores: the target must see them. */
		__asm__ volatile("mfence" : : : "memory");
		wrmsr(X2APIC_MSR_ICR, (uint64_t)dest << 32 | low);
	} else {
		while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
			cpu_relax();
		lapic_write(LAPIC_ICR_HI, dest << 24);
		lapic_write(LAPIC_ICR_LO, low);
		while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
			cpu_relax();
	}
	cpu_irq_restore(irq);
}

static void lapic_timer_irq(struct trap_frame *tf)
{
	(void)tf;
	cpu_current()->ticks++;
	lapic_eoi();
	void (*hook)(void) = __atomic_load_n(&timer_hook, __ATOMIC_ACQUIRE);
	if (hook)
		hook();
}

/* Spurious interrupts must not be acknowledged. */
static void lapic_spurious_irq(struct trap_frame *tf)
{
	(void)tf;
}

int lapic_init(const struct acpi_info *acpi)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(d & CPUID1_EDX_APIC))
		return -ENODEV;
	lapic_acpi = acpi;

	uint64_t base = rdmsr(MSR_APIC_BASE);
	uint32_t max_id = 0;
	for (unsigned i = 0; i < acpi->cpu_count; i++)
		if (acpi->cpus[i].apic_id > max_id)
			max_id = acpi->cpus[i].apic_id;

	if (base & APIC_BASE_EXTD) {
		x2apic_mode = true; /* leaving x2APIC mode would need an APIC reset */
	} else if (max_id > 254 && (c & CPUID1_ECX_X2APIC)) {
		x2apic_mode = true;
	} else {
		paddr_t pa = base & APIC_BASE_ADDR;
		if (acpi->lapic_addr && acpi->lapic_addr != pa)
			pr_warn("lapic: MADT says %#llx, APIC_BASE says %#llx; using APIC_BASE\n",
			        (unsigned long long)acpi->lapic_addr, (unsigned long long)pa);
		lapic_mmio = kwindow_map_phys(pa, PAGE_SIZE, MAP_WRITE | MAP_UC);
		if (!lapic_mmio)
			return -ENOMEM;
		if (max_id > 254)
			pr_warn("lapic: APIC ids up to %u but no x2APIC: CPUs above 254 stay off\n",
			        max_id);
	}

	idt_set_handler(VEC_LAPIC_TIMER, lapic_timer_irq);
	idt_set_handler(VEC_SPURIOUS, lapic_spurious_irq);
	lapic_init_cpu();
	lapic_ready = true;
	return 0;
}

/* Wires LINT0/LINT1 to NMI where the MADT says so for this CPU (by ACPI UID). */
static void lapic_setup_nmis(void)
{
	uint32_t id = lapic_id();
	const struct acpi_cpu *me = NULL;

	for (unsigned i = 0; i < lapic_acpi->cpu_count; i++)
		if (lapic_acpi->cpus[i].apic_id == id)
			me = &lapic_acpi->cpus[i];
	for (unsigned i = 0; i < lapic_acpi->nmi_count; i++) {
		const struct acpi_lapic_nmi *n = &lapic_acpi->nmis[i];
		if (n->uid != ACPI_UID_ALL && (!me || n->uid != me->uid))
			continue;
		/* NMIs are always edge triggered; only the polarity is programmable. */
		lapic_write(n->lint ? LAPIC_LVT_LINT1 : LAPIC_LVT_LINT0,
		            LVT_DM_NMI | (n->active_low ? LVT_ACTIVE_LOW : 0));
	}
}

void lapic_init_cpu(void)
{
	/* Disabled -> x2APIC is not a legal transition: enable the xAPIC first. */
	uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;
	wrmsr(MSR_APIC_BASE, base);
	if (x2apic_mode && !(base & APIC_BASE_EXTD))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);

	unsigned max_lvt = (lapic_read(LAPIC_VERSION) >> 16) & 0xff;
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	if (max_lvt >= 4)
		lapic_write(LAPIC_LVT_PERF, LVT_MASKED);
	if (max_lvt >= 5)
		lapic_write(LAPIC_LVT_THERM, LVT_MASKED);
	lapic_setup_nmis();
	/* Clear stale errors (the register latches on write). */
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_SVR, VEC_SPURIOUS | SVR_ENABLE);
	lapic_eoi();
}

bool lapic_is_x2apic(void)
{
	return x2apic_mode;
}

uint32_t lapic_id(void)
{
	if (x2apic_mode)
		return lapic_read(LAPIC_ID);
	return lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	lapic_icr_send(apic_id, vector | ICR_ASSERT);
}

void lapic_send_init(uint32_t apic_id)
{
	lapic_icr_send(apic_id, ICR_DM_INIT | ICR_ASSERT);
}

void lapic_send_startup(uint32_t apic_id, uint8_t page)
{
	lapic_icr_send(apic_id, ICR_DM_STARTUP | ICR_ASSERT | page);
}

void lapic_send_nmi_all_others(void)
{
	if (lapic_ready)
		lapic_icr_send(0, ICR_DM_NMI | ICR_ASSERT | ICR_ALL_BUT_SELF);
}

/* Timer ticks elapsed since the one-shot count was loaded (it counts down). */
static uint64_t lapic_timer_elapsed(void)
{
	return 0xffffffffu - lapic_read(LAPIC_TIMER_CUR);
}

uint64_t lapic_timer_calibrate(void)
{
	uint64_t ns;

	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
	uint64_t ticks = platform_measure(lapic_timer_elapsed, CALIBRATE_WINDOW_NS, &ns);
	lapic_write(LAPIC_TIMER_INIT, 0);
	return ns ? ticks * 1000000 / ns : 0;
}

void lapic_timer_start(unsigned hz)
{
	uint64_t per_ms = cpu_current()->lapic_ticks_per_ms;
	if (per_ms == 0 || hz == 0)
		return; /* uncalibrated: better no timer than an interrupt storm */
	uint64_t count = per_ms * 1000 / hz;
	if (count == 0)
		count = 1;
	if (count > 0xffffffffu)
		count = 0xffffffffu;
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, VEC_LAPIC_TIMER | LVT_PERIODIC);
	lapic_write(LAPIC_TIMER_INIT, (uint32_t)count);
}

void lapic_timer_set_hook(void (*fn)(void))
{
	__atomic_store_n(&timer_hook, fn, __ATOMIC_RELEASE);
}

uint32_t lapic_timer_current(void)
{
	return lapic_read(LAPIC_TIMER_CUR);
}

uint32_t lapic_timer_initial(void)
{
	return lapic_read(LAPIC_TIMER_INIT);
}
