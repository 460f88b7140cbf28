/*
 * Host unit test of the block protocol's request checks
 * (drivers/lib/src/blkcheck.c): requests inside the buffer and the disk
 * pass unchanged; every malformed one gets its error, including those whose
 * sums or products would wrap around in 64 bits.
 */
#include "../../drivers/lib/src/blkcheck.h"
#include "check.h"
#include <errno.h>
#include <string.h>

#define MIB (1u << 20)

static struct blk_identify disk = { .sectors = 1000, .sector_size = 512, .max_sectors = 256 };
static struct blk_rw out;

static int check(uint16_t op, uint64_t lba, uint64_t offset, uint32_t count, size_t buf_size)
{
	struct blk_rw rw = { .lba = lba, .offset = offset, .count = count };
	return blk_check_io(&disk, buf_size, op, &rw, sizeof(rw), &out);
}

static int rw_zero(const struct blk_rw *rw)
{
	return rw->lba == 0 && rw->offset == 0 && rw->count == 0 && rw->flags == 0;
}

static void test_good(void)
{
	CHECK(check(BLK_OP_READ, 5, 4096, 3, MIB) == 0);
	CHECK(out.lba == 5 && out.offset == 4096 && out.count == 3 && out.flags == 0);
	CHECK(check(BLK_OP_WRITE, 0, 0, 1, MIB) == 0);
	CHECK(out.lba == 0 && out.offset == 0 && out.count == 1);
	/* the last sector, the whole buffer, the largest count */
	CHECK(check(BLK_OP_READ, 999, 0, 1, MIB) == 0);
	CHECK(check(BLK_OP_READ, 0, MIB - 256 * 512, 256, MIB) == 0);
	CHECK(check(BLK_OP_WRITE, 744, 0, 256, 128 * 1024) == 0);
	/* offsets are multiples of BLK_OFFSET_ALIGN: DMA engines need no more (nor less) */
	CHECK(check(BLK_OP_READ, 1, 4, 1, MIB) == 0 && out.offset == 4);
	CHECK(check(BLK_OP_READ, 1, 1, 1, MIB) == -EINVAL);
	CHECK(check(BLK_OP_WRITE, 1, 4098, 1, MIB) == -EINVAL);
}

static void test_buffer_bounds(void)
{
	/* the data must lie wholly inside the buffer */
	CHECK(check(BLK_OP_READ, 0, MIB - 512, 1, MIB) == 0);
	CHECK(check(BLK_OP_READ, 0, MIB - 508, 1, MIB) == -EINVAL);
	CHECK(check(BLK_OP_READ, 0, MIB, 1, MIB) == -EINVAL);
	CHECK(check(BLK_OP_READ, 0, MIB + 4096, 1, MIB) == -EINVAL);
	CHECK(check(BLK_OP_WRITE, 0, 4096, 2, 4096 + 1023) == -EINVAL);
	/* offset + bytes wraps around to a small number */
	CHECK(check(BLK_OP_READ, 0, UINT64_MAX - 511, 2, MIB) == -EINVAL);
	CHECK(check(BLK_OP_READ, 0, UINT64_MAX, 1, MIB) == -EINVAL);
	CHECK(check(BLK_OP_READ, 0, (uint64_t)1 << 63, 1, MIB) == -EINVAL);
	/* no buffer attached yet */
	CHECK(check(BLK_OP_READ, 0, 0, 1, 0) == -EINVAL);
	CHECK(rw_zero(&out));
}

static void test_count(void)
{
	CHECK(check(BLK_OP_READ, 0, 0, 0, MIB) == -EINVAL);
	CHECK(check(BLK_OP_READ, 0, 0, 257, MIB) == -EINVAL);
	CHECK(check(BLK_OP_READ, 0, 0, UINT32_MAX, MIB) == -EINVAL);

	/* count * sector_size past 32 bits, and a disk that allows any count */
	struct blk_identify saved = disk;
	disk = (struct blk_identify){ .sectors = UINT64_MAX,
		                      .sector_size = 65536,
		                      .max_sectors = UINT32_MAX };
	CHECK(check(BLK_OP_READ, 0, 0, 65536, (size_t)1 << 32) == 0);
	CHECK(check(BLK_OP_READ, 0, 0, 65537, (size_t)1 << 32) == -EINVAL);
	CHECK(check(BLK_OP_READ, 0, 0, UINT32_MAX, SIZE_MAX) == 0); /* 2^48 - 2^16 bytes */
	CHECK(check(BLK_OP_READ, 0, SIZE_MAX - 65539, 1, SIZE_MAX) == 0);
	CHECK(check(BLK_OP_READ, 0, SIZE_MAX - 65535, 1, SIZE_MAX) == -EINVAL);
	disk = saved;
}

static void test_disk_bounds(void)
{
	CHECK(check(BLK_OP_READ, 1000, 0, 1, MIB) == -ERANGE);
	CHECK(check(BLK_OP_WRITE, 999, 0, 2, MIB) == -ERANGE);
	CHECK(check(BLK_OP_READ, 745, 0, 256, MIB) == -ERANGE);
	/* lba + count wraps around past 2^64 */
	CHECK(check(BLK_OP_READ, UINT64_MAX, 0, 2, MIB) == -ERANGE);
	CHECK(check(BLK_OP_READ, UINT64_MAX - 1, 0, 2, MIB) == -ERANGE);
	CHECK(rw_zero(&out));
	/* a malformed request is -EINVAL even when it is also past the end */
	CHECK(check(BLK_OP_READ, 5000, 0, 0, MIB) == -EINVAL);
	CHECK(check(BLK_OP_READ, 5000, MIB, 1, MIB) == -EINVAL);

	struct blk_identify saved = disk;
	disk.sectors = 0; /* nothing to read on an empty disk */
	CHECK(check(BLK_OP_READ, 0, 0, 1, MIB) == -ERANGE);
	disk = saved;
}

static void test_malformed(void)
{
	/* flags: ORDERED on both, FUA on a WRITE only, nothing else */
	struct blk_rw rw = { .lba = 1, .offset = 0, .count = 1, .flags = BLK_RW_FUA };
	CHECK(blk_check_io(&disk, MIB, BLK_OP_READ, &rw, sizeof(rw), &out) == -EINVAL);
	CHECK(blk_check_io(&disk, MIB, BLK_OP_WRITE, &rw, sizeof(rw), &out) == 0 &&
	      out.flags == BLK_RW_FUA);
	rw.flags = BLK_RW_ORDERED;
	CHECK(blk_check_io(&disk, MIB, BLK_OP_READ, &rw, sizeof(rw), &out) == 0);
	rw.flags = BLK_RW_ORDERED | BLK_RW_FUA;
	CHECK(blk_check_io(&disk, MIB, BLK_OP_WRITE, &rw, sizeof(rw), &out) == 0);
	rw.flags = 4;
	CHECK(blk_check_io(&disk, MIB, BLK_OP_WRITE, &rw, sizeof(rw), &out) == -EINVAL);
	rw.flags = 0x80000000u;
	CHECK(blk_check_io(&disk, MIB, BLK_OP_WRITE, &rw, sizeof(rw), &out) == -EINVAL);
	rw.flags = 0;
	CHECK(blk_check_io(&disk, MIB, BLK_OP_READ, &rw, sizeof(rw), &out) == 0);
	/* the arguments' length is exactly one struct blk_rw */
	uint8_t big[64] = { 0 };
	memcpy(big, &rw, sizeof(rw));
	CHECK(blk_check_io(&disk, MIB, BLK_OP_READ, big, sizeof(rw) - 1, &out) == -EINVAL);
	CHECK(blk_check_io(&disk, MIB, BLK_OP_READ, big, sizeof(rw) + 1, &out) == -EINVAL);
	CHECK(blk_check_io(&disk, MIB, BLK_OP_READ, big, 0, &out) == -EINVAL);
	CHECK(blk_check_io(&disk, MIB, BLK_OP_READ, big, sizeof(big), &out) == -EINVAL);
	CHECK(rw_zero(&out));
	/* the arguments may sit at any alignment in the message */
	memmove(big + 3, big, sizeof(rw));
	CHECK(blk_check_io(&disk, MIB, BLK_OP_WRITE, big + 3, sizeof(rw), &out) == 0);
	CHECK(out.lba == 1 && out.count == 1);
}

static void test_flush(void)
{
	struct blk_rw rw = { .lba = 7, .offset = 8, .count = 9 };
	CHECK(blk_check_io(&disk, MIB, BLK_OP_FLUSH, NULL, 0, &out) == 0);
	CHECK(rw_zero(&out));
	CHECK(blk_check_io(&disk, 0, BLK_OP_FLUSH, NULL, 0, &out) == 0); /* needs no buffer */
	CHECK(blk_check_io(&disk, MIB, BLK_OP_FLUSH, &rw, sizeof(rw), &out) == -EINVAL);
	CHECK(blk_check_io(&disk, MIB, BLK_OP_FLUSH, &rw, 1, &out) == -EINVAL);
}

static void test_other_ops(void)
{
	struct blk_rw rw = { .lba = 0, .offset = 0, .count = 1 };
	static const uint16_t ops[] = { 0, BLK_OP_ATTACH, BLK_OP_IDENTIFY, BLK_OP_FLUSH + 1,
		                        0xffff };
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		CHECK(blk_check_io(&disk, MIB, ops[i], &rw, sizeof(rw), &out) == -ENOSYS);
		CHECK(blk_check_io(&disk, MIB, ops[i], NULL, 0, &out) == -ENOSYS);
	}
}

int main(void)
{
	test_good();
	test_buffer_bounds();
	test_count();
	test_disk_bounds();
	test_malformed();
	test_flush();
	test_other_ops();
	return check_done("blkcheck");
}
