/*
 * The checks blkserv.c makes on a client's request before the driver sees
 * it: pure functions of the request, the disk and the client's buffer, so
 * that a host test and a fuzz target reach them (test/host/test_blkcheck.c,
 * fuzz_blkcheck.c).
 */
#pragma once

#include <iris/proto/blk.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Checks a client's READ, WRITE or FLUSH request: `op` with its `len`
 * argument bytes at `args` (untrusted, any alignment) against the disk `id`
 * and the client's data buffer of `buf_size` bytes (0 when none is attached).
 * Returns 0 with the arguments in *rw (all zero for FLUSH); then for READ and
 * WRITE 1 <= rw->count <= id->max_sectors, rw->offset + rw->count *
 * id->sector_size <= buf_size and rw->lba + rw->count <= id->sectors, with no
 * sum or product overflowing. Otherwise returns -EINVAL (a wrong argument
 * length, nonzero reserved field, no buffer, count 0 or above max_sectors,
 * data not wholly inside the buffer), -ERANGE (sectors past the disk's end)
 * or -ENOSYS (any other op), and *rw is all zero.
 */
int blk_check_io(const struct blk_identify *id, size_t buf_size, uint16_t op, const void *args,
                 size_t len, struct blk_rw *rw);
