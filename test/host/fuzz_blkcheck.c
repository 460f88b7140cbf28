/*
 * libFuzzer target for the block protocol's request checks
 * (drivers/lib/src/blkcheck.c).
 *
 * Input: byte 0 picks the mode, then the disk and the buffer size (24
 * bytes), the op (2 bytes) and the request's arguments (the rest). Mode bit
 * 0 takes the disk and buffer size raw (any values); otherwise they are
 * mapped onto what a driver reports (a power-of-two sector size of
 * 512..65536, up to 128 KiB per request, a page-multiple buffer up to
 * BLK_BUFFER_MAX). Mode bit 1 takes the op raw, otherwise READ, WRITE or
 * FLUSH. Mode bit 2 takes the arguments raw (any length); otherwise one
 * struct blk_rw whose lba, offset and count are folded near the disk's and
 * the buffer's ends, so that a fair share of requests is accepted; its
 * offset is rounded down to BLK_OFFSET_ALIGN unless mode bit 6 is set.
 *
 * Oracle: blk_check_io's status equals that of a reference that decodes the
 * little-endian wire format itself and does its arithmetic in 128 bits (no
 * overflow possible); an accepted request has its arguments in *rw, a count
 * of 1..max_sectors, data inside the buffer at an aligned offset and
 * sectors inside the disk; a
 * refused one leaves *rw all zero. A broken promise traps. The deep checks
 * counted (fuzz_reached.h) are the accepted reads and writes.
 *
 * clang -std=c11 -Wall -Wextra -Werror -g -fsanitize=fuzzer,address,undefined \
 *   -fno-sanitize-recover=all -idirafter libc/include test/host/fuzz_blkcheck.c \
 *   drivers/lib/src/blkcheck.c -o /tmp/fuzz_blkcheck && /tmp/fuzz_blkcheck -max_total_time=60
 */
#include "../../drivers/lib/src/blkcheck.h"
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_REACHED_MIN 1000
#include "fuzz_reached.h"

#define HEADER  (1 + 24 + 2)
#define RW_SIZE 24 /* the wire size of struct blk_rw */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef unsigned __int128 u128;

static void expect(bool cond)
{
	if (!cond)
		__builtin_trap();
}

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* v folded into 0..n-1, or v itself when n is 0 (a count of 2^64 wrapped around). */
static uint64_t fold(uint64_t v, uint64_t n)
{
	return n ? v % n : v;
}

/* The protocol's rules (iris/blk.h), in 128-bit arithmetic. */
static int reference(const struct blk_identify *id, size_t buf_size, uint16_t op,
                     const uint8_t *args, size_t len)
{
	if (op == BLK_OP_FLUSH)
		return len == 0 ? 0 : -EINVAL;
	if (op != BLK_OP_READ && op != BLK_OP_WRITE)
		return -ENOSYS;
	if (len != RW_SIZE)
		return -EINVAL;
	uint64_t lba = le(args, 8), offset = le(args + 8, 8);
	uint32_t count = (uint32_t)le(args + 16, 4), flags = (uint32_t)le(args + 20, 4);
	uint32_t allowed = BLK_RW_ORDERED | (op == BLK_OP_WRITE ? BLK_RW_FUA : 0);
	if (buf_size == 0 || (flags & ~allowed) || count == 0 || count > id->max_sectors ||
	    (u128)offset + (u128)count * id->sector_size > buf_size || offset % BLK_OFFSET_ALIGN)
		return -EINVAL;
	if ((u128)lba + count > id->sectors)
		return -ERANGE;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEADER)
		return 0;
	uint8_t mode = data[0];
	struct blk_identify id = { 0 };
	size_t buf_size;
	if (mode & 1) {
		id.sectors = le(data + 1, 8);
		id.sector_size = (uint32_t)le(data + 9, 4);
		id.max_sectors = (uint32_t)le(data + 13, 4);
		buf_size = (size_t)le(data + 17, 8);
	} else {
		/* a disk of up to 2^48 sectors, a few small ones among them */
		id.sectors = le(data + 1, 8) >> (16 + data[9] % 48);
		id.sector_size = 512u << data[10] % 8;
		id.max_sectors = 1 + (uint32_t)le(data + 11, 2) % ((128u << 10) / id.sector_size);
		buf_size = (size_t)(le(data + 17, 2) % (BLK_BUFFER_MAX / 4096 + 1)) * 4096;
	}
	uint16_t op = (uint16_t)le(data + 25, 2);
	if (!(mode & 2)) {
		static const uint16_t io_ops[] = { BLK_OP_READ, BLK_OP_WRITE, BLK_OP_FLUSH };
		op = io_ops[op % 3];
	}
	const uint8_t *args = data + HEADER;
	size_t len = size - HEADER;
	uint8_t folded[RW_SIZE];
	if (!(mode & 4) && op != BLK_OP_FLUSH) {
		memset(folded, 0, sizeof(folded));
		memcpy(folded, args, len < RW_SIZE ? len : RW_SIZE);
		uint64_t lba = le(folded, 8), offset = le(folded + 8, 8);
		uint32_t count = (uint32_t)le(folded + 16, 4);
		/* near the ends: a few sectors or bytes either side of them */
		uint64_t span = id.max_sectors ? id.max_sectors : 1;
		lba = (mode & 8) ? id.sectors - span + lba % (2 * span) : fold(lba, id.sectors + 1);
		count = (uint32_t)fold(count, (uint64_t)id.max_sectors + 2);
		uint64_t bytes = (uint64_t)count * id.sector_size;
		offset = (mode & 16) ? buf_size - bytes + offset % 1024 - 512
		                     : fold(offset, (uint64_t)buf_size + 1);
		if (!(mode & 64)) /* mostly aligned, as clients send them */
			offset &= ~(uint64_t)(BLK_OFFSET_ALIGN - 1);
		put_le(folded, lba, 8);
		put_le(folded + 8, offset, 8);
		put_le(folded + 16, count, 4);
		if (!(mode & 32)) /* flags: mostly the known ones, raw otherwise */
			put_le(folded + 20, le(folded + 20, 4) & (BLK_RW_ORDERED | BLK_RW_FUA), 4);
		args = folded;
		len = RW_SIZE;
	} else if (!(mode & 4)) {
		len = 0; /* FLUSH */
	}

	struct blk_rw rw;
	memset(&rw, 0xa5, sizeof(rw));
	int status = blk_check_io(&id, buf_size, op, args, len, &rw);
	expect(status == reference(&id, buf_size, op, args, len));
	if (status < 0) {
		expect(rw.lba == 0 && rw.offset == 0 && rw.count == 0 && rw.flags == 0);
		return 0;
	}
	if (op == BLK_OP_FLUSH) {
		expect(len == 0 && rw.lba == 0 && rw.offset == 0 && rw.count == 0 && rw.flags == 0);
		return 0;
	}
	expect(op == BLK_OP_READ || op == BLK_OP_WRITE);
	expect(len == RW_SIZE);
	expect(rw.lba == le(args, 8) && rw.offset == le(args + 8, 8) &&
	       rw.count == le(args + 16, 4) && rw.flags == le(args + 20, 4));
	expect(rw.count >= 1 && rw.count <= id.max_sectors);
	expect((u128)rw.offset + (u128)rw.count * id.sector_size <= buf_size);
	expect(rw.offset % BLK_OFFSET_ALIGN == 0);
	expect((u128)rw.lba + rw.count <= id.sectors);
	fuzz_reached();
	return 0;
}
