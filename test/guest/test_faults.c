/*
 * Fault isolation (KTAP): children that dereference NULL, run an invalid
 * opcode, divide by zero, touch kernel memory, overflow their stack, run a
 * privileged instruction, write to read-only memory, or jump into
 * non-executable memory, or write to a page that is present but read-only
 * (whole or straddling its edge) are killed, each within a time bound (a
 * fault retried without progress would spin forever); this parent learns
 * the reason and the address and carries on. Children are this same
 * program: `test_faults child MODE`.
 */
#include "ktap.h"
#include <iris/modules.h>
#include <iris/sys.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>

#define PF 14
#define UD 6
#define DE 0
#define GP 13

#define FAULT_PAGE  0x200000000ull /* where the read-only cases map their two pages */
#define ANY_ADDR    UINT64_MAX     /* the fault address is not checked */
#define CHILD_BOUND 5000           /* ms a faulting child may take to be killed */

static volatile int sink;

/* Maps two pages at FAULT_PAGE, writes both (present), then makes the second read-only. */
static volatile uint8_t *present_read_only(void)
{
	long a = sys_map((void *)FAULT_PAGE, 8192, IRIS_PROT_READ | IRIS_PROT_WRITE, IRIS_MAP_FIXED,
	                 -1, 0);
	if (a < 0)
		return NULL;
	volatile uint8_t *m = (volatile uint8_t *)a;
	m[0] = m[4096] = 1;
	if (sys_protect((void *)(a + 4096), 4096, IRIS_PROT_READ) < 0)
		return NULL;
	return m;
}

/* Recurses until the stack runs into its guard page (the depth limit is never reached). */
static int recurse(int depth)
{
	volatile char pad[512];
	pad[0] = (char)depth;
	if (depth > 1000000)
		return pad[0];
	return recurse(depth + 1) + pad[0];
}

static int child(const char *mode)
{
	if (strcmp(mode, "null") == 0)
		sink = *(volatile int *)0;
	else if (strcmp(mode, "ud") == 0)
		__asm__ volatile("ud2");
	else if (strcmp(mode, "div0") == 0) {
		/* In assembly: the compiler may turn a C division into something else. */
		uint32_t lo = 1, hi = 0, zero = 0;
		__asm__ volatile("divl %2" : "+a"(lo), "+d"(hi) : "r"(zero));
	} else if (strcmp(mode, "kernel") == 0)
		sink = *(volatile int *)0xffffffff80200000ull;
	else if (strcmp(mode, "stack") == 0)
		sink = recurse(0);
	else if (strcmp(mode, "priv") == 0)
		__asm__ volatile("cli");
	else if (strcmp(mode, "rodata") == 0) {
		static const int constant = 5;
		*(volatile int *)&constant = 6;
	} else if (strcmp(mode, "ro_present") == 0) {
		volatile uint8_t *m = present_read_only();
		if (m)
			m[4096 + 8] = 2;
	} else if (strcmp(mode, "ro_straddle") == 0) {
		volatile uint8_t *m = present_read_only();
		if (m)
			*(volatile uint64_t *)(m + 4092) = 2;
	} else if (strcmp(mode, "nx") == 0) {
		volatile uint8_t stack_code[8];
		stack_code[0] = 0xc3; /* ret */
		((void (*)(void))(uintptr_t)stack_code)();
	}
	return 0;
}

struct fault_case {
	const char *mode;
	uint32_t vector;
	uint64_t addr; /* the fault address expected, or ANY_ADDR */
	const char *what;
};

static const struct fault_case cases[] = {
	{ "null", PF, 0, "NULL dereference: #PF" },
	{ "ud", UD, ANY_ADDR, "invalid opcode: #UD" },
	{ "div0", DE, ANY_ADDR, "divide by zero: #DE" },
	{ "kernel", PF, 0xffffffff80200000ull, "touching kernel memory: #PF" },
	{ "stack", PF, ANY_ADDR, "stack overflow into the guard page: #PF" },
	{ "priv", GP, ANY_ADDR, "privileged instruction: #GP" },
	{ "rodata", PF, ANY_ADDR, "write to read-only data: #PF" },
	{ "ro_present", PF, FAULT_PAGE + 4096 + 8, "write to a present read-only page: #PF" },
	{ "ro_straddle", PF, FAULT_PAGE + 4096,
	  "write straddling into a present read-only page: #PF" },
	{ "nx", PF, ANY_ADDR, "executing the stack: #PF" },
};

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "child") == 0)
		return child(argv[2]);
	if (iris_modules_init() < 0)
		return 1;
	size_t n = sizeof(cases) / sizeof(cases[0]);
	ktap_plan((int)n + 2);
	long procs = sys_stat(IRIS_STAT_PROCESSES);
	for (size_t i = 0; i < n; i++) {
		char line[64];
		snprintf(line, sizeof(line), "test_faults child %s", cases[i].mode);
		struct iris_exit_info info = { 0 };
		iris_handle_t c = iris_module_spawn("test_faults", line);
		struct pollfd pfd = { .fd = c, .events = POLLIN };
		bool ended = c > 0 && poll(&pfd, 1, CHILD_BOUND) == 1;
		if (c > 0 && !ended)
			sys_kill(c); /* still faulting: never came back */
		long r = c > 0 ? sys_wait(c, &info, 0) : c;
		if (c > 0)
			sys_handle_close(c);
		ktap_check(ended && r == 0 && info.reason == IRIS_EXIT_FAULT &&
		                   info.vector == cases[i].vector &&
		                   (cases[i].addr == ANY_ADDR || info.fault_addr == cases[i].addr),
		           "%s (%s, reason %u, vector %u, address %#lx)", cases[i].what,
		           ended ? "ended" : "hung", info.reason, info.vector,
		           (unsigned long)info.fault_addr);
	}
	ktap_check(sys_echo(99) == 99, "the kernel carries on");
	ktap_check(sys_stat(IRIS_STAT_PROCESSES) == procs, "every faulting process is gone");
	return ktap_done();
}
