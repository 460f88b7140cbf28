#include <console/log.h>
#include <console/logread.h>
#include <iris/abi/errno.h>
#include <iris/abi/syscall.h>
#include <mm/usercopy.h>
#include <obj/process.h>

#define LOG_FLAGS (IRIS_LOG_SHOWN | IRIS_LOG_CLAIM | IRIS_LOG_RELEASE)

long log_read_user(uintptr_t buf, size_t len, uintptr_t pos_ptr, uint64_t flags)
{
	uint64_t pos;
	char chunk[256];

	if ((flags & ~(uint64_t)LOG_FLAGS) ||
	    (flags & (IRIS_LOG_CLAIM | IRIS_LOG_RELEASE)) == (IRIS_LOG_CLAIM | IRIS_LOG_RELEASE))
		return -EINVAL;
	if (len > IRIS_LOG_READ_MAX)
		len = IRIS_LOG_READ_MAX;
	if (!user_range_ok(buf, len) || !user_range_ok(pos_ptr, sizeof(pos)))
		return -EFAULT;
	/* Read, then written back unchanged: the final copy-out cannot find it read-only. */
	if (copy_from_user(&pos, pos_ptr, sizeof(pos)) < 0 ||
	    copy_to_user(pos_ptr, &pos, sizeof(pos)) < 0)
		return -EFAULT;

	const struct process *self = process_current();
	if (flags & IRIS_LOG_RELEASE)
		return log_release(self);
	if (flags & IRIS_LOG_CLAIM) {
		int r = log_claim(self, &pos);
		if (r < 0)
			return r;
		return copy_to_user(pos_ptr, &pos, sizeof(pos)) < 0 ? -EFAULT : 0;
	}
	size_t done = 0;
	while (done < len) {
		size_t want = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		size_t n = log_read(self, flags & IRIS_LOG_SHOWN, &pos, chunk, want);
		if (n == 0)
			break;
		if (copy_to_user(buf + done, chunk, n) < 0)
			return -EFAULT;
		done += n;
	}
	if (copy_to_user(pos_ptr, &pos, sizeof(pos)) < 0)
		return -EFAULT;
	return (long)done;
}
