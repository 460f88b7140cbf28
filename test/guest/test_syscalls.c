/*
 * System calls 0-20 (SYS_ECHO to SYS_VMO_SIZE) with valid and invalid
 * arguments, through both entries, and unknown numbers (KTAP); the later
 * calls have the tests of their subsystems (test_ring, test_channel,
 * test_device, test_process). Run by init:
 * `test=user run=test_syscalls`. Also runs as its own child
 * (`test_syscalls child MODE`) for the calls that need a second process.
 */
#include "ktap.h"
#include <errno.h>
#include <iris/modules.h>
#include <iris/sys.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PAGE       4096
#define KERNEL_VA  ((void *)0xffff800000000000ull)
#define BAD_HANDLE ((iris_handle_t)0x7ffffff0)

static int sleeper(void *arg)
{
	(void)arg;
	sys_sleep(3600ull * 1000 * 1000 * 1000);
	return 0;
}

static int child(const char *mode)
{
	if (strcmp(mode, "exit42") == 0)
		sys_process_exit(42);
	if (strcmp(mode, "sleep") == 0)
		sys_sleep(60ull * 1000 * 1000 * 1000);
	return 7;
}

static void test_basic(void)
{
	ktap_check(sys_echo(0x1234567890abcdefl) == 0x1234567890abcdefl, "echo via syscall");
	ktap_check(iris_syscall6_int80(SYS_ECHO, -5, 0, 0, 0, 0, 0) == -5, "echo via int 0x80");
	ktap_check(iris_syscall6(9999, 0, 0, 0, 0, 0, 0) == -ENOSYS, "unknown number: ENOSYS");
	ktap_check(iris_syscall6(-1, 0, 0, 0, 0, 0, 0) == -ENOSYS, "negative number: ENOSYS");
	ktap_check(iris_syscall6_int80(SYS_COUNT, 0, 0, 0, 0, 0, 0) == -ENOSYS,
	           "int 0x80 past the table: ENOSYS");
	ktap_check(sys_yield() == 0, "yield");
	ktap_check(sys_thread_self() > 0 && sys_process_self() > 0, "thread and process ids");
}

static void test_clock(void)
{
	long a = sys_clock_get(IRIS_CLOCK_MONOTONIC);
	long b = sys_clock_get(IRIS_CLOCK_MONOTONIC);
	ktap_check(a > 0 && b >= a, "monotonic clock");
	ktap_check(sys_clock_get(77) == -EINVAL, "unknown clock: EINVAL");
	long t0 = sys_clock_get(IRIS_CLOCK_MONOTONIC);
	long r = sys_sleep(20 * 1000 * 1000);
	long t1 = sys_clock_get(IRIS_CLOCK_MONOTONIC);
	ktap_check(r == 0 && t1 - t0 >= 20 * 1000 * 1000, "sleep 20 ms (took %ld us)",
	           (t1 - t0) / 1000);
	ktap_check(sys_sleep(UINT64_MAX) == -EINVAL, "sleep overflow: EINVAL");
	ktap_check(sys_sleep(0) == 0, "sleep 0");
}

static void test_debug_write(void)
{
	ktap_check(sys_debug_write("# debug_write\n", 14) == 14, "debug_write");
	ktap_check(sys_debug_write((void *)8, 4) == -EFAULT, "debug_write unmapped: EFAULT");
	ktap_check(sys_debug_write(KERNEL_VA, 4) == -EFAULT, "debug_write kernel address: EFAULT");
	ktap_check(sys_debug_write(NULL, 0) == 0, "debug_write of nothing");
	ktap_check(sys_debug_write_level("x", 1, IRIS_LOG_DEBUG + 1) == -EINVAL,
	           "debug_write at no level: EINVAL");
}

/* Whether the log from *pos on (the shown part or all of it) holds `text`. */
static bool log_holds(uint64_t pos, unsigned flags, const char *text)
{
	static char buf[IRIS_LOG_READ_MAX + 1];
	long n = sys_log_read(buf, IRIS_LOG_READ_MAX, &pos, flags);
	if (n < 0)
		return false;
	buf[n] = 0;
	return strstr(buf, text) != NULL;
}

/*
 * The level of a write (this test boots without loglevel=, at info): a
 * debug line is kept in the log but not shown, an error line is shown.
 */
static void test_debug_write_level(void)
{
	static const char quiet[] = "# debug_write at debug level\n";
	static const char loud[] = "# debug_write at error level\n";
	uint64_t all = IRIS_LOG_END, shown = IRIS_LOG_END;
	char none; /* a read at the end returns nothing and leaves the position there */
	sys_log_read(&none, 1, &all, 0);
	sys_log_read(&none, 1, &shown, IRIS_LOG_SHOWN);
	ktap_check(sys_debug_write_level(quiet, sizeof(quiet) - 1, IRIS_LOG_DEBUG) ==
	                   (long)sizeof(quiet) - 1,
	           "debug_write at debug level");
	ktap_check(sys_debug_write_level(loud, sizeof(loud) - 1, IRIS_LOG_ERROR) ==
	                   (long)sizeof(loud) - 1,
	           "debug_write at error level");
	ktap_check(log_holds(all, 0, quiet) && log_holds(all, 0, loud),
	           "the log keeps both levels");
	ktap_check(!log_holds(shown, IRIS_LOG_SHOWN, quiet) &&
	                   log_holds(shown, IRIS_LOG_SHOWN, loud),
	           "loglevel=info shows the error line, not the debug line");
}

static void test_memory(void)
{
	long p = sys_map(NULL, 3 * PAGE, IRIS_PROT_READ | IRIS_PROT_WRITE, 0, -1, 0);
	ktap_check(p > 0 && p % PAGE == 0, "map anonymous");
	volatile uint8_t *m = (uint8_t *)p;
	int zero = m[0] == 0 && m[3 * PAGE - 1] == 0;
	m[0] = 1;
	m[2 * PAGE + 5] = 2;
	ktap_check(zero && m[0] == 1 && m[2 * PAGE + 5] == 2, "demand-zero pages, writable");
	ktap_check(sys_map(NULL, PAGE, 0x80, 0, -1, 0) == -EINVAL, "map bad prot: EINVAL");
	ktap_check(sys_map(NULL, 0, IRIS_PROT_READ, 0, -1, 0) == -EINVAL, "map length 0: EINVAL");
	ktap_check(sys_map((void *)(p + 1), PAGE, IRIS_PROT_READ, IRIS_MAP_FIXED, -1, 0) == -EINVAL,
	           "map unaligned: EINVAL");
	ktap_check(sys_map(KERNEL_VA, PAGE, IRIS_PROT_READ, IRIS_MAP_FIXED, -1, 0) == -EINVAL,
	           "map fixed in kernel space: EINVAL");
	ktap_check(sys_map((void *)p, PAGE, IRIS_PROT_READ, IRIS_MAP_FIXED, -1, 0) == -EEXIST,
	           "map fixed over a mapping: EEXIST");
	ktap_check(sys_map(NULL, PAGE, IRIS_PROT_READ, 0x100, -1, 0) == -EINVAL,
	           "map unknown flags: EINVAL");
	ktap_check(sys_map(NULL, PAGE, IRIS_PROT_READ, 0, BAD_HANDLE, 0) == -EBADF,
	           "map bad handle: EBADF");
	ktap_check(sys_protect((void *)p, PAGE, IRIS_PROT_READ) == 0, "protect read-only");
	ktap_check(m[0] == 1, "read-only page still readable");
	ktap_check(sys_protect((void *)(p + 16 * PAGE), PAGE, IRIS_PROT_READ) == -ENOMEM,
	           "protect unmapped: ENOMEM");
	ktap_check(sys_protect((void *)p, PAGE, 0x40) == -EINVAL, "protect bad prot: EINVAL");
	ktap_check(sys_unmap((void *)(p + PAGE), PAGE) == 0, "unmap the middle page");
	ktap_check(m[2 * PAGE + 5] == 2, "the rest survives a partial unmap");
	ktap_check(sys_unmap((void *)(p + 1), PAGE) == -EINVAL, "unmap unaligned: EINVAL");
	ktap_check(sys_unmap(KERNEL_VA, PAGE) == -EINVAL, "unmap kernel space: EINVAL");
	ktap_check(sys_unmap((void *)p, 3 * PAGE) == 0, "unmap the rest (with a hole)");
}

static void test_vmo_and_handles(void)
{
	ktap_check(sys_vmo_create(0) == -EINVAL, "vmo_create(0): EINVAL");
	iris_handle_t v = (iris_handle_t)sys_vmo_create(2 * PAGE);
	ktap_check(v > 0 && sys_vmo_size(v) == 2 * PAGE, "vmo_create and vmo_size");
	long a = sys_map(NULL, 2 * PAGE, IRIS_PROT_READ | IRIS_PROT_WRITE, 0, v, 0);
	long b = sys_map(NULL, PAGE, IRIS_PROT_READ, 0, v, PAGE);
	ktap_check(a > 0 && b > 0, "map a memory object twice");
	((volatile char *)a)[PAGE + 3] = 'x';
	ktap_check(((volatile char *)b)[3] == 'x', "both mappings share the pages");
	ktap_check(sys_map(NULL, PAGE, IRIS_PROT_READ, 0, v, 2 * PAGE) == -EINVAL,
	           "map past the object's end: EINVAL");

	iris_handle_t ro = (iris_handle_t)sys_handle_duplicate(v, IRIS_RIGHT_READ | IRIS_RIGHT_MAP |
	                                                                  IRIS_RIGHT_DUPLICATE);
	ktap_check(ro > 0 && ro != v, "duplicate with fewer rights");
	ktap_check(sys_map(NULL, PAGE, IRIS_PROT_READ | IRIS_PROT_WRITE, 0, ro, 0) == -EPERM,
	           "a read-only handle cannot map writable: EPERM");
	ktap_check(sys_handle_duplicate(ro, IRIS_RIGHTS_ALL) == -EPERM,
	           "a duplicate cannot gain rights: EPERM");
	ktap_check(sys_handle_duplicate(v, 0x80000000u) == -EINVAL, "unknown rights: EINVAL");
	ktap_check(sys_handle_duplicate(BAD_HANDLE, IRIS_RIGHTS_SAME) == -EBADF,
	           "duplicate a bad handle: EBADF");
	long before = sys_stat(IRIS_STAT_HANDLES);
	ktap_check(sys_handle_close(ro) == 0 && sys_stat(IRIS_STAT_HANDLES) == before - 1,
	           "close a handle");
	ktap_check(sys_handle_close(ro) == -EBADF, "close it again: EBADF");
	ktap_check(sys_vmo_size(ro) == -EBADF, "a closed handle is not reused: EBADF");
	ktap_check(sys_handle_close(v) == 0, "close the object's last handle");
	ktap_check(((volatile char *)a)[PAGE + 3] == 'x', "mappings outlive the handle");
	sys_unmap((void *)a, 2 * PAGE);
	sys_unmap((void *)b, PAGE);
	ktap_check(sys_stat(12345) == -EINVAL, "stat of an unknown counter: EINVAL");
	ktap_check(sys_stat(IRIS_STAT_FRAMES_FREE) > 0 && sys_stat(IRIS_STAT_CPUS) >= 1,
	           "stat counters");
}

/* Review findings that once broke the kernel: each must now be refused or harmless. */
static void test_hardening(void)
{
	/* A read-only handle's mapping cannot be made writable or executable later. */
	iris_handle_t v = (iris_handle_t)sys_vmo_create(PAGE);
	iris_handle_t ro = (iris_handle_t)sys_handle_duplicate(v, IRIS_RIGHT_READ | IRIS_RIGHT_MAP |
	                                                                  IRIS_RIGHT_DUPLICATE);
	long m = sys_map(NULL, PAGE, IRIS_PROT_READ, 0, ro, 0);
	ktap_check(m > 0 && sys_protect((void *)m, PAGE, IRIS_PROT_READ | IRIS_PROT_WRITE) ==
	                            -EACCES,
	           "protect cannot exceed the handle's rights: EACCES");
	ktap_check(sys_protect((void *)m, PAGE, IRIS_PROT_READ | IRIS_PROT_EXEC) == -EACCES,
	           "nor add execute: EACCES");
	sys_unmap((void *)m, PAGE);
	sys_handle_close(ro);
	sys_handle_close(v);

	/* Huge sparse ranges cost what is mapped in them, not their size. */
	iris_handle_t big = (iris_handle_t)sys_vmo_create(1ull << 32);
	long first = 0, t0 = sys_clock_get(IRIS_CLOCK_MONOTONIC);
	int mapped = 0;
	for (int i = 0; i < 16; i++) {
		long a = sys_map(NULL, 1ull << 32, IRIS_PROT_READ | IRIS_PROT_WRITE, 0, big, 0);
		if (a > 0) {
			first = first ? first : a;
			((volatile char *)a)[i * PAGE] = 1;
			mapped++;
		}
	}
	int protected = sys_protect((void *)first, 16ull << 32, IRIS_PROT_READ) == 0;
	int unmapped = sys_unmap((void *)first, 16ull << 32) == 0;
	long ms = (sys_clock_get(IRIS_CLOCK_MONOTONIC) - t0) / 1000000;
	sys_handle_close(big);
	ktap_check(mapped == 16 && protected && unmapped && ms < 2000,
	           "protect and unmap 64 GiB of sparse mappings (%ld ms)", ms);

	/* Killing threads asleep with a deadline, over and over. */
	int killed = 0;
	for (int i = 0; i < 100; i++) {
		long h = sys_spawn_thread(iris_thread_bootstrap, sleeper, NULL, 0);
		struct iris_exit_info info;
		if (h > 0 && sys_kill((iris_handle_t)h) == 0 &&
		    sys_wait((iris_handle_t)h, &info, 0) == 0 && info.reason == IRIS_EXIT_KILLED)
			killed++;
		if (h > 0)
			sys_handle_close((iris_handle_t)h);
	}
	ktap_check(killed == 100, "100 sleeping threads killed and reaped (%d)", killed);
	ktap_check(sys_sleep(30 * 1000 * 1000) == 0, "the sleep list survives them");
}

static void *thread_fn(void *arg)
{
	return (void *)((uintptr_t)arg * 2);
}

static void test_threads(void)
{
	pthread_t t;
	void *ret = NULL;
	ktap_check(pthread_create(&t, NULL, thread_fn, (void *)21) == 0 &&
	                   pthread_join(t, &ret) == 0 && (uintptr_t)ret == 42,
	           "spawn_thread, its bootstrap and join");
	ktap_check(sys_spawn_thread(NULL, NULL, NULL, 0) == -EFAULT, "spawn_thread at 0: EFAULT");
	ktap_check(sys_spawn_thread((iris_thread_bootstrap_fn)KERNEL_VA, NULL, NULL, 0) == -EFAULT,
	           "spawn_thread in kernel space: EFAULT");
	ktap_check(sys_spawn_thread((iris_thread_bootstrap_fn)thread_fn, NULL, NULL, 1ull << 40) ==
	                   -EINVAL,
	           "spawn_thread with a huge stack: EINVAL");
}

static void test_processes(void)
{
	struct iris_spawn_args bad = { 5, 0 };
	static const char junk[64] = "definitely not an ELF file";
	iris_handle_t none[1];

	ktap_check(sys_process_spawn(junk, sizeof(junk), &bad, sizeof(bad), none, 0) == -EINVAL,
	           "spawn with malformed arguments: EINVAL");
	char args[sizeof(struct iris_spawn_args) + 2] = { 0 };
	((struct iris_spawn_args *)args)->argc = 1;
	args[sizeof(struct iris_spawn_args)] = 'x';
	ktap_check(sys_process_spawn(junk, sizeof(junk), args, sizeof(args), none, 0) == -ENOEXEC,
	           "spawn a non-ELF image: ENOEXEC");
	ktap_check(sys_process_spawn((void *)8, 4096, args, sizeof(args), none, 0) == -EFAULT,
	           "spawn from an unmapped image: EFAULT");
	ktap_check(sys_process_spawn(junk, 0, args, sizeof(args), none, 0) == -EINVAL,
	           "spawn an empty image: EINVAL");
	none[0] = BAD_HANDLE;
	iris_handle_t self_img = iris_module_find("test_syscalls");
	long size = sys_vmo_size(self_img);
	long img = sys_map(NULL, (size_t)size, IRIS_PROT_READ, 0, self_img, 0);
	ktap_check(sys_process_spawn((void *)img, (size_t)size, args, sizeof(args), none, 1) ==
	                   -EBADF,
	           "spawn passing a bad handle: EBADF");
	sys_unmap((void *)img, (size_t)size);

	struct iris_exit_info info;
	iris_handle_t c = iris_module_spawn("test_syscalls", "test_syscalls child exit42");
	ktap_check(c > 0 && sys_wait(c, &info, 0) == 0 && info.reason == IRIS_EXIT_CODE &&
	                   info.code == 42,
	           "spawn, process_exit(42), wait");
	ktap_check(sys_wait(c, &info, 0x10) == -EINVAL, "wait with unknown flags: EINVAL");
	ktap_check(sys_wait(c, (void *)KERNEL_VA, 0) == -EFAULT, "wait into kernel memory: EFAULT");
	sys_handle_close(c);
	ktap_check(sys_wait(BAD_HANDLE, &info, 0) == -EBADF, "wait on a bad handle: EBADF");

	c = iris_module_spawn("test_syscalls", "test_syscalls child sleep");
	ktap_check(c > 0 && sys_wait(c, &info, IRIS_WAIT_NOHANG) == -EAGAIN,
	           "wait NOHANG on a running process: EAGAIN");
	ktap_check(sys_kill(c) == 0 && sys_wait(c, &info, 0) == 0 &&
	                   info.reason == IRIS_EXIT_KILLED,
	           "kill a sleeping process, wait says killed");
	iris_handle_t weak = (iris_handle_t)sys_handle_duplicate(c, IRIS_RIGHT_READ);
	ktap_check(sys_kill(weak) == -EPERM, "kill without the manage right: EPERM");
	sys_handle_close(weak);
	sys_handle_close(c);
	ktap_check(sys_kill(BAD_HANDLE) == -EBADF, "kill a bad handle: EBADF");
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "child") == 0)
		return child(argv[2]);
	if (iris_modules_init() < 0) {
		printf("test_syscalls: no boot modules\n");
		return 1;
	}
	ktap_plan(78);
	test_basic();
	test_clock();
	test_debug_write();
	test_debug_write_level();
	test_memory();
	test_vmo_and_handles();
	test_threads();
	test_processes();
	test_hardening();
	return ktap_done();
}
