/*
 * time.h on x86_64: the TSC, calibrated once against the platform reference
 * clock. All CPUs share the BSP's calibration and base, which assumes their
 * TSCs run in step (true with an invariant TSC that firmware synchronised,
 * and under QEMU).
 */
#include <console/log.h>
#include <time.h>
#include <x86_64/cpu.h>
#include <x86_64/pit.h>
#include <x86_64/platform.h>

#define CALIBRATE_WINDOW_NS 50000000ull
#define NS_PER_SEC          1000000000ull

#define CPUID_80000007_EDX_INVARIANT_TSC (1u << 8)

static uint64_t tsc_hz;
static uint64_t tsc_base; /* TSC value at time_ns() == 0 */
static uint64_t tsc_mult; /* ns = ticks * tsc_mult >> 32 */
static bool tsc_ready;

/* rdtsc that does not run ahead of earlier loads (lfence orders it on Intel and AMD). */
static uint64_t tsc_read(void)
{
	__asm__ volatile("lfence" : : : "memory");
	return rdtsc();
}

static bool tsc_invariant(void)
{
	uint32_t a, b, c, d;

	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000007)
		return false;
	cpuid(0x80000007, 0, &a, &b, &c, &d);
	return d & CPUID_80000007_EDX_INVARIANT_TSC;
}

void time_init(void)
{
	uint64_t ns;
	uint64_t ticks = platform_measure(tsc_read, CALIBRATE_WINDOW_NS, &ns);

	/* ticks * 10^9 / ns without overflowing 64 bits for any sane window. */
	tsc_hz = ns ? ticks / ns * NS_PER_SEC + ticks % ns * NS_PER_SEC / ns : 0;
	if (tsc_hz < 1000000) {
		/* A TSC that slow (or stopped) cannot be a clock; nothing else can be either. */
		pr_err("tsc: measured %llu Hz, time_ns() stays at 0\n", (unsigned long long)tsc_hz);
		tsc_hz = 0;
		return;
	}
	tsc_mult = (NS_PER_SEC << 32) / tsc_hz;
	tsc_base = tsc_read();
	__atomic_store_n(&tsc_ready, true, __ATOMIC_RELEASE);
	pr_info("tsc: %llu.%03llu MHz, %s\n", (unsigned long long)(tsc_hz / 1000000),
	        (unsigned long long)(tsc_hz / 1000 % 1000),
	        tsc_invariant() ? "invariant" : "not invariant (may drift with power states)");
}

uint64_t time_counter_hz(void)
{
	return tsc_hz;
}

uint64_t time_ns(void)
{
	if (!__atomic_load_n(&tsc_ready, __ATOMIC_ACQUIRE))
		return 0;
	uint64_t now = tsc_read();
	/* A CPU whose TSC lags the BSP's by a hair must not wrap to the far future. */
	if (now < tsc_base)
		return 0;
	return (uint64_t)(((unsigned __int128)(now - tsc_base) * tsc_mult) >> 32);
}

void time_delay_ns(uint64_t ns)
{
	if (!__atomic_load_n(&tsc_ready, __ATOMIC_ACQUIRE)) {
		uint64_t us = (ns + 999) / 1000;
		pit_delay_us(us > UINT32_MAX ? UINT32_MAX : (uint32_t)us);
		return;
	}
	uint64_t start = time_ns();
	while (time_ns() - start < ns)
		cpu_relax();
}
