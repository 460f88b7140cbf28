#include <iris/abi/errno.h>
#include <mm/layout.h>
#include <mm/usercopy.h>
#include <x86_64/idt.h>

long usercopy_raw(void *dst, const void *src, size_t len);
extern const char usercopy_raw_start[], usercopy_raw_end[], usercopy_raw_fixup[];

static const struct {
	const char *start, *end, *fixup;
} fixups[] = {
	{ usercopy_raw_start, usercopy_raw_end, usercopy_raw_fixup },
};

bool user_range_ok(uintptr_t addr, size_t len)
{
	return addr <= USER_SPACE_END && len <= USER_SPACE_END - addr;
}

int copy_from_user(void *dst, uintptr_t user_src, size_t len)
{
	if (!user_range_ok(user_src, len))
		return -EFAULT;
	return (int)usercopy_raw(dst, (const void *)user_src, len);
}

int copy_to_user(uintptr_t user_dst, const void *src, size_t len)
{
	if (!user_range_ok(user_dst, len))
		return -EFAULT;
	return (int)usercopy_raw((void *)user_dst, src, len);
}

/* The index of the copy routine containing `rip`, or -1. */
static int fixup_index(uintptr_t rip)
{
	for (size_t i = 0; i < sizeof(fixups) / sizeof(fixups[0]); i++)
		if (rip >= (uintptr_t)fixups[i].start && rip < (uintptr_t)fixups[i].end)
			return (int)i;
	return -1;
}

bool usercopy_contains(uintptr_t rip)
{
	return fixup_index(rip) >= 0;
}

bool usercopy_fixup(struct trap_frame *tf)
{
	int i = fixup_index(tf->rip);
	if (i < 0)
		return false;
	tf->rip = (uintptr_t)fixups[i].fixup;
	return true;
}
