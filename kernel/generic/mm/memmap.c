#include <console/log.h>
#include <mm/frame.h>
#include <mm/memmap.h>

void memmap_init_frames(const struct boot_info *bi, uint64_t kernel_start, uint64_t kernel_end)
{
	static struct mem_range usable[BOOT_MAX_MMAP];
	static struct mem_range reserved[BOOT_MAX_MODULES + 3];
	size_t nusable = 0, nreserved = 0;

	for (size_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mmap_entry *m = &bi->mmap[i];
		pr_debug("  memory %#014lx-%#014lx type %u\n", (unsigned long)m->base,
		         (unsigned long)(m->base + m->length), m->type);
		if (m->type == BOOT_MEM_USABLE)
			usable[nusable++] = (struct mem_range){ m->base, m->length };
	}
	reserved[nreserved++] = (struct mem_range){ 0, PAGE_SIZE };
	reserved[nreserved++] = (struct mem_range){ kernel_start, kernel_end - kernel_start };
	reserved[nreserved++] = (struct mem_range){ bi->mbi_phys, bi->mbi_size };
	for (size_t i = 0; i < bi->module_count; i++) {
		const struct boot_module *m = &bi->modules[i];
		reserved[nreserved++] = (struct mem_range){ m->start, m->end - m->start };
	}
	frame_init(usable, nusable, reserved, nreserved);
}
