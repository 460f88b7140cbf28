/* The block protocol's request checks (blkcheck.h). */
#include "blkcheck.h"
#include <errno.h>
#include <string.h>

int blk_check_io(const struct blk_identify *id, size_t buf_size, uint16_t op, const void *args,
                 size_t len, struct blk_rw *rw)
{
	memset(rw, 0, sizeof(*rw));
	if (op == BLK_OP_FLUSH)
		return len == 0 ? 0 : -EINVAL;
	if (op != BLK_OP_READ && op != BLK_OP_WRITE)
		return -ENOSYS;
	if (len != sizeof(*rw))
		return -EINVAL;
	struct blk_rw a;
	memcpy(&a, args, sizeof(a));
	uint64_t bytes = (uint64_t)a.count * id->sector_size;
	uint32_t allowed = BLK_RW_ORDERED | (op == BLK_OP_WRITE ? BLK_RW_FUA : 0);
	if (buf_size == 0 || (a.flags & ~allowed) || !a.count || a.count > id->max_sectors ||
	    a.offset > buf_size || bytes > buf_size - a.offset || a.offset % BLK_OFFSET_ALIGN)
		return -EINVAL;
	if (a.lba >= id->sectors || a.count > id->sectors - a.lba)
		return -ERANGE;
	*rw = a;
	return 0;
}
