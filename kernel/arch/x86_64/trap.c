/*
 * Trap dispatch: CPU exceptions in the kernel are fatal (register dump,
 * backtrace, every CPU stopped); everything else goes to the handler that
 * idt_set_handler() registered for the vector.
 */
#include <arch/percpu.h>
#include <console/log.h>
#include <debug/ksyms.h>
#include <debug/panic.h>
#include <mm/layout.h>
#include <mm/usercopy.h>
#include <obj/process.h>
#include <sched/thread.h>
#include <syscall/syscall.h>
#include <x86_64/cpu.h>
#include <x86_64/idt.h>
#include <x86_64/ioperm.h>
#include <x86_64/lapic.h>
#include <x86_64/smp.h>
#include <x86_64/trap.h>

extern irq_handler_t irq_handlers[256];

static const char *const exception_names[32] = {
	[0] = "#DE divide error",
	[1] = "#DB debug",
	[2] = "NMI",
	[3] = "#BP breakpoint",
	[4] = "#OF overflow",
	[5] = "#BR bound range",
	[6] = "#UD invalid opcode",
	[7] = "#NM device not available",
	[8] = "#DF double fault",
	[10] = "#TS invalid TSS",
	[11] = "#NP segment not present",
	[12] = "#SS stack fault",
	[13] = "#GP general protection",
	[14] = "#PF page fault",
	[16] = "#MF x87 floating point",
	[17] = "#AC alignment check",
	[18] = "#MC machine check",
	[19] = "#XM SIMD floating point",
	[20] = "#VE virtualization",
	[21] = "#CP control protection",
};

const char *trap_vector_name(uint64_t vector)
{
	if (vector >= 32)
		return "IRQ";
	return exception_names[vector] ? exception_names[vector] : "reserved exception";
}

void trap_dump_frame(const struct trap_frame *tf)
{
	kprintf("  RIP %016lx  CS %04lx  RFLAGS %016lx\n", tf->rip, tf->cs, tf->rflags);
	kprintf("  RSP %016lx  SS %04lx  ERR %016lx\n", tf->rsp, tf->ss, tf->error_code);
	kprintf("  RAX %016lx  RBX %016lx  RCX %016lx\n", tf->rax, tf->rbx, tf->rcx);
	kprintf("  RDX %016lx  RSI %016lx  RDI %016lx\n", tf->rdx, tf->rsi, tf->rdi);
	kprintf("  RBP %016lx  R8  %016lx  R9  %016lx\n", tf->rbp, tf->r8, tf->r9);
	kprintf("  R10 %016lx  R11 %016lx  R12 %016lx\n", tf->r10, tf->r11, tf->r12);
	kprintf("  R13 %016lx  R14 %016lx  R15 %016lx\n", tf->r13, tf->r14, tf->r15);
	kprintf("  CR0 %016lx  CR2 %016lx  CR3 %016lx  CR4 %016lx\n", read_cr0(), read_cr2(),
	        read_cr3(), read_cr4());
}

static void page_fault_describe(uint64_t err)
{
	kprintf("  page fault: %s %s access, %s mode%s%s\n",
	        (err & 1) ? "protection violation on" : "non-present page on",
	        (err & 16) ? "instruction fetch" : ((err & 2) ? "write" : "read"),
	        (err & 4) ? "user" : "kernel", (err & 8) ? ", reserved bit set" : "",
	        (err & 32) ? ", protection key" : "");
}

/* A kernel-mode exception: report everything we know, then stop the machine. */
static __attribute__((noreturn)) void trap_fatal(struct trap_frame *tf)
{
	panic_begin();
	kprintf("\nEXCEPTION %s (vector %lu, error code %#lx) on CPU %u\n",
	        trap_vector_name(tf->vector), tf->vector, tf->error_code, cpu_current()->id);
	if (tf->vector == 14)
		page_fault_describe(tf->error_code);
	trap_dump_frame(tf);
	kprintf("backtrace:\n");
	ksyms_print_location(tf->rip);
	ksyms_backtrace(tf->rbp);
	panic_end();
}

/* Faults in a row that the page table already allowed before one counts as stuck. */
#define STALE_FAULTS_MAX 64

/*
 * Counts a fault of thread `t` at `addr` with error `err` that the page table
 * already allowed (vm_fault() flushed the entry and asked for a retry).
 * Returns true once the same fault has come STALE_FAULTS_MAX times in a row:
 * a flush cannot make that access succeed, so retrying would spin forever.
 */
static bool stale_fault_stuck(struct thread *t, uintptr_t addr, uint64_t err)
{
	if (t->stale_faults == 0 || t->stale_addr != addr || t->stale_err != err) {
		t->stale_addr = addr;
		t->stale_err = err;
		t->stale_faults = 0;
	}
	if (++t->stale_faults < STALE_FAULTS_MAX)
		return false;
	t->stale_faults = 0;
	return true;
}

/*
 * A page fault: first the current process's address space gets to resolve
 * it (demand paging, also for kernel copies to user memory); then a user
 * copy routine's fixup; otherwise it is fatal for the process or the kernel.
 * Returns true if the faulting access may be retried or was fixed up.
 */
static bool page_fault(struct trap_frame *tf, bool from_user)
{
	uintptr_t addr = read_cr2();
	struct thread *t = cpu_current()->current;
	struct process *p = t ? t->proc : NULL;

	/* The kernel touches user memory only inside the copy routines: anything else is a bug. */
	if (!from_user && !usercopy_contains(tf->rip))
		return false;
	if (p && addr < USER_SPACE_END) {
		enum vm_fault_result r = vm_fault(&p->vm, addr, tf->error_code);
		if (r != VM_FAULT_STALE)
			t->stale_faults = 0;
		if (r == VM_FAULT_MAPPED ||
		    (r == VM_FAULT_STALE && !stale_fault_stuck(t, addr, tf->error_code)))
			return true;
	}
	return !from_user && usercopy_fixup(tf);
}

/*
 * A #GP from ring 3 may be an in/out on ports granted to its process by
 * another CPU after this one loaded the bitmap: reload it and retry once.
 */
static bool io_fault(struct trap_frame *tf)
{
	(void)tf;
	struct thread *t = cpu_current()->current;
	struct ioperm *io = t && t->proc ? t->proc->ioperm : NULL;
	struct cpu *c = cpu_current();
	if (!io ||
	    (c->iomap_owner == io && c->iomap_gen == __atomic_load_n(&io->gen, __ATOMIC_ACQUIRE)))
		return false;
	ioperm_load(io);
	return true;
}

static void exception(struct trap_frame *tf, bool from_user)
{
	if (tf->vector == 2) {
		if (panic_in_progress() || smp_stopping())
			smp_park();
		pr_warn("trap: NMI on CPU %u\n", cpu_current()->id);
		return;
	}
	if (tf->vector == 14 && page_fault(tf, from_user))
		return;
	if (tf->vector == 13 && from_user && io_fault(tf))
		return;
	if (from_user && log_get_level() >= LOG_DEBUG)
		trap_dump_frame(tf);
	if (from_user)
		process_fault(tf->vector, tf->vector == 14 ? read_cr2() : 0, tf->rip);
	trap_fatal(tf);
}

void trap_dispatch(struct trap_frame *tf)
{
	bool from_user = (tf->cs & 3) == 3;

	if (tf->vector < 32) {
		exception(tf, from_user);
	} else if (tf->vector == IRIS_INT_SYSCALL && from_user) {
		cpu_irq_enable();
		syscall_dispatch(tf);
		return;
	} else {
		irq_handler_t h = __atomic_load_n(&irq_handlers[tf->vector], __ATOMIC_ACQUIRE);
		if (h)
			h(tf);
		else {
			/* A freed vector can still have a message in flight: acknowledge it. */
			pr_warn("trap: unexpected interrupt on vector %lu (CPU %u)\n", tf->vector,
			        cpu_current()->id);
			lapic_eoi();
		}
	}
	if (from_user)
		thread_user_return(tf);
}
