/*
 * User address spaces: the regions a process has mapped (each backed by a
 * memory object), demand-zero page faults, map/unmap/protect, and TLB
 * shootdown across the CPUs that may cache the space's translations.
 */
#pragma once

#include <arch/paging.h>
#include <common/list.h>
#include <obj/vmo.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sync/spinlock.h>

/* User mappings live in [VM_USER_BASE, VM_USER_END); the first 64 KiB stay unmapped. */
#define VM_USER_BASE 0x10000ull
#define VM_USER_END  0x00007ffffffff000ull

struct vm_region {
	struct list_head link; /* in vm_space.regions, sorted by start */
	uintptr_t start, end;  /* page-aligned, end exclusive */
	unsigned prot;         /* IRIS_PROT_* */
	unsigned max_prot;     /* what vm_protect may grant: set from the handle's rights */
	struct vmo *vmo;       /* a reference */
	uint64_t offset;       /* byte offset of `start` in the object, page-aligned */
};

struct vm_space {
	struct address_space as;
	/*
	 * map_lock serialises map/unmap/protect including their TLB shootdown (taken
	 * with interrupts on, so the holder's shootdown IPIs are still served); an
	 * address range is free for reuse only once no CPU can hold a stale
	 * translation of it. `lock` guards the region list and page tables.
	 */
	spinlock_t map_lock;
	spinlock_t lock;
	struct list_head regions;
	uint32_t nregions;    /* at most IRIS_REGIONS_MAX */
	uint64_t resident;    /* pages mapped (under lock) */
	uint64_t cpus_active; /* bit i: CPU i has this space loaded (shootdown targets) */
};

/* Returns 0 or -ENOMEM. */
int vm_space_init(struct vm_space *vm);
/*
 * Unmaps everything and drops the memory objects (their frames go when
 * nothing else holds them). The page tables stay until vm_space_free(), as
 * other CPUs may still have them loaded while the space's last threads leave.
 */
void vm_space_release(struct vm_space *vm);
/* Frees the page tables; no CPU may have the space loaded any more. */
void vm_space_free(struct vm_space *vm);

/* Loads `vm` on this CPU (or the kernel's space for NULL), tracking cpus_active. */
void vm_space_activate(struct vm_space *vm, struct vm_space *prev);

/*
 * Maps `len` bytes of `vmo` (NULL: a fresh anonymous object) from `offset`,
 * at `addr` exactly with IRIS_MAP_FIXED (replacing nothing: -EEXIST if taken),
 * else at a free place (addr is a hint). Pages appear on first touch.
 * `max_prot` bounds what the mapping may ever be given (vm_protect included).
 * All arguments are checked before anything changes. Returns 0 and *out, or
 * -EINVAL (alignment, range, prot bits, offset beyond the object), -EACCES
 * (prot beyond max_prot), -ENOMEM, -EEXIST.
 */
int vm_map(struct vm_space *vm, uintptr_t addr, size_t len, unsigned prot, unsigned max_prot,
           unsigned flags, struct vmo *vmo, uint64_t offset, uintptr_t *out);

/* Unmaps [addr, addr+len) (page-aligned; holes are fine). -EINVAL on a bad range. */
int vm_unmap(struct vm_space *vm, uintptr_t addr, size_t len);

/*
 * Changes the protection of [addr, addr+len), which must be fully mapped
 * (-ENOMEM if not) by mappings whose max_prot allows `prot` (-EACCES if not).
 */
int vm_protect(struct vm_space *vm, uintptr_t addr, size_t len, unsigned prot);

/* Bits of the page-fault error code vm_fault() takes (as the CPU pushes it). */
#define PF_PRESENT  (1u << 0) /* a protection violation on a present entry */
#define PF_WRITE    (1u << 1)
#define PF_USER     (1u << 2)
#define PF_RESERVED (1u << 3) /* a reserved bit was set in an entry */
#define PF_FETCH    (1u << 4)
#define PF_PKEY     (1u << 5) /* a protection key denied it */

/* What vm_fault() made of a page fault. */
enum vm_fault_result {
	VM_FAULT_REFUSED, /* no retry can succeed: a real fault */
	VM_FAULT_MAPPED,  /* the page was mapped: retry */
	VM_FAULT_STALE,   /* the page table allows the access already (a stale TLB entry, now
	                     flushed): retry */
};

/*
 * Resolves a user page fault at `addr` with the x86 error code `err`: maps the
 * page if the region allows the access. Never answers "retry" for an access
 * the translation cannot satisfy: the space is not the one loaded on this
 * CPU, the present entry lacks the write, execute or user permission the
 * access needs, or a reserved bit or protection key caused the fault.
 */
enum vm_fault_result vm_fault(struct vm_space *vm, uintptr_t addr, uint64_t err);

/*
 * Writes `len` bytes into the space at `addr` through the memory objects
 * (from any context: no need to have the space loaded), as a store by the
 * process would, in a writable mapping. Returns 0, -EFAULT or -ENOMEM.
 */
int vm_write(struct vm_space *vm, uintptr_t addr, const void *src, size_t len);
