/*
 * Iris side of `driver_restart`: from asking devmgr to crash a disk driver
 * to the first read the restarted driver serves, in guest instructions
 * (../bench.h). devmgr must be running (the runner boots with `@!devmgr`).
 *
 *   bench_restart METRIC DISK INSTANCE [ROUNDS]
 *
 * DISK is the driver's name for a disk holding the bench image
 * (blk/ahci0.1, see ../bench_disk.h), INSTANCE the driver instance serving
 * it (ahci0). Each round starts with the instance running (the bench waits
 * for that untimed), reads the TSC, sends DEVMGR_OP_CRASH for INSTANCE to
 * devmgr's management service, waits for its reply, and then:
 *   METRIC:        reads one 4 KiB block after another through the block
 *                  client until a read completes on a new connection (the
 *                  client saw the driver go, looked the name up again until
 *                  the restarted driver had registered it, and resent what
 *                  was outstanding). Reads the old driver still served
 *                  before it died are part of the round; every read is
 *                  checked against the image.
 *   METRIC.ready:  (rounds of their own, after those) asks devmgr every
 *                  RUNNING_POLL_NS how the instance is until it is running
 *                  again, restarted: the driver's part of the above, with
 *                  no client involved.
 * and reads the TSC again.
 *
 * Both include waits, counted as guest time under -icount (one instruction
 * per nanosecond): devmgr's delay before a restart it was asked for
 * (DRIVER_BACKOFF_FIRST_NS, 10 ms), and for METRIC the client's pause
 * between two lookups of a name nobody holds (RETRY_NS in libc/src/blk).
 */
#include <errno.h>
#include <iris/blk.h>
#include <iris/ns.h>
#include <iris/proto/devmgr.h>
#include <iris/rpc.h>
#include <iris/sys.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../bench_disk.h"

#define CALL_TIMEOUT_NS    (5 * 1000000000ll)
#define RUNNING_TIMEOUT_NS (20 * 1000000000ll)
#define RUNNING_POLL_NS    1000000ll

/*
 * Waits until devmgr lists `instance` as running with at least
 * `min_restarts` restarts behind it; stores their number in *restarts.
 * 0 or a negative errno (-ETIMEDOUT, -ENOENT: no such instance).
 */
static int wait_running(struct iris_rpc_client *cl, const char *instance, uint32_t min_restarts,
                        uint32_t *restarts)
{
	int64_t deadline = bench_disk_now_ns() + RUNNING_TIMEOUT_NS;
	bool found = false;

	for (;;) {
		for (uint32_t i = 0;; i++) {
			struct devmgr_driver_info info;
			memset(&info, 0, sizeof(info));
			int r = iris_rpc_call(cl, DEVMGR_OP_LIST, &i, sizeof(i), &info,
			                      sizeof(info), CALL_TIMEOUT_NS);
			if (r == -ENOENT)
				break;
			if (r < 0)
				return r;
			info.instance[sizeof(info.instance) - 1] = '\0';
			if (strcmp(info.instance, instance) != 0)
				continue;
			found = true;
			if (info.state == DEVMGR_RUNNING && info.restarts >= min_restarts) {
				*restarts = info.restarts;
				return 0;
			}
		}
		if (!found)
			return -ENOENT;
		if (bench_disk_now_ns() >= deadline)
			return -ETIMEDOUT;
		sys_sleep(RUNNING_POLL_NS);
	}
}

/*
 * Reads the 4 KiB block at byte `offset` into the start of the buffer; 0,
 * a negative errno or BENCH_DISK_WRONG_DATA.
 */
static int read_block(struct blk_dev *b, uint64_t offset)
{
	struct blk_completion done;
	int r = blk_submit(b, BLK_OP_READ, offset / BENCH_DISK_SECTOR,
	                   BENCH_DISK_RANDOM / BENCH_DISK_SECTOR, 0, offset);

	if (r < 0)
		return r;
	while (blk_reap(b, &done, 1, -1) == 0)
		;
	if (done.status < 0)
		return done.status;
	if (!bench_disk_check(blk_buffer(b), offset, BENCH_DISK_RANDOM))
		return BENCH_DISK_WRONG_DATA;
	return 0;
}

static int crash(struct iris_rpc_client *cl, const char *instance)
{
	int r = iris_rpc_call(cl, DEVMGR_OP_CRASH, instance, strlen(instance) + 1, NULL, 0,
	                      CALL_TIMEOUT_NS);
	return r < 0 ? r : 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		printf("BENCH-FAIL usage: bench_restart METRIC DISK INSTANCE [ROUNDS]\n");
		return 2;
	}
	const char *metric = argv[1], *disk = argv[2], *instance = argv[3];
	unsigned rounds = argc > 4 ? (unsigned)atoi(argv[4]) : BENCH_ROUNDS;
	uint64_t served[BENCH_ROUNDS_MAX], ready[BENCH_ROUNDS_MAX];
	struct bench_disk_plan plan = { .bytes = BENCH_DISK_RANDOM, .rng = BENCH_DISK_SEED };
	struct iris_rpc_client cl;
	struct iris_chan chan;
	struct blk_dev *b = NULL;
	bool connected = false;
	uint32_t restarts, want = 0; /* the instance is up once it has `want` restarts */
	char name[128];
	const char *what;
	int r;

	if (rounds == 0 || rounds > BENCH_ROUNDS_MAX || strlen(instance) >= DEVMGR_NAME_MAX) {
		printf("BENCH-FAIL %s: ROUNDS 1..%d, INSTANCE shorter than %d\n", metric,
		       BENCH_ROUNDS_MAX, DEVMGR_NAME_MAX);
		return 2;
	}
	snprintf(name, sizeof(name), "%s.ready", metric);
	what = "connecting to devmgr";
	r = iris_ns_connect("devmgr", &chan);
	if (r < 0)
		goto failed;
	connected = true;
	iris_rpc_client_init(&cl, &chan);
	what = "blk_open";
	r = blk_open(disk, BENCH_DISK_RANDOM, BLK_RECONNECT_NS, &b);
	if (r < 0)
		goto failed;
	what = "the disk's sector size";
	r = blk_info(b)->sector_size == BENCH_DISK_SECTOR ? 0 : -EINVAL;
	if (r < 0)
		goto failed;
	plan.blocks = blk_info(b)->sectors * BENCH_DISK_SECTOR / BENCH_DISK_RANDOM;
	what = "the first read";
	r = plan.blocks ? read_block(b, bench_disk_next(&plan)) : -EINVAL;
	if (r != 0)
		goto failed;

	for (unsigned i = 0; i < 2 * rounds; i++) {
		bool ready_round = i >= rounds;
		what = "waiting for the driver to run";
		r = wait_running(&cl, instance, want, &restarts);
		if (r < 0)
			goto failed;
		want = restarts + 1; /* after the crash */
		uint32_t reconnects = blk_stats(b)->reconnects;
		uint64_t start = bench_rdtsc();
		what = "DEVMGR_OP_CRASH";
		r = crash(&cl, instance);
		if (r < 0)
			goto failed;
		if (ready_round) {
			what = "waiting for the driver to run again";
			r = wait_running(&cl, instance, want, &restarts);
		} else {
			what = "a read";
			do
				r = read_block(b, bench_disk_next(&plan));
			while (r == 0 && blk_stats(b)->reconnects == reconnects);
		}
		uint64_t end = bench_rdtsc();
		if (r != 0)
			goto failed;
		uint64_t *values = ready_round ? ready : served;
		unsigned round = ready_round ? i - rounds : i;
		values[round] = (end - start) * 100;
		bench_round(ready_round ? name : metric, round, values[round]);
	}
	bench_report(metric, served, rounds);
	bench_report(name, ready, rounds);
	blk_close(b);
	iris_chan_close(&chan);
	return 0;

failed:
	printf("BENCH-FAIL %s: %s: %s\n", metric, what,
	       r == BENCH_DISK_WRONG_DATA ? "other data than the image holds" : strerror(-r));
	if (b)
		blk_close(b);
	if (connected)
		iris_chan_close(&chan);
	return 1;
}
