/*
 * Clock self tests: the LAPIC timer runs at the calibrated rate, the TSC
 * agrees with the HPET, and time_ns() never goes backwards, even when read
 * by different CPUs in turn. Each measurement window is 100 ms.
 */
#include <arch/percpu.h>
#include <stddef.h>
#include <sync/spinlock.h>
#include <test/ktest.h>
#include <time.h>
#include <x86_64/cpu.h>
#include <x86_64/hpet.h>
#include <x86_64/lapic.h>
#include <x86_64/platform.h>
#include <x86_64/smp.h>

#define WINDOW_NS 100000000ull

/* The reference the clocks were calibrated against: the HPET, else the PIT-calibrated TSC. */
static uint64_t ref_ns(void)
{
	return hpet_available() ? hpet_read_ns() : time_ns();
}

/* |a - b| <= b * pct / 100 */
static bool within_pct(uint64_t a, uint64_t b, uint64_t pct)
{
	uint64_t diff = a > b ? a - b : b - a;
	return diff * 100 <= b * pct;
}

/* The LAPIC current count, read between two reference-clock reads. */
struct count_sample {
	uint32_t count;
	uint64_t lo, hi;
};

static struct count_sample count_sample(void)
{
	struct count_sample s;
	s.lo = ref_ns();
	s.count = lapic_timer_current();
	s.hi = ref_ns();
	return s;
}

KTEST(timer_lapic_rate)
{
	uint64_t per_ms = cpu_current()->lapic_ticks_per_ms;
	uint32_t reload = lapic_timer_initial();
	KT_ASSERT(t, per_ms > 0 && reload > 0);

	/*
	 * Sum the periodic count's decrements, polling far faster than its
	 * period. A pair of polls that may be half a period or more apart (the
	 * vCPU was descheduled) could hide a whole reload, so such pairs are
	 * left out of both sums.
	 */
	const uint64_t max_gap = 1000000000ull / PLATFORM_TIMER_HZ / 2;
	bool irq = cpu_irq_save();
	uint64_t ticks = 0, ns = 0;
	struct count_sample prev = count_sample(), first = prev;
	while (ns < WINDOW_NS && prev.hi - first.lo < 10 * WINDOW_NS) {
		struct count_sample cur = count_sample();
		if (cur.hi - prev.lo < max_gap) {
			ticks += cur.count <= prev.count ? prev.count - cur.count
			                                 : prev.count + (reload - cur.count);
			ns += (cur.lo + cur.hi) / 2 - (prev.lo + prev.hi) / 2;
		}
		prev = cur;
	}
	cpu_irq_restore(irq);

	KT_ASSERT(t, ns >= WINDOW_NS);
	uint64_t expected = per_ms * ns / 1000000;
	if (!within_pct(ticks, expected, 5))
		ktest_fail(t, __FILE__, __LINE__, "%llu LAPIC ticks in %llu ns, expected %llu",
		           (unsigned long long)ticks, (unsigned long long)ns,
		           (unsigned long long)expected);
}

KTEST(timer_lapic_interrupts)
{
	/*
	 * 100 ms at PLATFORM_TIMER_HZ: a loose check that the interrupt really
	 * fires (a descheduled vCPU loses ticks, so only the order of magnitude).
	 */
	uint64_t expected = PLATFORM_TIMER_HZ * WINDOW_NS / 1000000000ull;
	bool irq = cpu_irq_save();
	uint64_t before = cpu_current()->ticks, t0 = ref_ns();
	cpu_irq_enable();
	while (ref_ns() - t0 < WINDOW_NS)
		cpu_halt();
	cpu_irq_disable();
	uint64_t got = cpu_current()->ticks - before;
	cpu_irq_restore(irq);
	KT_EXPECT(t, got >= expected / 2 && got <= expected * 3 / 2);
}

KTEST(timer_tsc_vs_hpet)
{
	KT_ASSERT(t, time_counter_hz() > 0);
	if (!hpet_available()) {
		ktest_skip(t,
		           "no HPET: the TSC was calibrated against the PIT, nothing to compare");
		return;
	}
	bool irq = cpu_irq_save();
	uint64_t h0 = hpet_read_ns(), n0 = time_ns(), h1, n1;
	do {
		h1 = hpet_read_ns();
		n1 = time_ns();
	} while (h1 - h0 < WINDOW_NS);
	cpu_irq_restore(irq);
	if (!within_pct(n1 - n0, h1 - h0, 5))
		ktest_fail(t, __FILE__, __LINE__,
		           "time_ns advanced %llu ns while the HPET did %llu",
		           (unsigned long long)(n1 - n0), (unsigned long long)(h1 - h0));
}

KTEST(timer_delay)
{
	uint64_t t0 = ref_ns();
	time_delay_ns(20000000);
	uint64_t took = ref_ns() - t0;
	KT_EXPECT(t, took >= 19000000); /* 5% for the reference clock's own error */
	KT_EXPECT(t, took < 500000000);
}

static struct {
	spinlock_t lock;
	uint64_t last;
	unsigned backwards;
	unsigned reads;
} mono = { .lock = SPINLOCK_INIT };

/* Each CPU reads time_ns() under the lock, so the reads form one global sequence. */
static void mono_reader(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200; i++) {
		spin_lock(&mono.lock);
		uint64_t now = time_ns();
		if (now < mono.last)
			mono.backwards++;
		mono.last = now;
		mono.reads++;
		spin_unlock(&mono.lock);
	}
}

KTEST(timer_time_ns_monotonic_across_cpus)
{
	mono.last = 0;
	mono.backwards = 0;
	mono.reads = 0;
	smp_call_all(mono_reader, NULL);
	KT_EXPECT(t, mono.reads == 200 * smp_online_count());
	KT_EXPECT(t, mono.backwards == 0);
	KT_EXPECT(t, time_ns() >= mono.last);
}
