#include <acpi/acpi.h>
#include <console/log.h>
#include <iris/abi/errno.h>
#include <mm/kwindow.h>
#include <x86_64/hpet.h>
#include <x86_64/paging.h>

#define HPET_REG_CAP     0x000
#define HPET_REG_CONFIG  0x010
#define HPET_REG_COUNTER 0x0f0
#define HPET_MMIO_SIZE   0x400

#define HPET_CAP_COUNT_64 (1ull << 13)
#define HPET_CFG_ENABLE   (1ull << 0)
#define HPET_CFG_LEGACY   (1ull << 1)

#define HPET_MAX_PERIOD_FS 100000000ull /* 100 ns */
#define FS_PER_NS          1000000ull

static volatile uint8_t *hpet_regs;
static bool hpet_wide;       /* 64-bit main counter */
static uint64_t hpet_period; /* femtoseconds per tick */
static uint64_t hpet_mult;   /* ns = ticks * hpet_mult >> 32 */
static uint64_t hpet_last;   /* last extended value of a 32-bit counter */

static uint64_t hpet_rd64(unsigned reg)
{
	return *(volatile uint64_t *)(hpet_regs + reg);
}

static void hpet_wr64(unsigned reg, uint64_t v)
{
	*(volatile uint64_t *)(hpet_regs + reg) = v;
}

int hpet_init(const struct acpi_info *acpi)
{
	if (!acpi->has_hpet)
		return -ENODEV;
	volatile uint8_t *regs =
	        kwindow_map_phys(acpi->hpet_addr, HPET_MMIO_SIZE, MAP_WRITE | MAP_UC);
	if (!regs)
		return -ENOMEM;
	hpet_regs = regs;

	uint64_t cap = hpet_rd64(HPET_REG_CAP);
	uint64_t period = cap >> 32;
	if (period == 0 || period > HPET_MAX_PERIOD_FS) {
		pr_warn("hpet: at %#llx reports a period of %llu fs, not using it\n",
		        (unsigned long long)acpi->hpet_addr, (unsigned long long)period);
		hpet_regs = NULL;
		kwindow_unmap_phys((void *)regs, HPET_MMIO_SIZE);
		return -EINVAL;
	}
	hpet_wide = cap & HPET_CAP_COUNT_64;
	hpet_period = period;
	hpet_mult = (period << 32) / FS_PER_NS;

	uint64_t cfg = hpet_rd64(HPET_REG_CONFIG) & ~HPET_CFG_LEGACY;
	hpet_wr64(HPET_REG_CONFIG, cfg | HPET_CFG_ENABLE);
	return 0;
}

bool hpet_available(void)
{
	return hpet_regs != NULL;
}

uint64_t hpet_frequency(void)
{
	return hpet_regs ? 1000000000000000ull / hpet_period : 0;
}

/* Extends a 32-bit counter: a read that lags behind another CPU's never goes back. */
static uint64_t hpet_ticks32(void)
{
	uint64_t last = __atomic_load_n(&hpet_last, __ATOMIC_ACQUIRE);
	for (;;) {
		uint32_t now = *(volatile uint32_t *)(hpet_regs + HPET_REG_COUNTER);
		uint32_t delta = now - (uint32_t)last;
		if (delta >= 0x80000000u)
			return last; /* behind a newer value another CPU stored */
		uint64_t next = last + delta;
		if (__atomic_compare_exchange_n(&hpet_last, &last, next, false, __ATOMIC_ACQ_REL,
		                                __ATOMIC_ACQUIRE))
			return next;
	}
}

uint64_t hpet_read_ns(void)
{
	if (!hpet_regs)
		return 0;
	uint64_t ticks = hpet_wide ? hpet_rd64(HPET_REG_COUNTER) : hpet_ticks32();
	return (uint64_t)(((unsigned __int128)ticks * hpet_mult) >> 32);
}
