/*
 * The kernel heap.
 *
 * Small blocks come from slab caches. A slab is one frame from frame_alloc(),
 * used through the direct map: a struct slab_page header, then equal-sized
 * objects, so the slab of an object is its address rounded down to the page.
 * Free objects form a list through their first word and carry a poison value
 * in their second; freeing an object whose poison is intact is checked against
 * its slab's free list, which catches double frees without mistaking data that
 * merely looks like poison for one. Empty slabs go back to the frame allocator
 * except for one spare per cache.
 *
 * kmalloc() serves up to KMALLOC_MAX bytes from power-of-two caches of 16 to
 * 2048 bytes and larger blocks from vmm_alloc() in the kernel virtual window,
 * behind a 16-byte header holding their page count; kfree() tells the two
 * apart by address. Every block is 16-byte aligned.
 *
 * Lock order: a cache's lock, then the frame allocator's.
 *
 * Host unit tests (test/host/test_heap.c) include this file with IRIS_HOST_TEST
 * defined after providing spinlock_t, SPINLOCK_INIT, spin_lock_irqsave,
 * spin_unlock_irqrestore, panic, memset, phys_to_virt, virt_to_phys,
 * HHDM_BASE, HHDM_SIZE, KVWIN_BASE, KVWIN_SIZE, and frame_alloc, frame_free,
 * vmm_alloc and vmm_free.
 */
#include <mm/frame.h>
#include <mm/heap.h>
#include <stdint.h>
#include <x86_64/paging.h>

#ifndef IRIS_HOST_TEST
#include <debug/panic.h>
#include <lib/string.h>
#include <mm/layout.h>
#include <sync/spinlock.h>
#endif

#define KMALLOC_MIN_SHIFT 4
#define KMALLOC_CLASSES   8
#define KMALLOC_MAX       ((size_t)1 << (KMALLOC_MIN_SHIFT + KMALLOC_CLASSES - 1))
#define SLAB_ALIGN        16
#define SLAB_MAGIC        0x736c6162u /* "slab" */
#define FREE_POISON       0xf4eef4eef4eef4eeull
#define LARGE_MAGIC       0x6b636f6c62676962ull /* "bigblock" */

struct slab_cache {
	const char *name;
	size_t size;     /* object size, a multiple of SLAB_ALIGN */
	size_t per_slab; /* objects in one slab */
	bool kmalloc;    /* one of kmalloc's size classes */
	spinlock_t lock;
	struct slab_page *partial; /* slabs with both used and free objects */
	struct slab_page *spare;   /* an empty slab kept for the next allocation */
};

struct slab_page {
	struct slab_cache *cache;
	struct slab_page *prev, *next; /* on cache->partial */
	struct free_obj *free;
	uint32_t inuse;
	uint32_t magic;
};

/* What a free object holds. */
struct free_obj {
	struct free_obj *next;
	uint64_t poison;
};

/* What precedes a large block. */
struct large_hdr {
	size_t pages;
	uint64_t magic;
};

#define SLAB_HDR ((sizeof(struct slab_page) + SLAB_ALIGN - 1) & ~(size_t)(SLAB_ALIGN - 1))

_Static_assert(sizeof(struct large_hdr) == SLAB_ALIGN, "large blocks must stay 16-byte aligned");
_Static_assert(sizeof(struct free_obj) <= SLAB_ALIGN, "a free object must fit the smallest one");
_Static_assert(PAGE_SIZE - SLAB_HDR == 4048, "heap.h documents the largest slab object");

static struct slab_cache kmalloc_caches[KMALLOC_CLASSES];
static const char *const kmalloc_names[KMALLOC_CLASSES] = {
	"kmalloc-16",  "kmalloc-32",  "kmalloc-64",   "kmalloc-128",
	"kmalloc-256", "kmalloc-512", "kmalloc-1024", "kmalloc-2048",
};
static size_t heap_in_use;

static void slab_cache_setup(struct slab_cache *c, const char *name, size_t size, bool for_kmalloc)
{
	c->name = name;
	c->size = (size + SLAB_ALIGN - 1) & ~(size_t)(SLAB_ALIGN - 1);
	c->per_slab = (PAGE_SIZE - SLAB_HDR) / c->size;
	c->kmalloc = for_kmalloc;
	c->lock = (spinlock_t)SPINLOCK_INIT;
	c->partial = NULL;
	c->spare = NULL;
}

void heap_init(void)
{
	for (size_t i = 0; i < KMALLOC_CLASSES; i++)
		slab_cache_setup(&kmalloc_caches[i], kmalloc_names[i],
		                 (size_t)1 << (KMALLOC_MIN_SHIFT + i), true);
}

struct slab_cache *slab_cache_create(const char *name, size_t object_size)
{
	struct slab_cache *c;

	if (object_size == 0 || object_size > PAGE_SIZE - SLAB_HDR)
		return NULL;
	c = kmalloc(sizeof(*c));
	if (c)
		slab_cache_setup(c, name, object_size, false);
	return c;
}

static struct slab_page *slab_of(const void *obj)
{
	return (struct slab_page *)((uintptr_t)obj & ~(uintptr_t)(PAGE_SIZE - 1));
}

static void slab_list_add(struct slab_page **head, struct slab_page *s)
{
	s->prev = NULL;
	s->next = *head;
	if (*head)
		(*head)->prev = s;
	*head = s;
}

static void slab_list_del(struct slab_page **head, struct slab_page *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		*head = s->next;
	if (s->next)
		s->next->prev = s->prev;
}

/* Builds an empty slab for c in a fresh frame; NULL if memory is out. */
static struct slab_page *slab_new(struct slab_cache *c)
{
	paddr_t frame = frame_alloc();
	struct slab_page *s;
	struct free_obj **link;

	if (!frame)
		return NULL;
	s = phys_to_virt(frame);
	s->cache = c;
	s->inuse = 0;
	s->magic = SLAB_MAGIC;
	link = &s->free;
	for (size_t i = 0; i < c->per_slab; i++) {
		struct free_obj *o = (struct free_obj *)((char *)s + SLAB_HDR + i * c->size);

		o->poison = FREE_POISON;
		*link = o;
		link = &o->next;
	}
	*link = NULL;
	return s;
}

void *slab_alloc(struct slab_cache *c)
{
	struct free_obj *o = NULL;
	struct slab_page *s;
	bool irq = spin_lock_irqsave(&c->lock);

	s = c->partial;
	if (!s) {
		s = c->spare ? c->spare : slab_new(c);
		if (!s)
			goto out;
		c->spare = NULL;
		slab_list_add(&c->partial, s);
	}
	o = s->free;
	if (o->poison != FREE_POISON || (o->next && slab_of(o->next) != s))
		panic("slab %s: free object %p was overwritten (use after free?)", c->name,
		      (void *)o);
	s->free = o->next;
	o->poison = 0;
	if (++s->inuse == c->per_slab)
		slab_list_del(&c->partial, s);
out:
	spin_unlock_irqrestore(&c->lock, irq);
	return o;
}

/* Returns the slab holding obj, after checking obj is one of its objects; panics if not. */
static struct slab_page *slab_check(const void *obj)
{
	struct slab_page *s = slab_of(obj);
	size_t off = (size_t)((uintptr_t)obj - (uintptr_t)s);

	if ((uintptr_t)obj - HHDM_BASE >= HHDM_SIZE || s->magic != SLAB_MAGIC)
		panic("heap: %p is not a heap pointer", obj);
	if (off < SLAB_HDR || (off - SLAB_HDR) % s->cache->size != 0 ||
	    (off - SLAB_HDR) / s->cache->size >= s->cache->per_slab)
		panic("slab %s: %p is not the start of an object", s->cache->name, obj);
	return s;
}

static bool slab_is_free(const struct slab_page *s, const struct free_obj *o)
{
	for (const struct free_obj *f = s->free; f; f = f->next) {
		if (f == o)
			return true;
	}
	return false;
}

/* Puts obj, an object of slab s of cache c, back on its free list. */
static void slab_release(struct slab_cache *c, struct slab_page *s, void *obj)
{
	struct free_obj *o = obj;
	struct slab_page *empty = NULL;
	bool irq = spin_lock_irqsave(&c->lock);

	if (o->poison == FREE_POISON && slab_is_free(s, o))
		panic("slab %s: double free of %p", c->name, obj);
	o->next = s->free;
	o->poison = FREE_POISON;
	s->free = o;
	if (s->inuse-- == c->per_slab)
		slab_list_add(&c->partial, s);
	if (s->inuse == 0) {
		slab_list_del(&c->partial, s);
		if (c->spare)
			empty = s;
		else
			c->spare = s;
	}
	spin_unlock_irqrestore(&c->lock, irq);

	if (empty) {
		empty->magic = 0;
		frame_free(virt_to_phys(empty));
	}
}

void slab_free(struct slab_cache *c, void *obj)
{
	struct slab_page *s;

	if (!obj)
		return;
	s = slab_check(obj);
	if (s->cache != c)
		panic("slab %s: %p belongs to cache %s", c->name, obj, s->cache->name);
	slab_release(c, s, obj);
}

static void *large_alloc(size_t size)
{
	struct large_hdr *h;
	size_t pages;

	if (size >= KVWIN_SIZE)
		return NULL;
	pages = (size + sizeof(*h) + PAGE_SIZE - 1) / PAGE_SIZE;
	h = vmm_alloc(pages);
	if (!h)
		return NULL;
	h->pages = pages;
	h->magic = LARGE_MAGIC;
	__atomic_add_fetch(&heap_in_use, pages * PAGE_SIZE, __ATOMIC_RELAXED);
	return h + 1;
}

static void large_free(void *p)
{
	struct large_hdr *h = (struct large_hdr *)p - 1;
	size_t pages;

	if (((uintptr_t)h & (PAGE_SIZE - 1)) != 0 || h->magic != LARGE_MAGIC)
		panic("heap: %p is not a heap block", p);
	pages = h->pages;
	h->magic = 0;
	__atomic_sub_fetch(&heap_in_use, pages * PAGE_SIZE, __ATOMIC_RELAXED);
	vmm_free(h, pages);
}

/* The smallest kmalloc cache for size, 0 < size <= KMALLOC_MAX. */
static struct slab_cache *kmalloc_cache(size_t size)
{
	size_t i = 0;

	while (((size_t)1 << (KMALLOC_MIN_SHIFT + i)) < size)
		i++;
	return &kmalloc_caches[i];
}

void *kmalloc(size_t size)
{
	struct slab_cache *c;
	void *p;

	if (size == 0)
		return NULL;
	if (size > KMALLOC_MAX)
		return large_alloc(size);
	c = kmalloc_cache(size);
	p = slab_alloc(c);
	if (p)
		__atomic_add_fetch(&heap_in_use, c->size, __ATOMIC_RELAXED);
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	/* Large blocks come zeroed from vmm_alloc(). */
	if (p && size <= KMALLOC_MAX)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	struct slab_page *s;
	size_t size;

	if (!p)
		return;
	if ((uintptr_t)p - KVWIN_BASE < KVWIN_SIZE) {
		large_free(p);
		return;
	}
	s = slab_check(p);
	if (!s->cache->kmalloc)
		panic("kfree: %p belongs to slab cache %s", p, s->cache->name);
	size = s->cache->size;
	slab_release(s->cache, s, p);
	__atomic_sub_fetch(&heap_in_use, size, __ATOMIC_RELAXED);
}

size_t heap_bytes_in_use(void)
{
	return __atomic_load_n(&heap_in_use, __ATOMIC_RELAXED);
}
