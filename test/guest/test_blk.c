/*
 * Block devices through the AHCI driver (KTAP). Run with devmgr:
 *   run=@!devmgr,test_blk+ahci0.0:2048+ahci0.1:131072:100 ...
 * Each argument is a disk: its name (blk/ is added), the number of sectors
 * its image has, and optionally a sector that fails every access (QEMU's
 * blkdebug, see test/harness/qemu.py). For each disk: the size IDENTIFY
 * reports, patterns written and read back across sizes (1..256 sectors) and
 * LBAs (0, the last ones, random ones), 32 requests in flight, FLUSH,
 * requests past the end refused with -ERANGE while the driver keeps
 * serving, a hand-made client sending malformed requests (each refused,
 * no harm done), more clients coming and going than the driver serves at
 * once, and for a bad sector: -EIO for exactly the requests touching it,
 * among 32 in flight, the rest correct. Then, with several disks, that each
 * one keeps its own data.
 */
#include "ktap.h"
#include <errno.h>
#include <iris/blk.h>
#include <iris/ns.h>
#include <iris/proto/rpc.h>
#include <iris/sys.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DISKS 6
#define INFLIGHT  32
#define SS        512u
#define MAX_XFER  256u /* sectors: the driver's limit, and the test's largest request */
#define NO_BAD    UINT64_MAX
#define CHECKS    13 /* per disk, +1 with a bad sector */
#define VISITORS  40 /* clients one after the other: more than the driver serves at once (16) */

struct disk {
	char name[IRIS_NS_NAME_MAX];
	uint64_t sectors;
	uint64_t bad;
	struct blk_dev *b;
};

static struct disk disks[MAX_DISKS];
static int ndisks;
static uint8_t data[MAX_XFER * SS];

static uint64_t rand64(void)
{
	return (uint64_t)rand() << 32 ^ (uint64_t)rand() << 16 ^ (uint64_t)rand();
}

/* Writes the pattern of `seed` to count sectors at lba, reads them back and checks. */
static int write_check(struct blk_dev *b, uint64_t lba, uint32_t count, uint64_t seed)
{
	blk_pattern(data, SS, lba, count, seed);
	int r = blk_write(b, lba, count, data);
	if (r < 0) {
		printf("# write of %u at %llu: %d\n", count, (unsigned long long)lba, r);
		return r;
	}
	memset(data, 0, (size_t)count * SS);
	r = blk_read(b, lba, count, data);
	if (r < 0) {
		printf("# read of %u at %llu: %d\n", count, (unsigned long long)lba, r);
		return r;
	}
	long bad = blk_pattern_check(data, SS, lba, count, seed);
	if (bad >= 0) {
		printf("# sector %llu reads back wrong\n",
		       (unsigned long long)(lba + (uint64_t)bad));
		return -EBADMSG;
	}
	return 0;
}

/* A random LBA where `count` sectors fit and none is the bad sector. */
static uint64_t random_lba(const struct disk *d, uint32_t count)
{
	for (;;) {
		uint64_t lba = rand64() % (d->sectors - count + 1);
		if (d->bad == NO_BAD || d->bad < lba || d->bad >= lba + count)
			return lba;
	}
}

static bool check_sizes(struct disk *d)
{
	static const uint32_t sizes[] = { 1, 2, 3, 7, 8, 16, 64, 127, 128, 255, 256 };
	uint64_t lba = 0;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (lba + sizes[i] > d->sectors)
			lba = 0;
		if (write_check(d->b, lba, sizes[i], 100 + i) < 0)
			return false;
		lba += sizes[i];
	}
	return true;
}

static bool check_edges(struct disk *d)
{
	uint64_t last = d->sectors - 1;
	return write_check(d->b, 0, 1, 7) == 0 && write_check(d->b, last, 1, 8) == 0 &&
	       write_check(d->b, d->sectors - MAX_XFER, MAX_XFER, 9) == 0 &&
	       write_check(d->b, 0, 1, 7) == 0;
}

static bool check_random(struct disk *d)
{
	for (int i = 0; i < 24; i++) {
		uint32_t count = 1 + (uint32_t)(rand64() % MAX_XFER);
		if (write_check(d->b, random_lba(d, count), count, 1000 + (uint64_t)i) < 0)
			return false;
	}
	return true;
}

struct req {
	uint64_t lba;
	uint32_t count;
	size_t offset;
};

/*
 * Submits n requests of `op` (n <= INFLIGHT) for reqs[], all before
 * reaping any; the data of request i is at reqs[i].offset. Stores each
 * status and returns how many were outstanding at once.
 */
static unsigned run_batch(struct blk_dev *b, int op, const struct req *reqs, int n, int *status)
{
	for (int i = 0; i < n; i++) {
		int r = blk_submit(b, op, reqs[i].lba, reqs[i].count, reqs[i].offset, (uint64_t)i);
		status[i] = r < 0 ? r : 1; /* 1: outstanding */
	}
	unsigned peak = blk_inflight(b);
	while (blk_inflight(b)) {
		struct blk_completion c[INFLIGHT];
		int got = blk_reap(b, c, INFLIGHT, -1);
		for (int k = 0; k < got; k++)
			if (c[k].cookie < (uint64_t)n)
				status[c[k].cookie] = c[k].status;
	}
	return peak;
}

/*
 * INFLIGHT writes of 1..64 sectors on disjoint LBAs avoiding the bad
 * sector, each with its pattern in its own part of the buffer.
 */
static void plan_batch(struct disk *d, struct req *reqs, uint64_t seed_base)
{
	uint8_t *buf = blk_buffer(d->b);
	uint64_t span = d->sectors / INFLIGHT;
	uint64_t most = span / 2 < 64 ? span / 2 : 64;
	for (int i = 0; i < INFLIGHT; i++) {
		/* count <= span / 2: the bad sector leaves room before or after it */
		uint32_t count = 1 + (uint32_t)(rand64() % most);
		uint64_t lba = (uint64_t)i * span + rand64() % (span - count + 1);
		if (d->bad != NO_BAD && d->bad >= lba && d->bad < lba + count)
			lba = d->bad + count < (uint64_t)(i + 1) * span ? d->bad + 1
			                                                : d->bad - count;
		reqs[i] = (struct req){ .lba = lba, .count = count, .offset = (size_t)i * 64 * SS };
		blk_pattern(buf + reqs[i].offset, SS, lba, count, seed_base + (uint64_t)i);
	}
}

static bool check_inflight(struct disk *d)
{
	struct req reqs[INFLIGHT];
	int status[INFLIGHT];
	plan_batch(d, reqs, 5000);
	unsigned peak = run_batch(d->b, BLK_OP_WRITE, reqs, INFLIGHT, status);
	bool ok = peak == INFLIGHT;
	for (int i = 0; i < INFLIGHT; i++)
		ok = ok && status[i] == 0;
	memset(blk_buffer(d->b), 0, INFLIGHT * 64 * SS);
	peak = run_batch(d->b, BLK_OP_READ, reqs, INFLIGHT, status);
	ok = ok && peak == INFLIGHT;
	uint8_t *buf = blk_buffer(d->b);
	for (int i = 0; i < INFLIGHT && ok; i++) {
		ok = status[i] == 0 && blk_pattern_check(buf + reqs[i].offset, SS, reqs[i].lba,
		                                         reqs[i].count, 5000 + (uint64_t)i) < 0;
		if (!ok)
			printf("# request %d (%u at %llu): status %d\n", i, reqs[i].count,
			       (unsigned long long)reqs[i].lba, status[i]);
	}
	return ok;
}

/*
 * BLK_RW_ORDERED and BLK_RW_FUA: 16 ORDERED writes of 8 sectors to the
 * same LBA, each with its own pattern, submitted at once, complete one
 * after the other in submission order (each starts once the one before it
 * is done) and leave the last pattern on the disk; FUA writes read back;
 * flags a request cannot have are refused.
 */
static bool check_ordered(struct disk *d)
{
	enum { N = 16, COUNT = 8 };
	uint8_t *buf = blk_buffer(d->b);
	uint64_t lba = d->bad != NO_BAD && d->bad < 2 * COUNT ? d->bad + 1 : 0;
	bool ok = blk_submit_flags(d->b, BLK_OP_READ, BLK_RW_FUA, lba, 1, 0, 0) == -EINVAL &&
	          blk_submit_flags(d->b, BLK_OP_WRITE, 1u << 7, lba, 1, 0, 0) == -EINVAL;
	for (int i = 0; i < N && ok; i++) {
		blk_pattern(buf + (size_t)i * COUNT * SS, SS, lba, COUNT, 7000 + (uint64_t)i);
		uint32_t flags = BLK_RW_ORDERED | (i % 2 ? BLK_RW_FUA : 0);
		ok = blk_submit_flags(d->b, BLK_OP_WRITE, flags, lba, COUNT, (size_t)i * COUNT * SS,
		                      (uint64_t)i) == 0;
	}
	int next = 0;
	while (ok && blk_inflight(d->b)) {
		struct blk_completion c[N];
		int got = blk_reap(d->b, c, N, -1);
		for (int k = 0; k < got && ok; k++) {
			ok = c[k].status == 0 && c[k].cookie == (uint64_t)next++;
			if (!ok)
				printf("# completion %d: request %llu, status %d\n", next - 1,
				       (unsigned long long)c[k].cookie, c[k].status);
		}
	}
	memset(buf, 0, COUNT * SS);
	return ok && next == N && blk_read(d->b, lba, COUNT, buf) == 0 &&
	       blk_pattern_check(buf, SS, lba, COUNT, 7000 + N - 1) < 0;
}

/* Requests past the end fail with -ERANGE; the disk keeps working. */
static bool check_past_end(struct disk *d)
{
	uint64_t n = d->sectors;
	int r1 = blk_read(d->b, n, 1, data);
	int r2 = blk_read(d->b, n - 1, 2, data);
	int r3 = blk_write(d->b, n - 8, 16, data);
	int r4 = blk_read(d->b, UINT64_MAX - 1, 1, data);
	printf("# past the end: %d %d %d %d\n", r1, r2, r3, r4);
	return r1 == -ERANGE && r2 == -ERANGE && r3 == -ERANGE && r4 == -ERANGE &&
	       write_check(d->b, n - 1, 1, 77) == 0;
}

/*
 * The bad sector: requests touching it fail with -EIO, each alone and among
 * 32 in flight (where the driver cannot tell which one failed and must
 * find out); everything else completes with the right data.
 */
static bool check_bad_sector(struct disk *d)
{
	uint64_t bad = d->bad;
	int r1 = blk_read(d->b, bad, 1, data);
	int r2 = blk_read(d->b, bad > 3 ? bad - 3 : 0, 8, data);
	int r3 = blk_write(d->b, bad, 1, data);
	bool ok = r1 == -EIO && r2 == -EIO && r3 == -EIO;
	printf("# bad sector %llu alone: %d %d %d\n", (unsigned long long)bad, r1, r2, r3);

	struct req reqs[INFLIGHT];
	int status[INFLIGHT];
	uint8_t *buf = blk_buffer(d->b);
	plan_batch(d, reqs, 7000);
	run_batch(d->b, BLK_OP_WRITE, reqs, INFLIGHT, status);
	for (int i = 0; i < INFLIGHT; i++)
		ok = ok && status[i] == 0;
	const int victim = INFLIGHT / 2;
	reqs[victim] = (struct req){ .lba = bad, .count = 1, .offset = (size_t)victim * 64 * SS };
	memset(buf, 0, INFLIGHT * 64 * SS);
	run_batch(d->b, BLK_OP_READ, reqs, INFLIGHT, status);
	for (int i = 0; i < INFLIGHT; i++) {
		bool good = i == victim ? status[i] == -EIO
		                        : status[i] == 0 &&
		                                  blk_pattern_check(buf + reqs[i].offset, SS,
		                                                    reqs[i].lba, reqs[i].count,
		                                                    7000 + (uint64_t)i) < 0;
		if (!good)
			printf("# among 32: request %d (%u at %llu): status %d\n", i, reqs[i].count,
			       (unsigned long long)reqs[i].lba, status[i]);
		ok = ok && good;
	}
	return ok && write_check(d->b, bad + 1, 1, 78) == 0;
}

/*
 * One raw request on channel c (the protocol by hand, not through the
 * client library): its reply's status, or the channel's error.
 */
static int raw_call(struct iris_chan *c, uint16_t op, const void *args, size_t len, iris_handle_t h)
{
	static uint32_t next_id = 1;
	uint8_t msg[IRIS_CHANNEL_MSG_MAX];
	struct iris_rpc_hdr hdr = { .id = next_id++, .op = op };
	memcpy(msg, &hdr, sizeof(hdr));
	memcpy(msg + sizeof(hdr), args, len);
	int r = iris_chan_send_handles(c, msg, sizeof(hdr) + len, 0, &h, NULL,
	                               h == IRIS_HANDLE_INVALID ? 0 : 1, IRIS_CHAN_FOREVER);
	if (r < 0)
		return r;
	struct iris_msg_meta meta;
	r = iris_chan_recv(c, msg, sizeof(msg), &meta, 5000000000LL);
	if (r < 0)
		return r;
	memcpy(&hdr, msg, sizeof(hdr));
	return hdr.id == next_id - 1 && hdr.op == op ? hdr.status : -EBADMSG;
}

/*
 * A client that breaks the rules, by hand: every bad request gets an error
 * reply, none reaches the disk or harms the driver.
 */
static bool check_hostile(struct disk *d)
{
	struct iris_chan c;
	if (iris_ns_connect(d->name, &c) < 0)
		return false;
	const size_t size = 8 * SS;
	struct blk_rw rw = { .lba = 0, .offset = 0, .count = 1 };
	int before = raw_call(&c, BLK_OP_READ, &rw, sizeof(rw), IRIS_HANDLE_INVALID);
	int no_handle = raw_call(&c, BLK_OP_ATTACH, NULL, 0, IRIS_HANDLE_INVALID);
	long vmo = sys_vmo_create(size);
	int attach = vmo < 0 ? (int)vmo : raw_call(&c, BLK_OP_ATTACH, NULL, 0, (iris_handle_t)vmo);
	int results[9];
	int n = 0;
	rw = (struct blk_rw){ .lba = 0, .offset = size, .count = 1 }; /* data past the buffer */
	results[n++] = raw_call(&c, BLK_OP_READ, &rw, sizeof(rw), IRIS_HANDLE_INVALID);
	rw = (struct blk_rw){ .lba = 0, .offset = size - SS, .count = 2 }; /* data across its end */
	results[n++] = raw_call(&c, BLK_OP_WRITE, &rw, sizeof(rw), IRIS_HANDLE_INVALID);
	rw = (struct blk_rw){ .lba = 0, .offset = UINT64_MAX - 100, .count = 1 }; /* wrapping */
	results[n++] = raw_call(&c, BLK_OP_READ, &rw, sizeof(rw), IRIS_HANDLE_INVALID);
	rw = (struct blk_rw){ .lba = 0, .offset = 0, .count = 0 };
	results[n++] = raw_call(&c, BLK_OP_READ, &rw, sizeof(rw), IRIS_HANDLE_INVALID);
	rw = (struct blk_rw){ .lba = 0, .offset = 0, .count = UINT32_MAX };
	results[n++] = raw_call(&c, BLK_OP_READ, &rw, sizeof(rw), IRIS_HANDLE_INVALID);
	rw = (struct blk_rw){ .lba = 0, .offset = 2, .count = 1 }; /* not BLK_OFFSET_ALIGN */
	results[n++] = raw_call(&c, BLK_OP_READ, &rw, sizeof(rw), IRIS_HANDLE_INVALID);
	rw = (struct blk_rw){ .lba = 0, .offset = 0, .count = 1 };
	results[n++] = raw_call(&c, BLK_OP_READ, &rw, sizeof(rw) - 1, IRIS_HANDLE_INVALID);
	results[n++] = raw_call(&c, 99, NULL, 0, IRIS_HANDLE_INVALID);
	int good = raw_call(&c, BLK_OP_READ, &rw, sizeof(rw), IRIS_HANDLE_INVALID);
	iris_chan_close(&c);
	printf("# hostile: before ATTACH %d, ATTACH without a buffer %d, ATTACH %d, bad:", before,
	       no_handle, attach);
	bool ok = before == -EINVAL && no_handle == -EINVAL && attach == 0 && good == 0;
	for (int i = 0; i < n; i++) {
		printf(" %d", results[i]);
		ok = ok && results[i] == (i == n - 1 ? -ENOSYS : -EINVAL);
	}
	printf(", good %d\n", good);
	return ok && write_check(d->b, 0, 8, 79) == 0;
}

/*
 * Zero copy, seen from outside: a buffer attached through a handle without
 * MAP, which the driver cannot map and so cannot copy through. A pattern
 * written from one half of it reads back into the other half.
 */
static bool check_unmappable(struct disk *d)
{
	const size_t size = 64 * 1024, half = size / 2;
	struct iris_chan c;
	if (iris_ns_connect(d->name, &c) < 0)
		return false;
	long vmo = sys_vmo_create(size);
	long map = vmo < 0 ? vmo
	                   : sys_map(NULL, size, IRIS_PROT_READ | IRIS_PROT_WRITE, 0,
	                             (iris_handle_t)vmo, 0);
	long dup = map < 0 ? map
	                   : sys_handle_duplicate((iris_handle_t)vmo, IRIS_RIGHT_READ |
	                                                                      IRIS_RIGHT_WRITE |
	                                                                      IRIS_RIGHT_TRANSFER);
	int attach = dup < 0 ? (int)dup : raw_call(&c, BLK_OP_ATTACH, NULL, 0, (iris_handle_t)dup);
	bool ok = false;
	if (attach == 0) {
		uint8_t *buf = (uint8_t *)map;
		uint32_t n = (uint32_t)(half / SS);
		blk_pattern(buf, SS, 64, n, 4242);
		memset(buf + half, 0, half);
		struct blk_rw w = { .lba = 64, .offset = 0, .count = n };
		struct blk_rw r = { .lba = 64, .offset = half, .count = n };
		ok = raw_call(&c, BLK_OP_WRITE, &w, sizeof(w), IRIS_HANDLE_INVALID) == 0 &&
		     raw_call(&c, BLK_OP_READ, &r, sizeof(r), IRIS_HANDLE_INVALID) == 0 &&
		     blk_pattern_check(buf + half, SS, 64, n, 4242) < 0;
	}
	iris_chan_close(&c);
	if (map >= 0)
		sys_unmap((void *)map, size);
	if (vmo >= 0)
		sys_handle_close((iris_handle_t)vmo);
	printf("# attach without MAP: %d\n", attach);
	return ok;
}

/*
 * A client that leaves with 32 reads in flight into its 1 MiB buffer: the
 * driver pinned the buffer's pages for the disk's DMA; the reads still land
 * in them, and then every page is given back (the free-frame count returns
 * to where it was, within what the driver's own heap may take).
 */
static bool check_gone_client(struct disk *d)
{
	const size_t size = 1u << 20, pages = size / 4096;
	long before = sys_stat(IRIS_STAT_FRAMES_FREE);
	struct iris_chan c;
	if (iris_ns_connect(d->name, &c) < 0)
		return false;
	long vmo = sys_vmo_create(size);
	long dup = vmo < 0 ? vmo
	                   : sys_handle_duplicate((iris_handle_t)vmo, IRIS_RIGHT_READ |
	                                                                      IRIS_RIGHT_WRITE |
	                                                                      IRIS_RIGHT_TRANSFER);
	int attach = dup < 0 ? (int)dup : raw_call(&c, BLK_OP_ATTACH, NULL, 0, (iris_handle_t)dup);
	long pinned = sys_stat(IRIS_STAT_FRAMES_FREE);
	for (unsigned i = 0; attach == 0 && i < INFLIGHT; i++) {
		uint8_t msg[sizeof(struct iris_rpc_hdr) + sizeof(struct blk_rw)];
		struct iris_rpc_hdr hdr = { .id = 1000 + i, .op = BLK_OP_READ };
		struct blk_rw rw = { .lba = i * 64, .offset = i * 64 * SS, .count = 64 };
		memcpy(msg, &hdr, sizeof(hdr));
		memcpy(msg + sizeof(hdr), &rw, sizeof(rw));
		iris_chan_send(&c, msg, sizeof(msg), 0, IRIS_CHAN_FOREVER);
	}
	iris_chan_close(&c);
	if (vmo >= 0)
		sys_handle_close((iris_handle_t)vmo);
	long after = sys_stat(IRIS_STAT_FRAMES_FREE);
	for (int ms = 0; ms < 3000 && after + 16 < before; ms += 10) {
		sys_sleep(10000000);
		after = sys_stat(IRIS_STAT_FRAMES_FREE);
	}
	printf("# free frames: %ld before, %ld with the buffer pinned, %ld after\n", before, pinned,
	       after);
	/* (a client before this one may still be giving back its pages: 32 of slack) */
	return attach == 0 && pinned + (long)pages <= before + 32 && after + 16 >= before;
}

/*
 * Visitors: clients that come and go, one after the other, more of them
 * than the driver serves at once. Each is answered: the driver lets go of
 * every client that has left.
 */
static bool check_visitors(struct disk *d)
{
	for (int i = 0; i < VISITORS; i++) {
		struct iris_chan c;
		int r = iris_ns_connect(d->name, &c);
		if (r == 0) {
			r = raw_call(&c, BLK_OP_IDENTIFY, NULL, 0, IRIS_HANDLE_INVALID);
			iris_chan_close(&c);
		}
		if (r < 0) {
			printf("# client %d of %d: %d\n", i + 1, VISITORS, r);
			return false;
		}
	}
	return true;
}

/* Each disk holds its own data: the same LBA on every disk, a different pattern each. */
static bool check_separate(void)
{
	for (int i = 0; i < ndisks; i++) {
		blk_pattern(data, SS, 1, 8, 9000 + (uint64_t)i);
		if (blk_write(disks[i].b, 1, 8, data) < 0)
			return false;
	}
	for (int i = 0; i < ndisks; i++) {
		if (blk_read(disks[i].b, 1, 8, data) < 0 ||
		    blk_pattern_check(data, SS, 1, 8, 9000 + (uint64_t)i) >= 0)
			return false;
	}
	return true;
}

/* NAME:SECTORS[:BAD] */
static bool parse_disk(const char *arg, struct disk *d)
{
	char name[IRIS_NS_NAME_MAX];
	const char *colon = strchr(arg, ':');
	if (!colon || (size_t)(colon - arg) + sizeof(BLK_NAME_PREFIX) > sizeof(name))
		return false;
	memcpy(name, arg, (size_t)(colon - arg));
	name[colon - arg] = '\0';
	snprintf(d->name, sizeof(d->name), BLK_NAME_PREFIX "%s", name);
	char *end;
	d->sectors = strtoull(colon + 1, &end, 10);
	d->bad = NO_BAD;
	if (*end == ':')
		d->bad = strtoull(end + 1, &end, 10);
	return *end == '\0' && d->sectors >= 2 * MAX_XFER &&
	       (d->bad == NO_BAD || d->bad < d->sectors);
}

int main(int argc, char **argv)
{
	int checks = 1;
	for (int i = 1; i < argc && ndisks < MAX_DISKS; i++) {
		if (!parse_disk(argv[i], &disks[ndisks])) {
			printf("test_blk: bad disk argument %s (NAME:SECTORS[:BAD])\n", argv[i]);
			return 2;
		}
		checks += CHECKS + (disks[ndisks].bad != NO_BAD);
		ndisks++;
	}
	ktap_plan(checks);
	srand((unsigned)sys_clock_get(IRIS_CLOCK_MONOTONIC));
	for (int i = 0; i < ndisks; i++) {
		struct disk *d = &disks[i];
		int r = blk_open(d->name, INFLIGHT * 64 * SS, BLK_RECONNECT_NS, &d->b);
		const struct blk_identify *id = r == 0 ? blk_info(d->b) : NULL;
		if (!ktap_check(id && id->sectors == d->sectors && id->sector_size == SS &&
		                        id->max_sectors >= MAX_XFER,
		                "%s: open, IDENTIFY says %llu sectors of 512 bytes", d->name,
		                (unsigned long long)d->sectors)) {
			printf("# blk_open: %d; sectors %llu\n", r,
			       id ? (unsigned long long)id->sectors : 0ull);
			if (r == 0)
				blk_close(d->b);
			for (int k = 1; k < CHECKS + (d->bad != NO_BAD); k++)
				ktap_check(false, "%s: skipped, no disk", d->name);
			d->b = NULL;
			continue;
		}
		ktap_check(check_sizes(d), "%s: patterns of 1..256 sectors read back", d->name);
		ktap_check(check_edges(d), "%s: LBA 0 and the last LBAs", d->name);
		ktap_check(check_random(d), "%s: random LBAs and sizes", d->name);
		ktap_check(check_inflight(d), "%s: 32 writes then 32 reads in flight", d->name);
		ktap_check(blk_flush(d->b) == 0, "%s: flush", d->name);
		ktap_check(check_ordered(d),
		           "%s: ORDERED writes complete in order, the last one stays; FUA",
		           d->name);
		ktap_check(check_past_end(d), "%s: past the end: -ERANGE, the disk keeps working",
		           d->name);
		ktap_check(check_hostile(d), "%s: a client breaking the rules gets errors, no harm",
		           d->name);
		ktap_check(check_visitors(d), "%s: %d clients one after the other, each served",
		           d->name, VISITORS);
		ktap_check(check_unmappable(d),
		           "%s: a buffer the driver cannot map: the disk moves the data itself",
		           d->name);
		ktap_check(check_gone_client(d),
		           "%s: a client gone with 32 reads in flight: its pinned pages come back",
		           d->name);
		if (d->bad != NO_BAD)
			ktap_check(check_bad_sector(d),
			           "%s: a failing sector: -EIO for it alone, the rest correct",
			           d->name);
		ktap_check(check_inflight(d) && blk_flush(d->b) == 0,
		           "%s: still serving after all that", d->name);
	}
	bool all = ndisks > 0;
	for (int i = 0; i < ndisks; i++)
		all = all && disks[i].b;
	ktap_check(all && check_separate(), "%d disks keep their own data", ndisks);
	for (int i = 0; i < ndisks; i++)
		blk_close(disks[i].b);
	return ktap_done();
}
