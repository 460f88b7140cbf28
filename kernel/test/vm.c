/* Address-space self tests: what vm_fault() makes of faults. */
#include <iris/abi/syscall.h>
#include <mm/layout.h>
#include <mm/vm.h>
#include <test/ktest.h>
#include <x86_64/cpu.h>
#include <x86_64/paging.h>

/*
 * vm_fault() answers "retry" only when a retry can succeed: a wrong "retry"
 * sends the faulting thread back to the same fault forever.
 */
KTEST(vm_fault_retries_only_what_can_succeed)
{
	const unsigned rw = IRIS_PROT_READ | IRIS_PROT_WRITE;
	struct vm_space vm;
	uintptr_t va;
	KT_ASSERT(t, vm_space_init(&vm) == 0);
	KT_ASSERT(t, vm_map(&vm, 0, PAGE_SIZE, rw, rw, 0, NULL, 0, &va) == 0);

	/* Interrupts off: nothing may switch this CPU's address space under the test. */
	bool irq = cpu_irq_save();
	vm_space_activate(&vm, NULL);
	KT_EXPECT(t, vm_fault(&vm, va, PF_WRITE | PF_USER) == VM_FAULT_MAPPED);
	KT_EXPECT(t, vm_fault(&vm, va, PF_PRESENT | PF_WRITE | PF_USER) == VM_FAULT_STALE);
	/* An entry narrower than its mapping: no flush makes the write succeed. */
	KT_EXPECT(t, paging_protect(&vm.as, va, MAP_USER) == 0);
	KT_EXPECT(t, vm_fault(&vm, va, PF_PRESENT | PF_WRITE | PF_USER) == VM_FAULT_REFUSED);
	KT_EXPECT(t, vm_fault(&vm, va, PF_PRESENT | PF_USER) == VM_FAULT_STALE);
	KT_EXPECT(t, vm_fault(&vm, va, PF_PRESENT | PF_FETCH | PF_USER) == VM_FAULT_REFUSED);
	KT_EXPECT(t, vm_fault(&vm, va, PF_PRESENT | PF_RESERVED | PF_USER) == VM_FAULT_REFUSED);
	KT_EXPECT(t, vm_fault(&vm, va, PF_PRESENT | PF_PKEY | PF_USER) == VM_FAULT_REFUSED);
	vm_space_activate(NULL, &vm);
	cpu_irq_restore(irq);

	/* Not the space this CPU walks: its entries cannot satisfy the access. */
	KT_EXPECT(t, vm_fault(&vm, va, PF_PRESENT | PF_USER) == VM_FAULT_REFUSED);
	KT_EXPECT(t, vm_fault(&vm, va + PAGE_SIZE, PF_USER) == VM_FAULT_REFUSED);
	vm_space_release(&vm);
	vm_space_free(&vm);
}
