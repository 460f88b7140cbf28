/*
 * SMP self tests: every enabled CPU of the MADT came online, cross-calls run
 * exactly once on each of them, per-CPU data is per CPU, and the APs' timers
 * tick.
 */
#include <acpi/acpi.h>
#include <arch/percpu.h>
#include <common/string.h>
#include <test/ktest.h>
#include <time.h>
#include <x86_64/cpu.h>
#include <x86_64/lapic.h>
#include <x86_64/platform.h>
#include <x86_64/smp.h>

KTEST(smp_online_matches_madt)
{
	const struct acpi_info *acpi = platform_acpi();
	unsigned enabled = 0;
	for (unsigned i = 0; i < acpi->cpu_count; i++)
		enabled += acpi->cpus[i].enabled;
	KT_EXPECT(t, enabled >= 1);
	KT_EXPECT(t, smp_online_count() == enabled);
	KT_EXPECT(t, cpus[0].online && cpus[0].apic_id == lapic_id());
}

struct call_report {
	unsigned runs[MAX_CPUS];
	uint32_t apic_seen[MAX_CPUS];
	struct cpu *self_seen[MAX_CPUS];
	uint64_t gs_seen[MAX_CPUS];
	unsigned total;
};

static void report_cpu(void *arg)
{
	struct call_report *r = arg;
	struct cpu *c = cpu_current();
	unsigned id = c->id;

	if (id < MAX_CPUS) {
		__atomic_fetch_add(&r->runs[id], 1, __ATOMIC_RELAXED);
		r->apic_seen[id] = lapic_id();
		r->self_seen[id] = c->self;
		r->gs_seen[id] = rdmsr(MSR_GS_BASE);
	}
	__atomic_fetch_add(&r->total, 1, __ATOMIC_RELAXED);
}

static struct call_report report;

KTEST(smp_call_all_runs_once_per_cpu)
{
	memset(&report, 0, sizeof(report));
	smp_call_all(report_cpu, &report);
	KT_EXPECT(t, report.total == smp_online_count());
	for (unsigned i = 0; i < cpu_count; i++) {
		KT_EXPECT(t, report.runs[i] == (cpus[i].online ? 1u : 0u));
		if (cpus[i].online)
			KT_EXPECT(t, report.apic_seen[i] == cpus[i].apic_id);
	}
	/* Twice in a row: the call state resets properly. */
	memset(&report, 0, sizeof(report));
	smp_call_all(report_cpu, &report);
	KT_EXPECT(t, report.total == smp_online_count());
}

KTEST(smp_percpu_distinct)
{
	memset(&report, 0, sizeof(report));
	smp_call_all(report_cpu, &report);
	for (unsigned i = 0; i < cpu_count; i++) {
		if (!cpus[i].online)
			continue;
		KT_EXPECT(t, report.self_seen[i] == &cpus[i]);
		KT_EXPECT(t, report.gs_seen[i] == (uint64_t)(uintptr_t)&cpus[i]);
		for (unsigned j = 0; j < i; j++)
			KT_EXPECT(t, !cpus[j].online || cpus[j].apic_id != cpus[i].apic_id);
	}
}

KTEST(smp_ap_timers_tick)
{
	uint64_t before[MAX_CPUS];

	if (smp_online_count() < 2) {
		ktest_skip(t, "one CPU, no AP timer");
		return;
	}
	for (unsigned i = 0; i < cpu_count; i++)
		before[i] = cpus[i].ticks;
	time_delay_ns(100000000); /* 10 ticks at 100 Hz; a busy host may cost a few */
	for (unsigned i = 1; i < cpu_count; i++)
		if (cpus[i].online)
			KT_EXPECT(t, cpus[i].ticks - before[i] >= 3);
}
