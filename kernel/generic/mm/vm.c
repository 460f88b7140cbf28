/*
 * User address spaces. A space is a sorted list of regions, each a window
 * onto a memory object; page tables are filled lazily by vm_fault(). Every
 * operation checks its arguments and allocates what it may need before it
 * changes anything, so a failure leaves the space as it was. Changes that
 * remove or restrict translations are followed by a TLB shootdown on every
 * CPU that has the space loaded.
 */
#include <arch/paging.h>
#include <arch/percpu.h>
#include <arch/smp.h>
#include <common/string.h>
#include <iris/abi/errno.h>
#include <iris/abi/syscall.h>
#include <mm/heap.h>
#include <mm/layout.h>
#include <mm/vm.h>

#define PAGE_MASK     (PAGE_SIZE - 1)
#define MMAP_BASE     0x0000100000000000ull /* where mappings without a hint go */
#define FLUSH_ALL_MIN 32 /* pages: above this, flush all instead of page by page */

int vm_space_init(struct vm_space *vm)
{
	vm->lock = (spinlock_t)SPINLOCK_INIT;
	vm->map_lock = (spinlock_t)SPINLOCK_INIT;
	list_init(&vm->regions);
	vm->cpus_active = 0;
	vm->nregions = 0;
	return paging_space_create(&vm->as);
}

void vm_space_release(struct vm_space *vm)
{
	struct list_head *pos, *tmp;
	list_for_each_safe (pos, tmp, &vm->regions) {
		struct vm_region *r = list_entry(pos, struct vm_region, link);
		vm->resident -= paging_unmap_range(&vm->as, r->start, r->end);
		list_del(&r->link);
		kobject_put(&r->vmo->obj);
		kfree(r);
	}
	vm->nregions = 0;
}

void vm_space_free(struct vm_space *vm)
{
	if (vm->as.pml4)
		paging_space_destroy(&vm->as);
}

void vm_space_activate(struct vm_space *vm, struct vm_space *prev)
{
	uint64_t bit = 1ull << cpu_current()->id;
	struct address_space *as = vm ? &vm->as : &kernel_space;

	if (prev)
		__atomic_fetch_and(&prev->cpus_active, ~bit, __ATOMIC_RELEASE);
	if (vm && !(__atomic_load_n(&vm->cpus_active, __ATOMIC_RELAXED) & bit))
		__atomic_fetch_or(&vm->cpus_active, bit, __ATOMIC_ACQUIRE);
	if (!paging_is_active(as))
		paging_switch(as);
}

struct flush_req {
	struct vm_space *vm;
	uintptr_t start, end;
};

static void flush_local(void *arg)
{
	struct flush_req *f = arg;
	if (!paging_is_active(&f->vm->as))
		return;
	if ((f->end - f->start) / PAGE_SIZE > FLUSH_ALL_MIN) {
		paging_flush_all();
		return;
	}
	for (uintptr_t va = f->start; va < f->end; va += PAGE_SIZE)
		paging_flush(va);
}

/* Makes every CPU forget translations of [start, end) in `vm`. Call without vm->lock. */
static void tlb_shootdown(struct vm_space *vm, uintptr_t start, uintptr_t end)
{
	struct flush_req f = { vm, start, end };
	/* The page-table stores before must not pass the load of the CPU mask. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint64_t others =
	        __atomic_load_n(&vm->cpus_active, __ATOMIC_ACQUIRE) & ~(1ull << cpu_current()->id);
	if (others)
		smp_call_all(flush_local, &f);
	else
		flush_local(&f);
}

static unsigned map_flags(unsigned prot)
{
	unsigned f = MAP_USER;
	if (prot & IRIS_PROT_WRITE)
		f |= MAP_WRITE;
	if (prot & IRIS_PROT_EXEC)
		f |= MAP_EXEC;
	return f;
}

/* The region containing addr, or NULL. Lock held. */
static struct vm_region *region_find(struct vm_space *vm, uintptr_t addr)
{
	struct list_head *pos;
	list_for_each (pos, &vm->regions) {
		struct vm_region *r = list_entry(pos, struct vm_region, link);
		if (addr < r->start)
			return NULL;
		if (addr < r->end)
			return r;
	}
	return NULL;
}

static bool range_free(struct vm_space *vm, uintptr_t start, uintptr_t end)
{
	struct list_head *pos;
	list_for_each (pos, &vm->regions) {
		struct vm_region *r = list_entry(pos, struct vm_region, link);
		if (r->start < end && start < r->end)
			return false;
	}
	return true;
}

/* First gap of `len` bytes at or above `from`; 0 if none. Lock held. */
static uintptr_t find_gap(struct vm_space *vm, uintptr_t from, size_t len)
{
	uintptr_t at = from;
	struct list_head *pos;
	list_for_each (pos, &vm->regions) {
		struct vm_region *r = list_entry(pos, struct vm_region, link);
		if (r->end <= at)
			continue;
		if (r->start >= at + len)
			break;
		at = r->end;
	}
	return at + len <= VM_USER_END ? at : 0;
}

static void region_insert(struct vm_space *vm, struct vm_region *n)
{
	struct list_head *pos;
	list_for_each (pos, &vm->regions) {
		if (list_entry(pos, struct vm_region, link)->start > n->start)
			break;
	}
	list_add_tail(&n->link, pos);
}

int vm_map(struct vm_space *vm, uintptr_t addr, size_t len, unsigned prot, unsigned max_prot,
           unsigned flags, struct vmo *vmo, uint64_t offset, uintptr_t *out)
{
	if (len == 0 || len > VM_USER_END || (addr & PAGE_MASK) || (offset & PAGE_MASK) ||
	    (prot & ~(IRIS_PROT_READ | IRIS_PROT_WRITE | IRIS_PROT_EXEC)) ||
	    (flags & ~IRIS_MAP_FIXED))
		return -EINVAL;
	if (prot & ~max_prot)
		return -EACCES;
	len = (len + PAGE_MASK) & ~PAGE_MASK;
	if ((flags & IRIS_MAP_FIXED) && (addr < VM_USER_BASE || addr > VM_USER_END - len))
		return -EINVAL;
	if (vmo && (offset > vmo->npages * PAGE_SIZE || len > vmo->npages * PAGE_SIZE - offset))
		return -EINVAL;

	struct vm_region *r = kzalloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (vmo) {
		kobject_get(&vmo->obj);
	} else {
		vmo = vmo_create(len);
		if (!vmo) {
			kfree(r);
			return -ENOMEM;
		}
	}
	r->vmo = vmo;
	r->offset = offset;
	r->prot = prot;
	r->max_prot = max_prot;

	spin_lock(&vm->map_lock);
	bool irq = spin_lock_irqsave(&vm->lock);
	int err = 0;
	if (vm->nregions >= IRIS_REGIONS_MAX) {
		err = -ENOMEM;
	} else if (flags & IRIS_MAP_FIXED) {
		if (!range_free(vm, addr, addr + len))
			err = -EEXIST;
	} else {
		uintptr_t hint =
		        addr >= VM_USER_BASE && addr <= VM_USER_END - len ? addr : MMAP_BASE;
		addr = find_gap(vm, hint, len);
		if (!addr)
			addr = find_gap(vm, VM_USER_BASE, len);
		if (!addr)
			err = -ENOMEM;
	}
	if (!err) {
		r->start = addr;
		r->end = addr + len;
		region_insert(vm, r);
		vm->nregions++;
	}
	spin_unlock_irqrestore(&vm->lock, irq);
	spin_unlock(&vm->map_lock);
	if (err) {
		kobject_put(&vmo->obj);
		kfree(r);
		return err;
	}
	*out = addr;
	return 0;
}

/*
 * Splits `r` at `at` (strictly inside), using the preallocated `spare` for the
 * upper part, which gets its own reference to the memory object.
 */
static void region_split(struct vm_space *vm, struct vm_region *r, uintptr_t at,
                         struct vm_region *spare)
{
	*spare = *r;
	spare->start = at;
	spare->offset = r->offset + (at - r->start);
	kobject_get(&r->vmo->obj);
	r->end = at;
	list_add(&spare->link, &r->link);
	vm->nregions++;
}

/* How many regions cutting at `addr` and at `end` would add (0 to 2). Lock held. */
static int splits_needed(struct vm_space *vm, uintptr_t addr, uintptr_t end)
{
	int n = 0;
	struct list_head *pos;
	list_for_each (pos, &vm->regions) {
		struct vm_region *r = list_entry(pos, struct vm_region, link);
		n += r->start < addr && addr < r->end;
		n += r->start < end && end < r->end;
	}
	return n;
}

static bool range_ok(uintptr_t addr, size_t len)
{
	return len && !(addr & PAGE_MASK) && addr >= VM_USER_BASE && len <= VM_USER_END &&
	       addr <= VM_USER_END - ((len + PAGE_MASK) & ~PAGE_MASK);
}

int vm_unmap(struct vm_space *vm, uintptr_t addr, size_t len)
{
	if (!range_ok(addr, len))
		return -EINVAL;
	uintptr_t end = addr + ((len + PAGE_MASK) & ~PAGE_MASK);
	struct vm_region *spare = kzalloc(sizeof(*spare));
	if (!spare)
		return -ENOMEM;
	struct list_head dead;
	list_init(&dead);

	spin_lock(&vm->map_lock);
	bool irq = spin_lock_irqsave(&vm->lock);
	struct list_head *pos, *tmp;
	if (vm->nregions >= IRIS_REGIONS_MAX && splits_needed(vm, addr, end) > 0) {
		spin_unlock_irqrestore(&vm->lock, irq);
		spin_unlock(&vm->map_lock);
		kfree(spare);
		return -ENOMEM;
	}
	list_for_each_safe (pos, tmp, &vm->regions) {
		struct vm_region *r = list_entry(pos, struct vm_region, link);
		if (r->end <= addr || r->start >= end)
			continue;
		if (r->start < addr && r->end > end) {
			region_split(vm, r, end, spare); /* a hole in the middle */
			spare = NULL;
		}
		/* The frames belong to the memory object: only the entries go. */
		vm->resident -= paging_unmap_range(&vm->as, r->start > addr ? r->start : addr,
		                                   r->end < end ? r->end : end);
		if (r->start >= addr && r->end <= end) {
			list_del(&r->link);
			list_add(&r->link, &dead);
			vm->nregions--;
		} else if (r->start < addr) {
			r->end = addr;
		} else {
			r->offset += end - r->start;
			r->start = end;
		}
	}
	spin_unlock_irqrestore(&vm->lock, irq);
	tlb_shootdown(vm, addr, end);
	spin_unlock(&vm->map_lock);

	/* Only now may the memory objects (and their frames) go. */
	list_for_each_safe (pos, tmp, &dead) {
		struct vm_region *r = list_entry(pos, struct vm_region, link);
		kobject_put(&r->vmo->obj);
		kfree(r);
	}
	kfree(spare);
	return 0;
}

/*
 * Checks that [addr, end) is covered by regions without a gap (-ENOMEM) whose
 * max_prot allows `prot` (-EACCES). Lock held.
 */
static int range_check(struct vm_space *vm, uintptr_t addr, uintptr_t end, unsigned prot)
{
	struct list_head *pos;
	list_for_each (pos, &vm->regions) {
		struct vm_region *r = list_entry(pos, struct vm_region, link);
		if (r->end <= addr)
			continue;
		if (r->start > addr)
			return -ENOMEM;
		if (prot & ~r->max_prot)
			return -EACCES;
		addr = r->end;
		if (addr >= end)
			return 0;
	}
	return -ENOMEM;
}

int vm_protect(struct vm_space *vm, uintptr_t addr, size_t len, unsigned prot)
{
	if (!range_ok(addr, len) || (prot & ~(IRIS_PROT_READ | IRIS_PROT_WRITE | IRIS_PROT_EXEC)))
		return -EINVAL;
	uintptr_t end = addr + ((len + PAGE_MASK) & ~PAGE_MASK);
	struct vm_region *spare[2] = { kzalloc(sizeof(struct vm_region)),
		                       kzalloc(sizeof(struct vm_region)) };
	int err = 0;
	if (!spare[0] || !spare[1]) {
		err = -ENOMEM;
		goto out;
	}

	spin_lock(&vm->map_lock);
	bool irq = spin_lock_irqsave(&vm->lock);
	if ((err = range_check(vm, addr, end, prot)) == 0 &&
	    vm->nregions + splits_needed(vm, addr, end) > IRIS_REGIONS_MAX)
		err = -ENOMEM;
	if (err < 0) {
		spin_unlock_irqrestore(&vm->lock, irq);
		spin_unlock(&vm->map_lock);
		goto out;
	}
	struct list_head *pos;
	list_for_each (pos, &vm->regions) {
		struct vm_region *r = list_entry(pos, struct vm_region, link);
		if (r->end <= addr || r->start >= end)
			continue;
		if (r->start < addr) {
			region_split(vm, r, addr, spare[0]);
			spare[0] = NULL;
			continue; /* the upper half comes next in the list */
		}
		if (r->end > end) {
			region_split(vm, r, end, spare[1]);
			spare[1] = NULL;
		}
		r->prot = prot;
		if (prot == IRIS_PROT_NONE)
			vm->resident -= paging_unmap_range(&vm->as, r->start, r->end);
		else
			paging_protect_range(&vm->as, r->start, r->end,
			                     map_flags(prot) | r->vmo->map_flags);
	}
	spin_unlock_irqrestore(&vm->lock, irq);
	tlb_shootdown(vm, addr, end);
	spin_unlock(&vm->map_lock);
out:
	kfree(spare[0]);
	kfree(spare[1]);
	return err;
}

/* Whether a present entry with MAP_* `flags` permits an access with error code `err`. */
static bool pte_allows(unsigned flags, uint64_t err)
{
	return (!(err & PF_WRITE) || (flags & MAP_WRITE)) &&
	       (!(err & PF_FETCH) || (flags & MAP_EXEC)) &&
	       (!(err & PF_USER) || (flags & MAP_USER));
}

enum vm_fault_result vm_fault(struct vm_space *vm, uintptr_t addr, uint64_t err)
{
	uintptr_t page = addr & ~PAGE_MASK;
	enum vm_fault_result res = VM_FAULT_REFUSED;

	/* No entry of this space can fix a reserved bit, a key, or another space's walk. */
	if ((err & (PF_RESERVED | PF_PKEY)) || !paging_is_active(&vm->as))
		return VM_FAULT_REFUSED;
	bool irq = spin_lock_irqsave(&vm->lock);
	struct vm_region *r = region_find(vm, addr);
	if (!r || r->prot == IRIS_PROT_NONE || ((err & PF_WRITE) && !(r->prot & IRIS_PROT_WRITE)) ||
	    ((err & PF_FETCH) && !(r->prot & IRIS_PROT_EXEC)))
		goto out;
	paddr_t pa;
	unsigned flags;
	if (paging_query(&vm->as, page, &pa, &flags)) {
		/* Mapped already (another thread, or a stale TLB entry after a change). */
		if (pte_allows(flags, err)) {
			paging_flush(page);
			res = VM_FAULT_STALE;
		}
		goto out;
	}
	pa = vmo_get_page(r->vmo, (r->offset + (page - r->start)) / PAGE_SIZE);
	if (pa && paging_map(&vm->as, page, pa, map_flags(r->prot) | r->vmo->map_flags) == 0) {
		vm->resident++;
		res = VM_FAULT_MAPPED;
	}
out:
	spin_unlock_irqrestore(&vm->lock, irq);
	return res;
}

int vm_write(struct vm_space *vm, uintptr_t addr, const void *src, size_t len)
{
	const uint8_t *s = src;
	if (addr + len < addr || addr + len > VM_USER_END)
		return -EFAULT;
	bool irq = spin_lock_irqsave(&vm->lock);
	int err = 0;
	while (len > 0) {
		struct vm_region *r = region_find(vm, addr);
		if (!r || !(r->prot & IRIS_PROT_WRITE) || r->vmo->kind == VMO_PHYS) {
			err = -EFAULT;
			break;
		}
		uintptr_t page = addr & ~PAGE_MASK;
		size_t n = PAGE_SIZE - (addr - page) < len ? PAGE_SIZE - (addr - page) : len;
		paddr_t pa = vmo_get_page(r->vmo, (r->offset + (page - r->start)) / PAGE_SIZE);
		if (!pa) {
			err = -ENOMEM;
			break;
		}
		memcpy((uint8_t *)phys_to_virt(pa) + (addr - page), s, n);
		addr += n;
		s += n;
		len -= n;
	}
	spin_unlock_irqrestore(&vm->lock, irq);
	return err;
}
