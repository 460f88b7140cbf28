/*
 * The kernel heap.
 *
 * Small blocks come from slab caches. A slab is one frame from frame_alloc(),
 * used through the direct map: a struct slab_page header, one struct
 * obj_track per object, then the equal-sized objects, so the slab of an object
 * is its address rounded down to the page. Free objects form a list through
 * their first word and carry a poison value in their second; freeing an
 * object whose poison is intact is checked against its slab's free list, which
 * catches double frees without mistaking data that merely looks like poison
 * for one. Empty slabs go back to the frame allocator except for one spare
 * per cache.
 *
 * Each object's obj_track remembers who allocated it and who freed it last
 * (the callers of kmalloc/slab_alloc and kfree/slab_free), so a use after
 * free, a double free or a damaged redzone is reported with the code that
 * owned the object. Built with KERNEL_HEAP_DEBUG (meson option
 * kernel_heap_debug), the heap also:
 *   - keeps the last HEAP_TRACE_DEPTH callers of both, the size asked for, and
 *     the CPU and time of the free;
 *   - fills a freed object with the free poison and checks all of it when the
 *     object is handed out again (without the option only the second word is
 *     poisoned and checked);
 *   - surrounds every slab object with REDZONE bytes of REDZONE_BYTE on each
 *     side, and fills the slack between the size asked for and the object's
 *     size class with them too; both are checked on free and on reuse;
 *   - fills the tail of a large block's last page with REDZONE_BYTE and checks
 *     it on free.
 *
 * kmalloc() serves up to KMALLOC_MAX bytes from power-of-two caches of 16 to
 * 2048 bytes and larger blocks from kwindow_alloc() in the kernel virtual window,
 * behind a 16-byte header holding their size and allocation site; kfree()
 * tells the two apart by address. Every block is 16-byte aligned.
 *
 * Lock order: a cache's lock, then the frame allocator's.
 *
 * Host unit tests (test/host/test_heap.c) include this file with IRIS_HOST_TEST
 * defined after providing spinlock_t, SPINLOCK_INIT, spin_lock_irqsave,
 * spin_unlock_irqrestore, panic, memset, fmt_snprintf, ksyms_lookup,
 * phys_to_virt, virt_to_phys, HHDM_BASE, HHDM_SIZE, KVWIN_BASE, KVWIN_SIZE,
 * and frame_alloc, frame_free, kwindow_alloc and kwindow_free; with KERNEL_HEAP_DEBUG
 * also ksyms_stack_trace, cpu_current and time_ns.
 */
#include <mm/frame.h>
#include <mm/heap.h>
#include <mm/kwindow.h>
#include <stdint.h>

#ifndef IRIS_HOST_TEST
#include <common/printf.h>
#include <common/string.h>
#include <debug/ksyms.h>
#include <debug/panic.h>
#include <mm/layout.h>
#include <sync/spinlock.h>
#ifdef KERNEL_HEAP_DEBUG
#include <arch/percpu.h>
#include <time.h>
#endif
#endif

#define KMALLOC_MIN_SHIFT 4
#define KMALLOC_CLASSES   8
#define KMALLOC_MAX       ((size_t)1 << (KMALLOC_MIN_SHIFT + KMALLOC_CLASSES - 1))
#define SLAB_ALIGN        16
#define SLAB_MAGIC        0x736c6162u /* "slab" */
#define FREE_POISON       0xf4eef4eef4eef4eeull
#define LARGE_MAGIC       0x6c617267u /* "larg" */

#ifdef KERNEL_HEAP_DEBUG
#define HEAP_TRACE_DEPTH 4          /* callers kept per allocation and per free */
#define REDZONE          SLAB_ALIGN /* bytes on each side of a slab object */
#define REDZONE_BYTE     0xbb
#else
#define HEAP_TRACE_DEPTH 1
#define REDZONE          0
#endif

/*
 * Where the heap was called from, innermost first: return addresses kept as
 * 32-bit offsets from heap_init (kernel text, and a host test's, spans far
 * less than 2 GiB), 0 where unknown.
 */
struct heap_trace {
	int32_t site[HEAP_TRACE_DEPTH];
};

/* What the heap remembers about one slab object; zero until first used. */
struct obj_track {
	struct heap_trace alloc; /* the last allocation */
	struct heap_trace free;  /* the last free */
#ifdef KERNEL_HEAP_DEBUG
	uint32_t size;     /* bytes asked for; the redzone starts there */
	uint32_t free_cpu; /* the CPU of the last free */
	uint64_t free_ns;  /* and its time_ns() */
#endif
};

struct slab_cache {
	const char *name;
	size_t object_size; /* as asked for at creation */
	size_t size;        /* object size, a multiple of SLAB_ALIGN */
	size_t stride;      /* distance between objects: size and both redzones */
	size_t first;       /* offset in a slab of the first object's left redzone */
	size_t per_slab;    /* objects in one slab */
	bool kmalloc;       /* one of kmalloc's size classes */
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

/* What a free object holds (with KERNEL_HEAP_DEBUG, poison up to its end). */
struct free_obj {
	struct free_obj *next;
	uint64_t poison;
};

/* What precedes a large block; the magic comes last, next to the block. */
struct large_hdr {
	size_t size;        /* bytes asked for */
	int32_t alloc_site; /* as in struct heap_trace; for reports and debuggers */
	uint32_t magic;
};

#define ALIGN_UP(x, a) (((x) + (a)-1) & ~(size_t)((a)-1))
#define SLAB_HDR       ALIGN_UP(sizeof(struct slab_page), SLAB_ALIGN)

_Static_assert(sizeof(struct large_hdr) == SLAB_ALIGN, "large blocks must stay 16-byte aligned");
_Static_assert(sizeof(struct free_obj) <= SLAB_ALIGN, "a free object must fit the smallest one");
_Static_assert(ALIGN_UP(SLAB_HDR + sizeof(struct obj_track), SLAB_ALIGN) + 2 * REDZONE +
                               SLAB_OBJECT_MAX <=
                       PAGE_SIZE,
               "heap.h documents the largest slab object");

static struct slab_cache kmalloc_caches[KMALLOC_CLASSES];
static const char *const kmalloc_names[KMALLOC_CLASSES] = {
	"kmalloc-16",  "kmalloc-32",  "kmalloc-64",   "kmalloc-128",
	"kmalloc-256", "kmalloc-512", "kmalloc-1024", "kmalloc-2048",
};
static size_t heap_in_use;

/* --- Call sites. --- */

static int32_t site_pack(uintptr_t addr)
{
	uint64_t delta = (uint64_t)addr - (uint64_t)(uintptr_t)heap_init;

	if (delta + ((uint64_t)1 << 31) >= ((uint64_t)1 << 32))
		return 0;
	return (int32_t)delta;
}

static uintptr_t site_unpack(int32_t site)
{
	return (uintptr_t)heap_init + (uintptr_t)(intptr_t)site;
}

/*
 * Records in *t the return address `ret` of the heap function the caller is
 * in and, with KERNEL_HEAP_DEBUG, the ones above it from that function's frame
 * pointer `frame`. Use through HEAP_TRACE_HERE in kmalloc, kfree and the like.
 */
static void heap_trace_fill(struct heap_trace *t, uintptr_t ret, uintptr_t frame)
{
#ifdef KERNEL_HEAP_DEBUG
	uintptr_t addrs[HEAP_TRACE_DEPTH];
	size_t n = ksyms_stack_trace(frame, addrs, HEAP_TRACE_DEPTH);

	if (n == 0)
		addrs[n++] = ret;
	for (size_t i = 0; i < HEAP_TRACE_DEPTH; i++)
		t->site[i] = i < n ? site_pack(addrs[i]) : 0;
#else
	(void)frame;
	t->site[0] = site_pack(ret);
#endif
}

/* The functions that use HEAP_TRACE_HERE: never inlined, so their return address is their caller's.
 */
#define HEAP_ENTRY __attribute__((noinline))

#define HEAP_TRACE_HERE(t)                                           \
	heap_trace_fill((t), (uintptr_t)__builtin_return_address(0), \
	                (uintptr_t)__builtin_frame_address(0))

/* Writes "name+0xoff < name+0xoff ..." for a trace into buf (NUL-terminated). */
static void heap_trace_format(char *buf, size_t size, const struct heap_trace *t)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < HEAP_TRACE_DEPTH && t->site[i] && len < size; i++) {
		uintptr_t addr = site_unpack(t->site[i]), off = 0;
		/* A return address points after the call: name the call itself. */
		const char *name = ksyms_lookup(addr - 1, &off);
		const char *sep = i ? " < " : "";

		if (name)
			len += (size_t)fmt_snprintf(buf + len, size - len, "%s%s+%#lx", sep, name,
			                            (unsigned long)off + 1);
		else
			len += (size_t)fmt_snprintf(buf + len, size - len, "%s%#lx", sep,
			                            (unsigned long)addr);
	}
	if (buf[0] == '\0')
		fmt_snprintf(buf, size, "(unknown)");
}

/* --- Slabs. --- */

static void slab_cache_setup(struct slab_cache *c, const char *name, size_t size, bool for_kmalloc)
{
	size_t n;

	c->name = name;
	c->object_size = size;
	c->size = ALIGN_UP(size, SLAB_ALIGN);
	c->stride = c->size + 2 * REDZONE;
	n = (PAGE_SIZE - SLAB_HDR) / (c->stride + sizeof(struct obj_track));
	while (ALIGN_UP(SLAB_HDR + n * sizeof(struct obj_track), SLAB_ALIGN) + n * c->stride >
	       PAGE_SIZE)
		n--;
	c->per_slab = n;
	c->first = ALIGN_UP(SLAB_HDR + n * sizeof(struct obj_track), SLAB_ALIGN);
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

	if (object_size == 0 || object_size > SLAB_OBJECT_MAX)
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

static char *slab_object(const struct slab_cache *c, struct slab_page *s, size_t i)
{
	return (char *)s + c->first + i * c->stride + REDZONE;
}

static struct obj_track *slab_track(const struct slab_cache *c, struct slab_page *s,
                                    const void *obj)
{
	size_t i = ((size_t)((uintptr_t)obj - (uintptr_t)s) - c->first - REDZONE) / c->stride;

	return (struct obj_track *)((char *)s + SLAB_HDR) + i;
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

#ifdef KERNEL_HEAP_DEBUG
/* Fills an object of c from byte `from` to its end with the free poison. */
static void slab_poison(const struct slab_cache *c, char *obj, size_t from)
{
	const uint8_t *pattern = (const uint8_t *)&(const uint64_t){ FREE_POISON };

	for (size_t i = from; i < c->size; i++)
		obj[i] = (char)pattern[i % sizeof(uint64_t)];
}

/* Returns the offset of the first byte of obj from `from` on that is not free poison, or SIZE_MAX.
 */
static size_t slab_poison_damage(const struct slab_cache *c, const char *obj, size_t from)
{
	const uint8_t *pattern = (const uint8_t *)&(const uint64_t){ FREE_POISON };

	for (size_t i = from; i < c->size; i++) {
		if ((uint8_t)obj[i] != pattern[i % sizeof(uint64_t)])
			return i;
	}
	return SIZE_MAX;
}

/*
 * Looks for a damaged redzone byte around obj, an object of c of which `size`
 * bytes are in use. Returns true and stores its offset from obj in *at (the
 * first byte after the object that changed, or the last one before it) if
 * there is one.
 */
static bool slab_redzone_damage(const struct slab_cache *c, const char *obj, size_t size, long *at)
{
	for (long i = -1; i >= -REDZONE; i--) {
		if ((uint8_t)obj[i] != REDZONE_BYTE) {
			*at = i;
			return true;
		}
	}
	for (size_t i = size; i < c->size + REDZONE; i++) {
		if ((uint8_t)obj[i] != REDZONE_BYTE) {
			*at = (long)i;
			return true;
		}
	}
	return false;
}

/* Panics naming what overran obj's redzone, if anything did; `when` says when it was seen. */
static void slab_redzone_check(const struct slab_cache *c, const char *obj,
                               const struct obj_track *t, size_t size, const char *when)
{
	char alloc[160];
	long at;

	if (!slab_redzone_damage(c, obj, size, &at))
		return;
	heap_trace_format(alloc, sizeof(alloc), &t->alloc);
	panic("slab %s: %s of %p (%zu bytes, allocated by %s) at offset %ld, seen %s", c->name,
	      at < 0 ? "underflow" : "overflow", (const void *)obj, size, alloc, at, when);
}
#endif

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
	memset((char *)s + SLAB_HDR, 0, c->per_slab * sizeof(struct obj_track));
#ifdef KERNEL_HEAP_DEBUG
	memset((char *)s + c->first, REDZONE_BYTE, c->per_slab * c->stride);
#endif
	link = &s->free;
	for (size_t i = 0; i < c->per_slab; i++) {
		struct free_obj *o = (struct free_obj *)slab_object(c, s, i);

#ifdef KERNEL_HEAP_DEBUG
		slab_poison(c, (char *)o, sizeof(o->next));
#endif
		o->poison = FREE_POISON;
		*link = o;
		link = &o->next;
	}
	*link = NULL;
	return s;
}

/* Returns the offset of the first byte of free object o of slab s written since it was freed,
 * or SIZE_MAX if none was.
 */
static size_t slab_free_damage(const struct slab_cache *c, const struct slab_page *s,
                               const struct free_obj *o)
{
	if (o->next && slab_of(o->next) != s)
		return 0;
	if (o->poison != FREE_POISON)
		return sizeof(o->next);
#ifdef KERNEL_HEAP_DEBUG
	return slab_poison_damage(c, (const char *)o, sizeof(o->next));
#else
	(void)c;
	return SIZE_MAX;
#endif
}

/*
 * Panics if the free object o of slab s was written to since it was freed
 * (with KERNEL_HEAP_DEBUG, or its redzones), naming its last owner.
 */
static void slab_check_free_object(struct slab_cache *c, struct slab_page *s, struct free_obj *o)
{
	const struct obj_track *t = slab_track(c, s, o);
	size_t at = slab_free_damage(c, s, o);
	char alloc[160], freed[160];

	if (at == SIZE_MAX) {
#ifdef KERNEL_HEAP_DEBUG
		slab_redzone_check(c, (const char *)o, t, c->size,
		                   "when it was handed out again (use after free?)");
#endif
		return;
	}
	heap_trace_format(alloc, sizeof(alloc), &t->alloc);
	heap_trace_format(freed, sizeof(freed), &t->free);
#ifdef KERNEL_HEAP_DEBUG
	panic("slab %s: free object %p was overwritten at offset %zu (use after free?); "
	      "allocated by %s; freed by %s on CPU %u at %llu ns",
	      c->name, (void *)o, at, alloc, freed, t->free_cpu, (unsigned long long)t->free_ns);
#else
	panic("slab %s: free object %p was overwritten at offset %zu (use after free?); "
	      "allocated by %s; freed by %s",
	      c->name, (void *)o, at, alloc, freed);
#endif
}

/* Hands out an object of c for `size` bytes (at most c->size), recording trace `by`. */
static void *slab_alloc_traced(struct slab_cache *c, size_t size, const struct heap_trace *by)
{
	struct free_obj *o = NULL;
	struct obj_track *t;
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
	slab_check_free_object(c, s, o);
	s->free = o->next;
	t = slab_track(c, s, o);
	t->alloc = *by;
#ifdef KERNEL_HEAP_DEBUG
	/* The object keeps its poison, so a read before a write shows it; the slack is redzone. */
	o->next = (struct free_obj *)FREE_POISON;
	memset((char *)o + size, REDZONE_BYTE, c->size - size);
	t->size = (uint32_t)size;
#else
	(void)size;
	o->poison = 0;
#endif
	if (++s->inuse == c->per_slab)
		slab_list_del(&c->partial, s);
out:
	spin_unlock_irqrestore(&c->lock, irq);
	return o;
}

HEAP_ENTRY void *slab_alloc(struct slab_cache *c)
{
	struct heap_trace by;

	HEAP_TRACE_HERE(&by);
	return slab_alloc_traced(c, c->object_size, &by);
}

/* Returns the slab holding obj, after checking obj is one of its objects; panics if not. */
static struct slab_page *slab_check(const void *obj)
{
	struct slab_page *s = slab_of(obj);
	size_t off = (size_t)((uintptr_t)obj - (uintptr_t)s);
	const struct slab_cache *c;

	if ((uintptr_t)obj - HHDM_BASE >= HHDM_SIZE || s->magic != SLAB_MAGIC)
		panic("heap: %p is not a heap pointer", obj);
	c = s->cache;
	if (off < c->first + REDZONE || (off - c->first - REDZONE) % c->stride != 0 ||
	    (off - c->first - REDZONE) / c->stride >= c->per_slab)
		panic("slab %s: %p is not the start of an object", c->name, obj);
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

/* Puts obj, an object of slab s of cache c, back on its free list; `by` is the free's trace. */
static void slab_release(struct slab_cache *c, struct slab_page *s, void *obj,
                         const struct heap_trace *by)
{
	struct free_obj *o = obj;
	struct obj_track *t = slab_track(c, s, obj);
	struct slab_page *empty = NULL;
	bool irq = spin_lock_irqsave(&c->lock);

	if (o->poison == FREE_POISON && slab_is_free(s, o)) {
		char first[160], again[160];

		heap_trace_format(first, sizeof(first), &t->free);
		heap_trace_format(again, sizeof(again), by);
		panic("slab %s: double free of %p: freed by %s, then again by %s", c->name, obj,
		      first, again);
	}
#ifdef KERNEL_HEAP_DEBUG
	slab_redzone_check(c, obj, t, t->size, "when it was freed");
	slab_poison(c, obj, sizeof(o->next));
	t->free_cpu = cpu_current()->id;
	t->free_ns = time_ns();
#endif
	t->free = *by;
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

HEAP_ENTRY void slab_free(struct slab_cache *c, void *obj)
{
	struct heap_trace by;
	struct slab_page *s;

	if (!obj)
		return;
	HEAP_TRACE_HERE(&by);
	s = slab_check(obj);
	if (s->cache != c)
		panic("slab %s: %p belongs to cache %s", c->name, obj, s->cache->name);
	slab_release(c, s, obj, &by);
}

/* --- Large blocks. --- */

static size_t large_pages(size_t size)
{
	return (size + sizeof(struct large_hdr) + PAGE_SIZE - 1) / PAGE_SIZE;
}

static void *large_alloc(size_t size, const struct heap_trace *by)
{
	struct large_hdr *h;
	size_t pages;

	if (size >= KVWIN_SIZE)
		return NULL;
	pages = large_pages(size);
	h = kwindow_alloc(pages);
	if (!h)
		return NULL;
	h->size = size;
	h->alloc_site = by->site[0];
	h->magic = LARGE_MAGIC;
#ifdef KERNEL_HEAP_DEBUG
	memset((char *)(h + 1) + size, REDZONE_BYTE, pages * PAGE_SIZE - sizeof(*h) - size);
#endif
	__atomic_add_fetch(&heap_in_use, pages * PAGE_SIZE, __ATOMIC_RELAXED);
	return h + 1;
}

static void large_free(void *p)
{
	struct large_hdr *h = (struct large_hdr *)p - 1;
	size_t pages;

	if (((uintptr_t)h & (PAGE_SIZE - 1)) != 0 || h->magic != LARGE_MAGIC)
		panic("heap: %p is not a heap block (or its header was overwritten)", p);
	pages = large_pages(h->size);
#ifdef KERNEL_HEAP_DEBUG
	for (size_t i = h->size; i < pages * PAGE_SIZE - sizeof(*h); i++) {
		if (((const uint8_t *)p)[i] != REDZONE_BYTE) {
			char alloc[160];
			struct heap_trace t = { .site = { h->alloc_site } };

			heap_trace_format(alloc, sizeof(alloc), &t);
			panic("heap: overflow of %p (%zu bytes, allocated by %s) at offset %zu, "
			      "seen when it was freed",
			      p, h->size, alloc, i);
		}
	}
#endif
	h->magic = 0;
	__atomic_sub_fetch(&heap_in_use, pages * PAGE_SIZE, __ATOMIC_RELAXED);
	kwindow_free(h, pages);
}

/* --- kmalloc. --- */

/* The smallest kmalloc cache for size, 0 < size <= KMALLOC_MAX. */
static struct slab_cache *kmalloc_cache(size_t size)
{
	size_t i = 0;

	while (((size_t)1 << (KMALLOC_MIN_SHIFT + i)) < size)
		i++;
	return &kmalloc_caches[i];
}

static void *kmalloc_traced(size_t size, const struct heap_trace *by)
{
	struct slab_cache *c;
	void *p;

	if (size == 0)
		return NULL;
	if (size > KMALLOC_MAX)
		return large_alloc(size, by);
	c = kmalloc_cache(size);
	p = slab_alloc_traced(c, size, by);
	if (p)
		__atomic_add_fetch(&heap_in_use, c->size, __ATOMIC_RELAXED);
	return p;
}

HEAP_ENTRY void *kmalloc(size_t size)
{
	struct heap_trace by;

	HEAP_TRACE_HERE(&by);
	return kmalloc_traced(size, &by);
}

HEAP_ENTRY void *kzalloc(size_t size)
{
	struct heap_trace by;
	void *p;

	HEAP_TRACE_HERE(&by);
	p = kmalloc_traced(size, &by);
	/* Large blocks come zeroed from kwindow_alloc(). */
	if (p && size <= KMALLOC_MAX)
		memset(p, 0, size);
	return p;
}

HEAP_ENTRY void kfree(void *p)
{
	struct heap_trace by;
	struct slab_page *s;
	size_t size;

	if (!p)
		return;
	if ((uintptr_t)p - KVWIN_BASE < KVWIN_SIZE) {
		large_free(p);
		return;
	}
	HEAP_TRACE_HERE(&by);
	s = slab_check(p);
	if (!s->cache->kmalloc)
		panic("kfree: %p belongs to slab cache %s", p, s->cache->name);
	size = s->cache->size;
	slab_release(s->cache, s, p, &by);
	__atomic_sub_fetch(&heap_in_use, size, __ATOMIC_RELAXED);
}

size_t heap_bytes_in_use(void)
{
	return __atomic_load_n(&heap_in_use, __ATOMIC_RELAXED);
}
