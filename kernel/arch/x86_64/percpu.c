#include <arch/percpu.h>
#include <x86_64/cpu.h>

#include <stddef.h>

_Static_assert(offsetof(struct cpu, kernel_rsp) == CPU_OFF_KERNEL_RSP, "isr/syscall asm");
_Static_assert(offsetof(struct cpu, user_rsp) == CPU_OFF_USER_RSP, "syscall asm");

struct cpu cpus[MAX_CPUS];
unsigned cpu_count = 1;

void percpu_install(struct cpu *c)
{
	c->self = c;
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}
