/*
 * Process listing, opening a process by pid, and power (SYS_PROCESS_LIST,
 * SYS_PROCESS_OPEN, SYS_POWER). `test_process poweroff` ends by turning
 * the machine off (the harness expects QEMU to end without isa-debug-exit).
 */
#include "ktap.h"
#include <errno.h>
#include <iris/modules.h>
#include <iris/startup.h>
#include <iris/sys.h>
#include <string.h>

/* The entry of `pid`, or NULL. */
static const struct iris_process_info *find(const struct iris_process_info *v, long n, uint64_t pid)
{
	for (long i = 0; i < n; i++)
		if (v[i].pid == pid)
			return &v[i];
	return NULL;
}

int main(int argc, char **argv)
{
	static struct iris_process_info list[64];
	if (argc > 1 && strcmp(argv[1], "sleep") == 0) {
		sys_sleep(60000000000ull);
		return 0;
	}
	bool poweroff = argc > 1 && strcmp(argv[1], "poweroff") == 0;
	uint64_t me = (uint64_t)sys_process_self();

	ktap_plan(10);
	iris_modules_init();
	long n = sys_process_list(list, 64, 0);
	const struct iris_process_info *self = find(list, n, me);
	ktap_check(n >= 2 && self, "the list holds this process (%ld processes)", n);
	ktap_check(self && strcmp(self->name, "test_process") == 0 && self->threads == 1 &&
	                   self->state == IRIS_PROCESS_RUNNING,
	           "name, threads and state");
	ktap_check(self && self->parent == 1 && find(list, n, 1) && find(list, n, 1)->parent == 0,
	           "its parent is init (pid 1), spawned by the kernel");
	ktap_check(self && self->pages > 0 && self->handles > 0, "resident pages %lu, handles %u",
	           self ? (unsigned long)self->pages : 0, self ? self->handles : 0);
	ktap_check(sys_process_list(list, 64, me + 1000) == 0, "nothing above the last pid");
	ktap_check(sys_process_list((void *)8, 4, 0) == -EFAULT, "a bad buffer is refused");

	/*
	 * A child of ours starts within its spawn call and can be opened by
	 * pid; init (our parent) and ns cannot.
	 */
	uint64_t init_start = find(list, n, 1) ? find(list, n, 1)->start_ns : UINT64_MAX;
	uint64_t my_start = self ? self->start_ns : 0;
	uint64_t before = (uint64_t)sys_clock_get(IRIS_CLOCK_MONOTONIC);
	iris_handle_t child = iris_module_spawn("test_process", "test_process sleep");
	uint64_t after = (uint64_t)sys_clock_get(IRIS_CLOCK_MONOTONIC);
	long pid = -1;
	uint64_t child_start = 0;
	n = sys_process_list(list, 64, me + 1);
	for (long i = 0; i < n; i++)
		if (list[i].parent == me) {
			pid = (long)list[i].pid;
			child_start = list[i].start_ns;
		}
	ktap_check(init_start <= my_start && my_start <= before && before <= child_start &&
	                   child_start <= after,
	           "start times: init %lu ns, this process %lu, its child %lu in [%lu, %lu]",
	           (unsigned long)init_start, (unsigned long)my_start, (unsigned long)child_start,
	           (unsigned long)before, (unsigned long)after);
	long h = pid > 0 ? sys_process_open((uint64_t)pid) : -1;
	ktap_check(child >= 0 && h >= 0 && sys_kill((iris_handle_t)h) == 0,
	           "a child opened by pid %ld and killed", pid);
	struct iris_exit_info info;
	sys_wait(child, &info, 0);
	ktap_check(sys_process_open(1) == -ESRCH, "init is not ours to open");
	ktap_check(sys_power(0) == -EINVAL, "an unknown power operation is refused");
	if (poweroff) {
		ktap_done();
		sys_power(IRIS_POWER_OFF);
		return 1;
	}
	return ktap_done();
}
