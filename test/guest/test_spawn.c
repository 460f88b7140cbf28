/*
 * A spawn/exit/wait loop of 1,000 processes (KTAP) with no leaked frames,
 * handles, processes or threads: counters are compared before and after.
 * A warm-up round lets caches and page tables settle first.
 */
#include "ktap.h"
#include <iris/modules.h>
#include <iris/sys.h>
#include <string.h>

#define ROUNDS      1000
#define WARMUP      50
#define FRAME_SLACK 64 /* frames of kernel page tables and slab pages that may stay */

static int spawn_wait(int *bad)
{
	struct iris_exit_info info;
	iris_handle_t c = iris_module_spawn("test_spawn", "test_spawn child");
	if (c < 0)
		return (int)c;
	long r = sys_wait(c, &info, 0);
	sys_handle_close(c);
	*bad += r != 0 || info.reason != IRIS_EXIT_CODE || info.code != 3;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "child") == 0)
		return 3;
	if (iris_modules_init() < 0)
		return 1;
	ktap_plan(5);
	int bad = 0, failed = 0;
	for (int i = 0; i < WARMUP; i++)
		failed += spawn_wait(&bad) < 0;
	long frames = sys_stat(IRIS_STAT_FRAMES_FREE), handles = sys_stat(IRIS_STAT_HANDLES);
	long procs = sys_stat(IRIS_STAT_PROCESSES), threads = sys_stat(IRIS_STAT_THREADS);
	for (int i = 0; i < ROUNDS; i++)
		failed += spawn_wait(&bad) < 0;
	ktap_check(failed == 0 && bad == 0, "%d processes spawned, exited 3, waited (%d failed)",
	           ROUNDS + WARMUP, failed + bad);
	long lost = frames - sys_stat(IRIS_STAT_FRAMES_FREE);
	ktap_check(lost < FRAME_SLACK, "no leaked frames (%ld fewer free)", lost);
	ktap_check(sys_stat(IRIS_STAT_HANDLES) == handles, "no leaked handles");
	ktap_check(sys_stat(IRIS_STAT_PROCESSES) == procs, "no leftover processes");
	ktap_check(sys_stat(IRIS_STAT_THREADS) == threads, "no leftover threads");
	return ktap_done();
}
