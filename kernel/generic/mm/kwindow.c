/*
 * The kernel virtual window. Its mappings are not global (MAP_LOCAL), so
 * every paging_flush_all() drops them from that CPU's TLB. A freed range is
 * quarantined with the epoch of its release; every CPU flushes on its next
 * timer tick once it sees a newer epoch than it last flushed for
 * (kwindow_tick), and a range is handed out again only when every online CPU
 * has flushed since its release. So no CPU can reach a reused address
 * through a stale translation, and no unmap has to wait for other CPUs. New
 * ranges come from the top of what was ever used.
 */
#include <arch/paging.h>
#include <arch/percpu.h>
#include <mm/kwindow.h>
#include <mm/layout.h>
#include <sync/spinlock.h>

#define KVA_QUARANTINE 1024

struct kva_hole {
	uintptr_t va;
	size_t pages;
	uint64_t epoch;
};

static uintptr_t kva_next = KVWIN_BASE;
static uint64_t kva_epoch = 1;
static struct kva_hole kva_holes[KVA_QUARANTINE];
static size_t kva_nholes;
static spinlock_t kva_lock = SPINLOCK_INIT;
static uint64_t kva_flushed[MAX_CPUS]; /* per CPU: the epoch it last flushed for */

void kwindow_tick(void)
{
	struct cpu *self = cpu_current();
	uint64_t epoch = __atomic_load_n(&kva_epoch, __ATOMIC_ACQUIRE);
	if (kva_flushed[self->id] == epoch)
		return;
	paging_flush_all();
	__atomic_store_n(&kva_flushed[self->id], epoch, __ATOMIC_RELEASE);
}

/* The oldest epoch some online CPU may still hold translations from. Lock held. */
static uint64_t kva_safe_epoch(void)
{
	uint64_t safe = UINT64_MAX;
	for (unsigned i = 0; i < cpu_count; i++) {
		if (!__atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE) && i != 0)
			continue;
		uint64_t f = __atomic_load_n(&kva_flushed[i], __ATOMIC_ACQUIRE);
		if (f < safe)
			safe = f;
	}
	return safe;
}

static uintptr_t kva_alloc(size_t pages)
{
	uintptr_t va = 0;
	bool irq = spin_lock_irqsave(&kva_lock);
	uint64_t safe = kva_safe_epoch();
	for (size_t i = 0; i < kva_nholes; i++) {
		struct kva_hole *h = &kva_holes[i];
		if (h->pages < pages || h->epoch > safe)
			continue;
		va = h->va;
		h->va += pages * PAGE_SIZE;
		h->pages -= pages;
		if (h->pages == 0)
			kva_holes[i] = kva_holes[--kva_nholes];
		break;
	}
	if (!va && kva_next + pages * PAGE_SIZE <= KVWIN_BASE + KVWIN_SIZE &&
	    pages <= KVWIN_SIZE / PAGE_SIZE) {
		va = kva_next;
		kva_next += pages * PAGE_SIZE;
	}
	spin_unlock_irqrestore(&kva_lock, irq);
	return va;
}

/* Quarantines a freed range (or, with no room left to track it, gives the addresses up). */
static void kva_release(uintptr_t va, size_t pages)
{
	bool irq = spin_lock_irqsave(&kva_lock);
	uint64_t epoch = __atomic_add_fetch(&kva_epoch, 1, __ATOMIC_ACQ_REL);
	if (kva_nholes < KVA_QUARANTINE)
		kva_holes[kva_nholes++] = (struct kva_hole){ va, pages, epoch };
	spin_unlock_irqrestore(&kva_lock, irq);
}

/*
 * Frees the page tables of the window that no longer map anything in
 * [va, va + pages): the addresses are never handed out again, so an empty
 * table would only be memory lost.
 */
static void kva_prune(uintptr_t va, size_t pages)
{
	uintptr_t end = va + pages * PAGE_SIZE;
	for (uintptr_t span = va & ~(PAGING_TABLE_SPAN - 1); span < end;
	     span += PAGING_TABLE_SPAN) {
		if (span + PAGING_TABLE_SPAN > __atomic_load_n(&kva_next, __ATOMIC_RELAXED))
			break; /* the frontier: still being handed out */
		paging_prune_table(&kernel_space, span);
	}
}

static void kva_unmap(uintptr_t va, size_t pages, bool free_frames)
{
	for (size_t i = 0; i < pages; i++) {
		paddr_t pa = paging_unmap(&kernel_space, va + i * PAGE_SIZE);
		if (pa && free_frames)
			frame_free(pa);
	}
	kva_prune(va, pages);
	kva_release(va, pages);
}

void *kwindow_map_phys(paddr_t pa, size_t size, unsigned flags)
{
	paddr_t first = pa & ~(PAGE_SIZE - 1);
	if (size == 0 || pa + size < pa)
		return NULL;
	size_t pages = (pa + size - first + PAGE_SIZE - 1) / PAGE_SIZE;
	uintptr_t va = kva_alloc(pages);
	if (!va)
		return NULL;
	for (size_t i = 0; i < pages; i++) {
		if (paging_map(&kernel_space, va + i * PAGE_SIZE, first + i * PAGE_SIZE,
		               flags | MAP_LOCAL) < 0) {
			kva_unmap(va, i, false);
			return NULL;
		}
	}
	return (void *)(va + (pa - first));
}

void kwindow_unmap_phys(void *va, size_t size)
{
	uintptr_t start = (uintptr_t)va & ~(PAGE_SIZE - 1);
	size_t pages = ((uintptr_t)va + size - start + PAGE_SIZE - 1) / PAGE_SIZE;
	kva_unmap(start, pages, false);
}

/* Backs `pages` pages from `va + guard` pages of a fresh window block with zeroed frames. */
static void *kwindow_alloc_guarded(size_t pages, size_t guard)
{
	if (pages == 0 || pages > KVWIN_SIZE / PAGE_SIZE)
		return NULL;
	uintptr_t base = kva_alloc(pages + guard);
	if (!base)
		return NULL;
	uintptr_t va = base + guard * PAGE_SIZE;
	for (size_t i = 0; i < pages; i++) {
		paddr_t pa = frame_alloc();
		if (!pa ||
		    paging_map(&kernel_space, va + i * PAGE_SIZE, pa, MAP_WRITE | MAP_LOCAL) < 0) {
			if (pa)
				frame_free(pa);
			kva_unmap(va, i, true);
			return NULL;
		}
	}
	return (void *)va;
}

void *kwindow_alloc(size_t pages)
{
	return kwindow_alloc_guarded(pages, 0);
}

void kwindow_free(void *va, size_t pages)
{
	kva_unmap((uintptr_t)va, pages, true);
}

void *kwindow_alloc_stack(size_t pages)
{
	return kwindow_alloc_guarded(pages, 1);
}

void kwindow_free_stack(void *va, size_t pages)
{
	kva_unmap((uintptr_t)va - PAGE_SIZE, pages + 1, true);
}
