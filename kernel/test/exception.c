/*
 * test=exception: an invalid opcode in the kernel must produce the full
 * report (vector, error code, registers, CR2, a symbolised backtrace) and
 * stop every CPU. The harness checks the report; reaching the end fails.
 */
#include <test/ktest.h>

static __attribute__((noinline)) void ktest_exception_trigger(void)
{
	__asm__ volatile("ud2");
}

KTEST(exception_invalid_opcode)
{
	ktest_exception_trigger();
	KT_EXPECT(t, !"the kernel survived an invalid opcode");
}
