/* Paging self tests: map, unmap, remap and permissions in the kernel address space. */
#include <iris/abi/errno.h>
#include <mm/frame.h>
#include <mm/kwindow.h>
#include <mm/layout.h>
#include <test/ktest.h>
#include <time.h>
#include <x86_64/cpu.h>
#include <x86_64/paging.h>

KTEST(paging_map_unmap_remap)
{
	paddr_t a = frame_alloc(), b = frame_alloc();
	KT_ASSERT(t, a && b);
	*(volatile uint64_t *)phys_to_virt(a) = 0x1111;
	*(volatile uint64_t *)phys_to_virt(b) = 0x2222;

	volatile uint64_t *win = kwindow_map_phys(a, PAGE_SIZE, MAP_WRITE);
	KT_ASSERT(t, win != NULL);
	KT_EXPECT(t, *win == 0x1111);
	*win = 0x3333; /* writes through the window land in the frame */
	KT_EXPECT(t, *(volatile uint64_t *)phys_to_virt(a) == 0x3333);

	uintptr_t va = (uintptr_t)win;
	KT_EXPECT(t, paging_map(&kernel_space, va, b, MAP_WRITE) == -EEXIST);
	KT_EXPECT(t, paging_unmap(&kernel_space, va) == a);
	paddr_t pa;
	KT_EXPECT(t, !paging_query(&kernel_space, va, &pa, NULL));
	KT_EXPECT(t, paging_map(&kernel_space, va, b, MAP_WRITE) == 0);
	KT_EXPECT(t, *win == 0x2222);
	KT_EXPECT(t, paging_query(&kernel_space, va, &pa, NULL) && pa == b);
	kwindow_unmap_phys((void *)win, PAGE_SIZE);
	frame_free(a);
	frame_free(b);
}

KTEST(paging_permissions)
{
	paddr_t a = frame_alloc();
	KT_ASSERT(t, a);
	void *p = kwindow_map_phys(a, PAGE_SIZE, MAP_READ);
	KT_ASSERT(t, p != NULL);
	unsigned flags;
	paddr_t pa;
	KT_ASSERT(t, paging_query(&kernel_space, (uintptr_t)p, &pa, &flags));
	KT_EXPECT(t, pa == a);
	KT_EXPECT(t, !(flags & MAP_WRITE) && !(flags & MAP_USER));
	KT_EXPECT(t, paging_protect(&kernel_space, (uintptr_t)p, MAP_WRITE | MAP_UC) == 0);
	KT_ASSERT(t, paging_query(&kernel_space, (uintptr_t)p, &pa, &flags));
	KT_EXPECT(t, (flags & MAP_WRITE) && (flags & MAP_UC));
	*(volatile uint32_t *)p = 0xfeed;
	KT_EXPECT(t, *(volatile uint32_t *)phys_to_virt(a) == 0xfeed);
	kwindow_unmap_phys(p, PAGE_SIZE);
	frame_free(a);

	/* The kernel image: text is not writable, data is not executable. */
	extern const char _text_start[], _data_start[];
	KT_ASSERT(t, paging_query(&kernel_space, (uintptr_t)_text_start, &pa, &flags));
	KT_EXPECT(t, !(flags & MAP_WRITE) && (flags & MAP_EXEC));
	KT_ASSERT(t, paging_query(&kernel_space, (uintptr_t)_data_start, &pa, &flags));
	KT_EXPECT(t, (flags & MAP_WRITE) && !(flags & MAP_EXEC));
}

KTEST(paging_address_spaces)
{
	struct address_space as;
	KT_ASSERT(t, paging_space_create(&as) == 0);
	paddr_t a = frame_alloc();
	KT_ASSERT(t, a);
	uintptr_t user_va = 0x400000;
	KT_EXPECT(t, paging_map(&as, user_va, a, MAP_WRITE | MAP_USER) == 0);
	paddr_t pa;
	unsigned flags;
	KT_EXPECT(t, paging_query(&as, user_va, &pa, &flags) && pa == a && (flags & MAP_USER));
	/* Not visible in the kernel's own space; the kernel half is shared. */
	KT_EXPECT(t, !paging_query(&kernel_space, user_va, &pa, NULL));
	extern const char _text_start[];
	KT_EXPECT(t, paging_query(&as, (uintptr_t)_text_start, &pa, NULL));
	size_t before = frame_count_free();
	KT_EXPECT(t, paging_unmap(&as, user_va) == a);
	paging_space_destroy(&as);
	KT_EXPECT(t, frame_count_free() > before);
	frame_free(a);
}

/* A freed kernel-window range is handed out again once every CPU has flushed (a tick later). */
KTEST(paging_window_reuse)
{
	void *a = kwindow_alloc(3);
	KT_ASSERT(t, a != NULL);
	kwindow_free(a, 3);
	bool irq = cpu_irq_save();
	cpu_irq_enable();
	time_delay_ns(50 * 1000 * 1000); /* a few 10 ms ticks on every CPU */
	cpu_irq_disable();
	cpu_irq_restore(irq);
	/* New ranges come from above every earlier one: at or below `a` means reused. */
	void *b = kwindow_alloc(3);
	KT_EXPECT(t, b != NULL && (uintptr_t)b <= (uintptr_t)a);
	kwindow_free(b, 3);
}
