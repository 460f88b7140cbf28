#include <common/string.h>
#include <console/log.h>
#include <debug/panic.h>
#include <x86_64/cpu.h>
#include <x86_64/fpu.h>

#define CR0_MP      (1ull << 1)
#define CR0_EM      (1ull << 2)
#define CR0_TS      (1ull << 3)
#define CR0_NE      (1ull << 5)
#define CR4_OSXSAVE (1ull << 18)
#define XCR0_X87    (1ull << 0)
#define XCR0_SSE    (1ull << 1)
#define XCR0_AVX    (1ull << 2)
#define FXSAVE_SIZE 512
#define INITIAL_MAX 4096

static bool use_xsave;
static uint64_t xcr0;
static size_t area_size = FXSAVE_SIZE;
static uint8_t initial_state[INITIAL_MAX] __attribute__((aligned(64)));

static void xsetbv(uint32_t reg, uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(reg), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

void fpu_save(void *area)
{
	if (use_xsave)
		__asm__ volatile("xsave64 (%0)"
		                 :
		                 : "r"(area), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32))
		                 : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

void fpu_restore(const void *area)
{
	if (use_xsave)
		__asm__ volatile("xrstor64 (%0)"
		                 :
		                 : "r"(area), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32))
		                 : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

/* Decides XSAVE or FXSAVE, the components and the area size; captures the initial state. */
static void fpu_probe(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(d & (1u << 24)) || !(d & (1u << 25)))
		panic("this CPU lacks FXSR or SSE, which x86_64 guarantees");
	if (c & (1u << 26)) {
		uint32_t lo, hi;
		cpuid(0xd, 0, &lo, &b, &c, &hi);
		uint64_t supported = ((uint64_t)hi << 32) | lo;
		xcr0 = supported & (XCR0_X87 | XCR0_SSE | XCR0_AVX);
		use_xsave = true;
	}
}

void fpu_init_cpu(void)
{
	static bool probed;
	uint32_t a, b, c, d;

	if (!probed)
		fpu_probe();
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT | (use_xsave ? CR4_OSXSAVE : 0));
	if (use_xsave)
		xsetbv(0, xcr0);
	if (probed)
		return;

	if (use_xsave) {
		cpuid(0xd, 0, &a, &b, &c, &d);
		area_size = (b + 63) & ~(size_t)63; /* size for the components enabled in XCR0 */
		if (area_size > INITIAL_MAX)
			panic("XSAVE area of %zu bytes exceeds %d", area_size, INITIAL_MAX);
	}
	uint32_t mxcsr = 0x1f80;
	__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
	memset(initial_state, 0, sizeof(initial_state));
	fpu_save(initial_state);
	probed = true;
	pr_info("fpu: %s, %zu-byte save area, XCR0 %#lx\n", use_xsave ? "XSAVE" : "FXSAVE",
	        area_size, (unsigned long)xcr0);
}

size_t fpu_area_size(void)
{
	return area_size;
}

void fpu_area_init(void *area)
{
	memcpy(area, initial_state, area_size);
}
