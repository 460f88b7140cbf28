#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/platform.h>
#include <console/log.h>
#include <debug/ksyms.h>
#include <debug/panic.h>

/* Provided by the SMP code once it is linked in; absent on a kernel without it. */
extern bool smp_stop_others(void) __attribute__((weak));

/* 0, or 1 + the id of the CPU that is panicking. */
static volatile int panicking;

int panic_in_progress(void)
{
	return __atomic_load_n(&panicking, __ATOMIC_ACQUIRE) != 0;
}

void panic_begin(void)
{
	cpu_irq_disable();
	unsigned self = cpu_current()->id;
	int expected = 0;
	if (!__atomic_compare_exchange_n(&panicking, &expected, (int)self + 1, false,
	                                 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		if (expected == (int)self + 1) {
			log_break_lock();
			kprintf("\nrecursive fault while panicking on CPU %u; halting\n", self);
			qemu_exit(QEMU_EXIT_PANIC);
		}
		cpu_stop();
	}
	log_break_lock();
}

void panic_end(void)
{
	kprintf("stopping all CPUs\n");
	if (smp_stop_others)
		smp_stop_others();
	qemu_exit(QEMU_EXIT_PANIC);
	cpu_stop();
}

void panic(const char *fmt, ...)
{
	va_list ap;

	panic_begin();
	kprintf("\nKERNEL PANIC on CPU %u: ", cpu_current()->id);
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\nbacktrace:\n");
	ksyms_backtrace((uintptr_t)__builtin_frame_address(0));
	panic_end();
}
