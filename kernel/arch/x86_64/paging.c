/*
 * 4-level page tables: the kernel address space (direct map of physical
 * memory, kernel image with per-section permissions, the kernel virtual
 * window), per-address-space PML4s, and map/unmap/protect/query.
 */
#include <arch/percpu.h>
#include <boot/bootinfo.h>
#include <common/string.h>
#include <console/log.h>
#include <debug/panic.h>
#include <iris/abi/errno.h>
#include <mm/layout.h>
#include <sync/spinlock.h>
#include <x86_64/cpu.h>
#include <x86_64/paging.h>

#define LARGE_PAGE (2ull << 20)
#define ENTRIES    512

/* PAT layout set by paging_init_cpu(): index 1 (PWT) = write-combining, 3 (PCD|PWT) = uncached. */
#define PAT_VALUE 0x0007010600070106ull

struct address_space kernel_space;

extern const char _text_start[], _text_end[], _rodata_start[], _rodata_end[];
extern const char _data_start[], _data_end[];

static uint64_t nx_bit;   /* PTE_NX if the CPU has NX, else 0 */
static bool early = true; /* only the first 4 GiB are mapped until paging_init ends */
static spinlock_t pt_lock = SPINLOCK_INIT;

static unsigned pt_index(uintptr_t va, int level)
{
	return (va >> (12 + 9 * (level - 1))) & 0x1ff;
}

static uint64_t *pt_virt(paddr_t pa)
{
	return phys_to_virt(pa);
}

/* Returns a zeroed page-table frame, or 0 if memory is exhausted. */
static paddr_t pt_alloc(void)
{
	if (!early)
		return frame_alloc();
	paddr_t pa = frame_alloc_contig(1, 1, FRAME_LOW32);
	if (pa)
		memset(pt_virt(pa), 0, PAGE_SIZE);
	return pa;
}

static uint64_t pte_flags(unsigned flags)
{
	uint64_t f = PTE_P;
	if (flags & MAP_WRITE)
		f |= PTE_W;
	if (flags & MAP_USER)
		f |= PTE_U;
	else if (!(flags & MAP_LOCAL))
		f |= PTE_G;
	if (!(flags & MAP_EXEC))
		f |= nx_bit;
	if (flags & MAP_UC)
		f |= PTE_PCD | PTE_PWT;
	else if (flags & MAP_WC)
		f |= PTE_PWT;
	return f;
}

static unsigned flags_from_pte(uint64_t pte)
{
	unsigned f = MAP_READ;
	if (pte & PTE_W)
		f |= MAP_WRITE;
	if (pte & PTE_U)
		f |= MAP_USER;
	if (!(pte & nx_bit) || !nx_bit)
		f |= MAP_EXEC;
	if ((pte & (PTE_PCD | PTE_PWT)) == (PTE_PCD | PTE_PWT))
		f |= MAP_UC;
	else if (pte & PTE_PWT)
		f |= MAP_WC;
	return f;
}

/*
 * Returns the address of the entry for `va` at `level` (1 = PT), creating the
 * tables above it when `create` is set. Returns NULL if a table is missing
 * (and not created), memory runs out, or a large page is in the way.
 */
static uint64_t *pt_walk(struct address_space *as, uintptr_t va, int level, bool create)
{
	uint64_t *table = pt_virt(as->pml4);
	for (int l = 4; l > level; l--) {
		uint64_t *e = &table[pt_index(va, l)];
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			paddr_t pa = pt_alloc();
			if (!pa)
				return NULL;
			/* Intermediate entries are permissive; the leaf decides. */
			*e = pa | PTE_P | PTE_W | (va < USER_SPACE_END ? PTE_U : 0);
		} else if (*e & PTE_PS) {
			return NULL;
		}
		table = pt_virt(*e & PTE_ADDR);
	}
	return &table[pt_index(va, level)];
}

int paging_map(struct address_space *as, uintptr_t va, paddr_t pa, unsigned flags)
{
	bool irq = spin_lock_irqsave(&pt_lock);
	int r = 0;
	uint64_t *e = pt_walk(as, va, 1, true);
	if (!e)
		r = -ENOMEM;
	else if (*e & PTE_P)
		r = -EEXIST;
	else
		*e = (pa & PTE_ADDR) | pte_flags(flags);
	spin_unlock_irqrestore(&pt_lock, irq);
	return r;
}

paddr_t paging_unmap(struct address_space *as, uintptr_t va)
{
	bool irq = spin_lock_irqsave(&pt_lock);
	paddr_t pa = 0;
	uint64_t *e = pt_walk(as, va, 1, false);
	if (e && (*e & PTE_P)) {
		pa = *e & PTE_ADDR;
		*e = 0;
		invlpg(va);
	}
	spin_unlock_irqrestore(&pt_lock, irq);
	return pa;
}

int paging_protect(struct address_space *as, uintptr_t va, unsigned flags)
{
	bool irq = spin_lock_irqsave(&pt_lock);
	int r = -ENOENT;
	uint64_t *e = pt_walk(as, va, 1, false);
	if (e && (*e & PTE_P)) {
		*e = (*e & PTE_ADDR) | pte_flags(flags);
		invlpg(va);
		r = 0;
	}
	spin_unlock_irqrestore(&pt_lock, irq);
	return r;
}

/*
 * Calls fn on every present leaf entry for [start, end), skipping absent
 * tables a whole subtree at a time. Lock held.
 */
static size_t pt_for_range(struct address_space *as, uintptr_t start, uintptr_t end,
                           void (*fn)(uint64_t *pte, uintptr_t va, unsigned flags), unsigned flags)
{
	size_t n = 0;
	uintptr_t va = start;
	while (va < end) {
		uint64_t *table = pt_virt(as->pml4);
		int level = 4;
		for (; level > 1; level--) {
			uint64_t e = table[pt_index(va, level)];
			if (!(e & PTE_P) || (e & PTE_PS))
				break;
			table = pt_virt(e & PTE_ADDR);
		}
		uint64_t span = 1ull << (12 + 9 * (level - 1));
		uint64_t *e = &table[pt_index(va, level)];
		if (level == 1 && (*e & PTE_P)) {
			fn(e, va, flags);
			n++;
		}
		uintptr_t next = (va & ~(span - 1)) + span;
		if (next <= va)
			break; /* wrapped at the top of the address space */
		va = next;
	}
	return n;
}

static void pte_clear(uint64_t *pte, uintptr_t va, unsigned flags)
{
	(void)flags;
	*pte = 0;
	invlpg(va);
}

static void pte_reprotect(uint64_t *pte, uintptr_t va, unsigned flags)
{
	*pte = (*pte & PTE_ADDR) | pte_flags(flags);
	invlpg(va);
}

size_t paging_unmap_range(struct address_space *as, uintptr_t start, uintptr_t end)
{
	bool irq = spin_lock_irqsave(&pt_lock);
	size_t n = pt_for_range(as, start, end, pte_clear, 0);
	spin_unlock_irqrestore(&pt_lock, irq);
	return n;
}

size_t paging_protect_range(struct address_space *as, uintptr_t start, uintptr_t end,
                            unsigned flags)
{
	bool irq = spin_lock_irqsave(&pt_lock);
	size_t n = pt_for_range(as, start, end, pte_reprotect, flags);
	spin_unlock_irqrestore(&pt_lock, irq);
	return n;
}

bool paging_query(struct address_space *as, uintptr_t va, paddr_t *pa, unsigned *flags)
{
	uint64_t *table = pt_virt(as->pml4);
	for (int l = 4; l >= 1; l--) {
		uint64_t e = table[pt_index(va, l)];
		if (!(e & PTE_P))
			return false;
		if (l == 1 || (l <= 3 && (e & PTE_PS))) {
			uint64_t page = 1ull << (12 + 9 * (l - 1));
			*pa = (e & PTE_ADDR & ~(page - 1)) + (va & (page - 1));
			if (flags)
				*flags = flags_from_pte(e);
			return true;
		}
		table = pt_virt(e & PTE_ADDR);
	}
	return false;
}

void paging_flush(uintptr_t va)
{
	invlpg(va);
}

/* Maps [pa, pa+len) at HHDM_BASE+pa: 2 MiB pages where a whole one fits, 4 KiB at the edges. */
static void map_direct_range(paddr_t pa, uint64_t len)
{
	paddr_t end = (pa + len) & ~(PAGE_SIZE - 1);
	pa = (pa + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	uint64_t flags = PTE_P | PTE_W | PTE_G | nx_bit;

	while (pa < end) {
		uintptr_t va = (uintptr_t)phys_to_virt(pa);
		if ((pa & (LARGE_PAGE - 1)) == 0 && end - pa >= LARGE_PAGE) {
			uint64_t *e = pt_walk(&kernel_space, va, 2, true);
			if (!e)
				panic("out of memory building the direct map");
			if (!(*e & PTE_P))
				*e = pa | flags | PTE_PS;
			pa += LARGE_PAGE;
		} else {
			uint64_t *e = pt_walk(&kernel_space, va, 1, true);
			if (!e)
				panic("out of memory building the direct map");
			*e = pa | flags;
			pa += PAGE_SIZE;
		}
	}
}

static void map_kernel_section(const char *start, const char *end, unsigned flags)
{
	for (uintptr_t va = (uintptr_t)start; va < (uintptr_t)end; va += PAGE_SIZE) {
		uint64_t *e = pt_walk(&kernel_space, va, 1, true);
		if (!e)
			panic("out of memory mapping the kernel image");
		*e = kernel_to_phys((const void *)va) | pte_flags(flags);
	}
}

void paging_init_cpu(void)
{
	uint32_t a, b, c, d;

	wrmsr(MSR_PAT, PAT_VALUE);
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	if (d & (1u << 20)) {
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
		nx_bit = PTE_NX;
	}
	write_cr4(read_cr4() | CR4_PGE);
	write_cr0(read_cr0() | CR0_WP);
}

void paging_init(void)
{
	paging_init_cpu();
	kernel_space.pml4 = pt_alloc();
	if (!kernel_space.pml4)
		panic("no memory for the kernel page tables");

	/* Every kernel-half PDPT exists from now on, so all address spaces share them. */
	uint64_t *pml4 = pt_virt(kernel_space.pml4);
	for (unsigned i = ENTRIES / 2; i < ENTRIES; i++) {
		paddr_t pdpt = pt_alloc();
		if (!pdpt)
			panic("no memory for the kernel page tables");
		pml4[i] = pdpt | PTE_P | PTE_W;
	}

	for (size_t i = 0; i < boot_info.mmap_count; i++) {
		const struct boot_mmap_entry *m = &boot_info.mmap[i];
		if (m->type == BOOT_MEM_USABLE || m->type == BOOT_MEM_ACPI_RECLAIMABLE ||
		    m->type == BOOT_MEM_ACPI_NVS)
			map_direct_range(m->base, m->length);
	}
	/* The first MiB (BIOS data, EBDA, option ROMs) is read by firmware-table scans. */
	map_direct_range(0, 1ull << 20);

	map_kernel_section(_text_start, _text_end, MAP_EXEC);
	map_kernel_section(_rodata_start, _rodata_end, MAP_READ);
	map_kernel_section(_data_start, _data_end, MAP_WRITE);

	write_cr3(kernel_space.pml4);
	early = false;
}

int paging_space_create(struct address_space *as)
{
	paddr_t pml4 = frame_alloc();
	if (!pml4)
		return -ENOMEM;
	memcpy(pt_virt(pml4) + ENTRIES / 2, pt_virt(kernel_space.pml4) + ENTRIES / 2,
	       ENTRIES / 2 * sizeof(uint64_t));
	as->pml4 = pml4;
	return 0;
}

static void free_table(paddr_t table, int level)
{
	uint64_t *t = pt_virt(table);
	if (level > 1) {
		for (unsigned i = 0; i < ENTRIES; i++) {
			if ((t[i] & PTE_P) && !(t[i] & PTE_PS))
				free_table(t[i] & PTE_ADDR, level - 1);
		}
	}
	frame_free(table);
}

void paging_space_destroy(struct address_space *as)
{
	uint64_t *pml4 = pt_virt(as->pml4);
	for (unsigned i = 0; i < ENTRIES / 2; i++) {
		if (pml4[i] & PTE_P)
			free_table(pml4[i] & PTE_ADDR, 3);
	}
	frame_free(as->pml4);
	as->pml4 = 0;
}

void paging_switch(struct address_space *as)
{
	write_cr3(as->pml4);
}

void paging_flush_all(void)
{
	write_cr3(read_cr3());
}

bool paging_is_active(const struct address_space *as)
{
	return read_cr3() == as->pml4;
}

void paging_prune_table(struct address_space *as, uintptr_t va)
{
	bool irq = spin_lock_irqsave(&pt_lock);
	uint64_t *pde = pt_walk(as, va, 2, false);
	if (pde && (*pde & PTE_P) && !(*pde & PTE_PS)) {
		uint64_t *pt = pt_virt(*pde & PTE_ADDR);
		unsigned used = 0;
		for (unsigned i = 0; i < ENTRIES && !used; i++)
			used = (pt[i] & PTE_P) != 0;
		if (!used) {
			paddr_t table = *pde & PTE_ADDR;
			*pde = 0;
			frame_free(table);
		}
	}
	spin_unlock_irqrestore(&pt_lock, irq);
}
