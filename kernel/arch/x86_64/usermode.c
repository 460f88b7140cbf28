#include <arch/percpu.h>
#include <console/log.h>
#include <x86_64/cpu.h>
#include <x86_64/fpu.h>
#include <x86_64/gdt.h>
#include <x86_64/usermode.h>

#define RFLAGS_TF (1ull << 8)
#define RFLAGS_DF (1ull << 10)
#define RFLAGS_NT (1ull << 14)
#define RFLAGS_AC (1ull << 18)

void syscall_entry(void);

/* Read by usercopy.S: whether user accesses must be bracketed with stac/clac. */
bool usermode_smap_on;

bool usermode_smap(void)
{
	return usermode_smap_on;
}

void usermode_init_cpu(void)
{
	uint32_t a, b, c, d;

	/* sysret: CS = base + 16, SS = base + 8 (both | 3); syscall: CS = 0x08, SS = 0x10. */
	uint64_t user_base = GDT_USER_DATA - 8;
	wrmsr(MSR_STAR, ((uint64_t)GDT_KERNEL_CODE << 32) | (user_base << 48));
	wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)syscall_entry);
	wrmsr(MSR_SFMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_NT | RFLAGS_AC);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	fpu_init_cpu();

	cpuid(7, 0, &a, &b, &c, &d);
	uint64_t cr4 = read_cr4();
	if (b & (1u << 7))
		cr4 |= CR4_SMEP;
	if (b & (1u << 20)) {
		cr4 |= CR4_SMAP;
		usermode_smap_on = true;
	}
	write_cr4(cr4);
	if (cpu_current()->id == 0)
		pr_info("user mode: syscall/sysret and int 0x80, SMEP %s, SMAP %s\n",
		        (cr4 & CR4_SMEP) ? "on" : "off", usermode_smap_on ? "on" : "off");
}
