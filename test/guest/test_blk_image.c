/*
 * A disk checked from outside (KTAP). Run with devmgr:
 *   run=@!devmgr,test_blk_image+ahci0.0+read:LBA:COUNT:SEED+write:LBA:COUNT:SEED+flush+hold
 * The first argument is the disk (blk/ is added); each later one is a step,
 * done in order, one test point each:
 *   read:LBA:COUNT:SEED   read the sectors and check they hold blk_pattern(SEED),
 *                         which the harness wrote into the image before QEMU started
 *   write:LBA:COUNT:SEED  write blk_pattern(SEED); the harness reads the image after
 *                         QEMU ends (test/harness/suite.py, GuestTest.disk_check)
 *   flush                 FLUSH the disk's write cache
 *   hold                  (last, not a test point) print "# test_blk_image: holding"
 *                         and wait: the harness kills QEMU then, and only what a FLUSH
 *                         made QEMU write out survives in the image
 * The driver thus never checks its own work: what it reads was written by
 * the host, and what it writes is read by the host.
 */
#include "ktap.h"
#include <errno.h>
#include <iris/blk.h>
#include <iris/proto/ns.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SS        512u
#define MAX_XFER  256u /* sectors per request, and per step */
#define MAX_STEPS 32

enum kind { STEP_READ, STEP_WRITE, STEP_FLUSH, STEP_HOLD };

struct step {
	enum kind kind;
	uint64_t lba;
	uint32_t count;
	uint64_t seed;
};

static uint8_t data[MAX_XFER * SS];

/* Parses "N:N:N" after a step's name into lba, count and seed. */
static bool parse_range(const char *s, struct step *st)
{
	char *end;
	st->lba = strtoull(s, &end, 0);
	if (*end != ':')
		return false;
	st->count = (uint32_t)strtoul(end + 1, &end, 0);
	if (*end != ':')
		return false;
	st->seed = strtoull(end + 1, &end, 0);
	return *end == '\0' && st->count >= 1 && st->count <= MAX_XFER;
}

static bool parse_step(const char *arg, struct step *st)
{
	if (!strcmp(arg, "flush") || !strcmp(arg, "hold")) {
		*st = (struct step){ .kind = arg[0] == 'f' ? STEP_FLUSH : STEP_HOLD };
		return true;
	}
	if (!strncmp(arg, "read:", 5)) {
		st->kind = STEP_READ;
		return parse_range(arg + 5, st);
	}
	if (!strncmp(arg, "write:", 6)) {
		st->kind = STEP_WRITE;
		return parse_range(arg + 6, st);
	}
	return false;
}

/* Reads st's sectors and checks the host's pattern; true if they hold it. */
static bool step_read(struct blk_dev *b, const struct step *st)
{
	memset(data, 0, (size_t)st->count * SS);
	int r = blk_read(b, st->lba, st->count, data);
	long bad = r < 0 ? -1 : blk_pattern_check(data, SS, st->lba, st->count, st->seed);
	if (r < 0)
		printf("# read: %d\n", r);
	else if (bad >= 0)
		printf("# sector %llu is not what the host wrote\n",
		       (unsigned long long)(st->lba + (uint64_t)bad));
	return r == 0 && bad < 0;
}

static bool step_write(struct blk_dev *b, const struct step *st)
{
	blk_pattern(data, SS, st->lba, st->count, st->seed);
	int r = blk_write(b, st->lba, st->count, data);
	if (r < 0)
		printf("# write: %d\n", r);
	return r == 0;
}

/* Does one step and reports it as a test point. */
static void step_run(struct blk_dev *b, const char *name, const struct step *st)
{
	switch (st->kind) {
	case STEP_READ:
		ktap_check(step_read(b, st), "%s: %u sectors at %llu hold the host's pattern %llu",
		           name, st->count, (unsigned long long)st->lba,
		           (unsigned long long)st->seed);
		break;
	case STEP_WRITE:
		ktap_check(step_write(b, st), "%s: write %u sectors at %llu, pattern %llu", name,
		           st->count, (unsigned long long)st->lba, (unsigned long long)st->seed);
		break;
	case STEP_FLUSH:
		ktap_check(blk_flush(b) == 0, "%s: flush", name);
		break;
	case STEP_HOLD:
		printf("# test_blk_image: holding\n");
		fflush(stdout);
		for (;;)
			sleep(60);
	}
}

int main(int argc, char **argv)
{
	int nsteps = argc - 2;
	if (nsteps < 1 || nsteps > MAX_STEPS) {
		printf("test_blk_image: usage: DISK STEP... (1 to %d steps)\n", MAX_STEPS);
		return 2;
	}
	char name[IRIS_NS_NAME_MAX];
	if ((size_t)snprintf(name, sizeof(name), BLK_NAME_PREFIX "%s", argv[1]) >= sizeof(name)) {
		printf("test_blk_image: disk name %s too long\n", argv[1]);
		return 2;
	}
	struct step steps[MAX_STEPS];
	for (int i = 0; i < nsteps; i++) {
		bool last = i == nsteps - 1;
		if (!parse_step(argv[i + 2], &steps[i]) || (steps[i].kind == STEP_HOLD && !last)) {
			printf("test_blk_image: bad step %s\n", argv[i + 2]);
			return 2;
		}
	}
	ktap_plan(1 + nsteps - (steps[nsteps - 1].kind == STEP_HOLD));
	struct blk_dev *b;
	int r = blk_open(name, MAX_XFER * SS, BLK_RECONNECT_NS, &b);
	if (!ktap_check(r == 0, "%s: open", name)) {
		printf("# blk_open: %d\n", r);
		return ktap_done();
	}
	for (int i = 0; i < nsteps; i++)
		step_run(b, name, &steps[i]);
	blk_close(b);
	return ktap_done();
}
