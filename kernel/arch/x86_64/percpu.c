#include <x86_64/cpu.h>
#include <x86_64/percpu.h>

struct cpu cpus[MAX_CPUS];
unsigned cpu_count = 1;

void percpu_install(struct cpu *c)
{
	c->self = c;
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}
