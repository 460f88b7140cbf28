/*
 * Live restart of a block driver under load (KTAP). Run with devmgr:
 *   run=@!devmgr,test_blk_restart+ahci0.0+ahci0+50
 * (the disk, the driver instance, how many crashes).
 *
 * The main thread keeps INFLIGHT requests outstanding on the disk: writes
 * of a block with the pattern of its next version and reads checked
 * against the pattern of the version last written (never two requests on
 * one block at once, so every read knows what it must find). Meanwhile a
 * second thread asks devmgr to crash the driver (DEVMGR_OP_CRASH) CRASHES
 * times at random moments. The client library must hide every crash: no
 * request may fail, no read may find the wrong data, and a last pass over
 * every block must find the last version written.
 */
#include "ktap.h"
#include <errno.h>
#include <iris/blk.h>
#include <iris/ns.h>
#include <iris/proto/devmgr.h>
#include <iris/rpc.h>
#include <iris/sys.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INFLIGHT     32
#define SS           512u
#define BLOCK        8u   /* sectors per block */
#define BLOCKS       1024 /* the load covers 1024 * 4 KiB = 4 MiB */
#define MS           1000000ull
#define SEC          (1000 * MS)
#define CRASH_WAIT   (50 * MS)  /* a crash comes this long after the driver runs again, */
#define CRASH_JITTER (400 * MS) /* plus up to this */
#define RETRY_WAIT   (20 * MS)  /* between two looks at the driver's state */
#define CRASHER_TIME (80 * SEC) /* the crasher gives up after this */

struct block {
	uint32_t version; /* the pattern it holds: the seed */
	bool busy;        /* a request on it is outstanding */
};

struct op {
	int block; /* -1: free */
	int op;
	uint32_t version;
};

static struct block blocks[BLOCKS];
static struct op ops[INFLIGHT];
static const char *instance;
static struct iris_chan devmgr_chan;
static int crashes_wanted;
static volatile int crashes_done;
static volatile bool crasher_finished;
static int crash_errors;

static uint64_t now_ns(void)
{
	return (uint64_t)sys_clock_get(IRIS_CLOCK_MONOTONIC);
}

/* What devmgr lists for instance `name` into *info: 0, or a negative errno. */
static int instance_info(struct iris_rpc_client *cl, const char *name,
                         struct devmgr_driver_info *info)
{
	for (uint32_t i = 0; i < 64; i++) {
		memset(info, 0, sizeof(*info));
		int r = iris_rpc_call(cl, DEVMGR_OP_LIST, &i, sizeof(i), info, sizeof(*info),
		                      5 * SEC);
		if (r < 0)
			return r;
		/* the reply ends with last_exit's NUL */
		if ((size_t)r > offsetof(struct devmgr_driver_info, last_exit) &&
		    strncmp(info->instance, name, DEVMGR_NAME_MAX) == 0)
			return 0;
	}
	return -ENOENT;
}

/* Waits until the instance runs after `restarts` restarts or more; false after `give_up`. */
static bool wait_running(struct iris_rpc_client *cl, uint32_t restarts, uint64_t give_up)
{
	for (;;) {
		struct devmgr_driver_info info;
		if (instance_info(cl, instance, &info) == 0 && info.state == DEVMGR_RUNNING &&
		    info.restarts >= restarts)
			return true;
		if (now_ns() >= give_up)
			return false;
		sys_sleep(RETRY_WAIT);
	}
}

/*
 * Crashes the driver crashes_wanted times: each time once it runs again
 * after the last crash, at a random moment CRASH_WAIT + up to CRASH_JITTER
 * later.
 */
static void *crasher(void *arg)
{
	struct iris_rpc_client *cl = arg;
	uint64_t give_up = now_ns() + CRASHER_TIME;
	uint64_t x = now_ns() | 1; /* xorshift: rand() belongs to the other thread */
	struct devmgr_driver_info info;
	uint32_t restarts = instance_info(cl, instance, &info) == 0 ? info.restarts : 0;
	while (crashes_done < crashes_wanted) {
		if (!wait_running(cl, restarts, give_up)) {
			printf("# %s did not run again after crash %d\n", instance, crashes_done);
			crash_errors++;
			break;
		}
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sys_sleep(CRASH_WAIT + x % CRASH_JITTER);
		int r = iris_rpc_call(cl, DEVMGR_OP_CRASH, instance, strlen(instance) + 1, NULL, 0,
		                      5 * SEC);
		if (r < 0) {
			printf("# crash request: %d\n", r);
			crash_errors++;
			break;
		}
		crashes_done++;
		restarts++;
	}
	crasher_finished = true;
	return NULL;
}

/* A free op slot (one exists: fewer than INFLIGHT are outstanding). */
static int free_op(void)
{
	for (int i = 0; i < INFLIGHT; i++)
		if (ops[i].block < 0)
			return i;
	return -1;
}

/*
 * Submits a request on block k (-1: a random idle one): a write of its
 * next version or a check of its current one (op 0: either, at random).
 */
static int submit_one(struct blk_dev *b, int k, int want_op)
{
	int slot = free_op();
	if (k < 0) {
		k = rand() % BLOCKS;
		while (blocks[k].busy)
			k = (k + 1) % BLOCKS;
	}
	int op = want_op ? want_op : (rand() % 2 ? BLK_OP_WRITE : BLK_OP_READ);
	uint32_t version = op == BLK_OP_WRITE ? blocks[k].version + 1 : blocks[k].version;
	uint8_t *data = (uint8_t *)blk_buffer(b) + (size_t)slot * BLOCK * SS;
	uint64_t lba = (uint64_t)k * BLOCK;
	if (op == BLK_OP_WRITE)
		blk_pattern(data, SS, lba, BLOCK, version);
	int r = blk_submit(b, op, lba, BLOCK, (size_t)slot * BLOCK * SS, (uint64_t)slot);
	if (r == 0) {
		ops[slot] = (struct op){ .block = k, .op = op, .version = version };
		blocks[k].busy = true;
	}
	return r;
}

struct tally {
	uint64_t requests, failed, wrong;
};

/* Takes the completions there are (waiting for one), checking each. */
static void reap(struct blk_dev *b, struct tally *t)
{
	struct blk_completion c[INFLIGHT];
	int n = blk_reap(b, c, INFLIGHT, -1);
	for (int i = 0; i < n; i++) {
		struct op *o = &ops[c[i].cookie];
		struct block *blk = &blocks[o->block];
		t->requests++;
		if (c[i].status != 0) {
			if (t->failed++ < 5)
				printf("# %s of block %d failed: %d\n",
				       o->op == BLK_OP_WRITE ? "write" : "read", o->block,
				       c[i].status);
		} else if (o->op == BLK_OP_WRITE) {
			blk->version = o->version;
		} else {
			const uint8_t *data =
			        (uint8_t *)blk_buffer(b) + (size_t)c[i].cookie * BLOCK * SS;
			if (blk_pattern_check(data, SS, (uint64_t)o->block * BLOCK, BLOCK,
			                      o->version) >= 0 &&
			    t->wrong++ < 5)
				printf("# block %d does not hold version %u\n", o->block,
				       o->version);
		}
		blk->busy = false;
		o->block = -1;
	}
}

int main(int argc, char **argv)
{
	ktap_plan(7);
	if (argc != 4) {
		printf("usage: test_blk_restart DISK INSTANCE CRASHES\n");
		return 2;
	}
	char name[IRIS_NS_NAME_MAX];
	snprintf(name, sizeof(name), BLK_NAME_PREFIX "%s", argv[1]);
	instance = argv[2];
	crashes_wanted = atoi(argv[3]);
	srand((unsigned)now_ns());
	for (int i = 0; i < INFLIGHT; i++)
		ops[i].block = -1;

	struct blk_dev *b = NULL;
	int r = blk_open(name, INFLIGHT * BLOCK * SS, BLK_RECONNECT_NS, &b);
	bool ok = r == 0 && blk_info(b)->sector_size == SS &&
	          blk_info(b)->sectors >= (uint64_t)BLOCKS * BLOCK;
	static struct iris_rpc_client cl;
	struct devmgr_driver_info info;
	int rc = iris_ns_connect("devmgr", &devmgr_chan);
	if (rc == 0) {
		iris_rpc_client_init(&cl, &devmgr_chan);
		rc = instance_info(&cl, instance, &info);
	}
	if (!ktap_check(ok && rc == 0, "open %s and reach devmgr's %s", name, instance)) {
		printf("# blk_open %d, devmgr %d\n", r, rc);
		return ktap_done();
	}
	uint32_t restarts_before = info.restarts;

	/* every block gets version 1, so that every read knows what it must find */
	struct tally t = { 0 };
	for (int k = 0; k < BLOCKS; k++) {
		if (blk_inflight(b) == INFLIGHT)
			reap(b, &t);
		submit_one(b, k, BLK_OP_WRITE);
	}
	while (blk_inflight(b))
		reap(b, &t);
	ktap_check(t.failed == 0 && t.requests == BLOCKS, "the first pass writes every block");

	pthread_t thread;
	uint64_t start = now_ns();
	pthread_create(&thread, NULL, crasher, &cl);
	while (!crasher_finished) {
		while (blk_inflight(b) < INFLIGHT && submit_one(b, -1, 0) == 0)
			;
		reap(b, &t);
	}
	pthread_join(thread, NULL);
	while (blk_inflight(b))
		reap(b, &t);
	uint64_t secs = (now_ns() - start) / SEC;
	printf("# %llu requests in %llu s, %d crashes; the client reconnected %u times and sent "
	       "%u requests again\n",
	       (unsigned long long)t.requests, (unsigned long long)secs, crashes_done,
	       blk_stats(b)->reconnects, blk_stats(b)->resubmitted);
	ktap_check(crashes_done == crashes_wanted && !crash_errors,
	           "devmgr crashed the driver %d times", crashes_wanted);
	if (!ktap_check(t.failed == 0 && t.wrong == 0 && t.requests > BLOCKS,
	                "every request under the crashes succeeded with the right data"))
		printf("# %llu failed, %llu read wrong data\n", (unsigned long long)t.failed,
		       (unsigned long long)t.wrong);

	/* the last pass: every block holds the last version written */
	uint64_t wrong_before = t.wrong, failed_before = t.failed;
	for (int k = 0; k < BLOCKS; k++) {
		if (blk_inflight(b) == INFLIGHT)
			reap(b, &t);
		submit_one(b, k, BLK_OP_READ);
	}
	while (blk_inflight(b))
		reap(b, &t);
	ktap_check(t.failed == failed_before && t.wrong == wrong_before,
	           "afterwards every block holds the last version written");

	rc = instance_info(&cl, instance, &info);
	ktap_check(rc == 0 && info.restarts == restarts_before + (uint32_t)crashes_wanted,
	           "devmgr counts %u restarts (%u before)", rc == 0 ? info.restarts : 0,
	           restarts_before);
	ktap_check(blk_stats(b)->reconnects >= (uint32_t)crashes_wanted / 2,
	           "the client reconnected %u times", blk_stats(b)->reconnects);
	blk_close(b);
	return ktap_done();
}
