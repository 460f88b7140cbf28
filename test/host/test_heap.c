/*
 * Host unit tests for the kernel heap. They compile the kernel's real
 * mm/heap.c (included below) against stand-ins: frames come
 * from aligned_alloc (so AddressSanitizer sees slab pages used after they
 * were given back), the direct map is the identity, and the kernel virtual
 * window is a PROT_NONE reservation whose pages kwindow_alloc makes accessible,
 * with an inaccessible guard page after every block. The symbol table knows
 * only the call-site helpers below, each in a section of its own, so a report
 * that names one names exactly it.
 *
 * Built twice (test/meson.build): as the default kernel has it (test_heap) and
 * with KERNEL_HEAP_DEBUG (test_heap_debug: poison, redzones, call traces);
 * run one alone with `meson test -C build heap` (or heap_debug).
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <common/printf.h>
#include <mm/frame.h>
#include <mm/heap.h>
#include <mm/kwindow.h>

/* --- Stand-ins for the kernel services heap.c uses. --- */
#include "kernel_stubs.h"

#define HHDM_BASE   0ull
#define HHDM_SIZE   (1ull << 47)
#define KVWIN_BASE  ((uintptr_t)host_kvwin)
#define KVWIN_SIZE  (1ull << 32)
#define KVWIN_PAGES (KVWIN_SIZE / PAGE_SIZE)

static unsigned char *host_kvwin;

static void *phys_to_virt(uint64_t phys)
{
	return (void *)(uintptr_t)phys;
}

static uint64_t virt_to_phys(const void *virt)
{
	return (uint64_t)(uintptr_t)virt;
}

static long frames_out;        /* frames handed to the heap and not given back */
static long frame_budget = -1; /* frames frame_alloc may still hand out; -1: no limit */

paddr_t frame_alloc(void)
{
	void *p;

	if (frame_budget == 0)
		return 0;
	if (frame_budget > 0)
		frame_budget--;
	p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	CHECK(p);
	memset(p, 0, PAGE_SIZE);
	frames_out++;
	return (paddr_t)(uintptr_t)p;
}

void frame_free(paddr_t frame)
{
	CHECK(frame % PAGE_SIZE == 0);
	frames_out--;
	free((void *)(uintptr_t)frame);
}

static uint32_t *kv_len;  /* at a block's first page: its page count */
static uint8_t *kv_used;  /* one byte per page of the window, guards included */
static size_t kv_cursor;  /* next-fit search start */
static long kv_pages_out; /* pages handed out and not freed */
static bool kwindow_fail;

void *kwindow_alloc(size_t pages)
{
	size_t need = pages + 1; /* the block and its guard page */

	if (kwindow_fail || pages == 0 || need > KVWIN_PAGES)
		return NULL;
	for (size_t tries = 0, run = 0, i = kv_cursor; tries < 2 * KVWIN_PAGES; tries++, i++) {
		if (i == KVWIN_PAGES) {
			i = 0;
			run = 0;
		}
		run = kv_used[i] ? 0 : run + 1;
		if (run == need) {
			size_t first = i + 1 - need;
			unsigned char *va = host_kvwin + first * PAGE_SIZE;

			memset(kv_used + first, 1, need);
			kv_len[first] = (uint32_t)pages;
			kv_cursor = i + 1;
			kv_pages_out += (long)pages;
			CHECK(mprotect(va, pages * PAGE_SIZE, PROT_READ | PROT_WRITE) == 0);
			return va;
		}
	}
	return NULL;
}

void kwindow_free(void *va, size_t pages)
{
	size_t first = (size_t)((unsigned char *)va - host_kvwin) / PAGE_SIZE;

	CHECK((unsigned char *)va >= host_kvwin && (uintptr_t)va % PAGE_SIZE == 0);
	CHECK(kv_used[first] && kv_len[first] == pages);
	CHECK(madvise(va, pages * PAGE_SIZE, MADV_DONTNEED) == 0);
	CHECK(mprotect(va, pages * PAGE_SIZE, PROT_NONE) == 0);
	memset(kv_used + first, 0, pages + 1);
	kv_len[first] = 0;
	kv_pages_out -= (long)pages;
}

/*
 * The call sites reports must name. Each lives in a section of its own (sym_NAME), whose
 * bounds the linker gives as __start_NAME and __stop_NAME; the empty asm after
 * each call keeps it from becoming a tail jump (which would return elsewhere).
 */
#define SITE_FN(name) __attribute__((noinline, section("sym_" #name))) static

SITE_FN(site_alloc) void *site_alloc(size_t n)
{
	void *p = kmalloc(n);

	__asm__ volatile("" ::: "memory");
	return p;
}

SITE_FN(site_free_a) void site_free_a(void *p)
{
	kfree(p);
	__asm__ volatile("" ::: "memory");
}

SITE_FN(site_free_b) void site_free_b(void *p)
{
	kfree(p);
	__asm__ volatile("" ::: "memory");
}

SITE_FN(site_slab_alloc) void *site_slab_alloc(struct slab_cache *c)
{
	void *p = slab_alloc(c);

	__asm__ volatile("" ::: "memory");
	return p;
}

extern const char __start_sym_site_alloc[], __stop_sym_site_alloc[];
extern const char __start_sym_site_free_a[], __stop_sym_site_free_a[];
extern const char __start_sym_site_free_b[], __stop_sym_site_free_b[];
extern const char __start_sym_site_slab_alloc[], __stop_sym_site_slab_alloc[];

static const struct {
	const char *name, *start, *stop;
} host_syms[] = {
	{ "site_alloc", __start_sym_site_alloc, __stop_sym_site_alloc },
	{ "site_free_a", __start_sym_site_free_a, __stop_sym_site_free_a },
	{ "site_free_b", __start_sym_site_free_b, __stop_sym_site_free_b },
	{ "site_slab_alloc", __start_sym_site_slab_alloc, __stop_sym_site_slab_alloc },
};

static const char *ksyms_lookup(uintptr_t addr, uintptr_t *offset)
{
	for (size_t i = 0; i < sizeof(host_syms) / sizeof(host_syms[0]); i++) {
		if (addr >= (uintptr_t)host_syms[i].start && addr < (uintptr_t)host_syms[i].stop) {
			*offset = addr - (uintptr_t)host_syms[i].start;
			return host_syms[i].name;
		}
	}
	return NULL;
}

#ifdef KERNEL_HEAP_DEBUG
extern const char __executable_start[], etext[];

/* The kernel's walk, bounded by this executable's text instead of the kernel's. */
static size_t ksyms_stack_trace(uintptr_t rbp, uintptr_t *out, size_t max)
{
	size_t n = 0;

	while (n < max && rbp != 0 && rbp % 8 == 0) {
		const uintptr_t *frame = (const uintptr_t *)rbp;

		if (frame[1] < (uintptr_t)__executable_start || frame[1] >= (uintptr_t)etext)
			break;
		out[n++] = frame[1];
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
	return n;
}

struct cpu {
	uint32_t id;
};

static struct cpu host_cpu = { 3 };
static uint64_t host_now = 1234567;

static struct cpu *cpu_current(void)
{
	return &host_cpu;
}

static uint64_t time_ns(void)
{
	return host_now;
}
#endif

#include "mm/heap.c" /* the kernel's, through kernel_inc */

/* Runs stmt, which must panic with a message containing `what`; then unlocks c. */
#define EXPECT_PANIC(c, what, stmt)                                                \
	do {                                                                       \
		CATCH_PANIC(stmt);                                                 \
		if (!strstr(panic_msg, what))                                      \
			FAIL("panic \"%s\" does not say \"%s\"", panic_msg, what); \
		(c)->lock.locked = 0;                                              \
	} while (0)

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* FAILs unless the last panic's message contains `what`. */
static void panic_says(const char *what)
{
	if (!strstr(panic_msg, what))
		FAIL("panic \"%s\" does not say \"%s\"", panic_msg, what);
}

/* --- Helpers. --- */

static unsigned char pattern(size_t seed, size_t i)
{
	return (unsigned char)(seed * 131 + i * 7 + (i >> 8));
}

static void fill(void *p, size_t n, size_t seed)
{
	for (size_t i = 0; i < n; i++)
		((unsigned char *)p)[i] = pattern(seed, i);
}

static void verify(const void *p, size_t n, size_t seed)
{
	for (size_t i = 0; i < n; i++) {
		if (((const unsigned char *)p)[i] != pattern(seed, i))
			FAIL("block %p (%zu bytes) corrupted at %zu", p, n, i);
	}
}

static bool in_kvwin(const void *p)
{
	return (uintptr_t)p - KVWIN_BASE < KVWIN_SIZE;
}

/* What heap_bytes_in_use() counts for a block of n bytes. */
static size_t charged(size_t n)
{
	size_t c = 16;

	if (n > 2048)
		return (n + 16 + 4095) / 4096 * 4096;
	while (c < n)
		c *= 2;
	return c;
}

/* Sizes from 1 byte to 1 MiB: all up to 4200, then around each power of two. */
static size_t sweep[4200 + 3 * 7 + 1];

static void sweep_init(void)
{
	size_t n = 0;

	for (size_t i = 1; i <= 4200; i++)
		sweep[n++] = i;
	for (size_t pow = 8192; pow < (1u << 20); pow *= 2) {
		sweep[n++] = pow - 1;
		sweep[n++] = pow;
		sweep[n++] = pow + 1;
	}
	sweep[n++] = 1u << 20;
	CHECK(n == ARRAY_LEN(sweep));
}

/* --- Tests. --- */

static void test_sizes(void)
{
	size_t base = heap_bytes_in_use();
	void *p[ARRAY_LEN(sweep)];

	sweep_init();
	/* One at a time. */
	for (size_t i = 0; i < ARRAY_LEN(sweep); i++) {
		void *b = kmalloc(sweep[i]);

		CHECK(b != NULL);
		CHECK((uintptr_t)b % 16 == 0);
		CHECK(in_kvwin(b) == (sweep[i] > 2048));
		CHECK(heap_bytes_in_use() == base + charged(sweep[i]));
		fill(b, sweep[i], i);
		verify(b, sweep[i], i);
		kfree(b);
		CHECK(heap_bytes_in_use() == base);
	}
	/* All at once: no two blocks overlap. */
	for (size_t i = 0; i < ARRAY_LEN(sweep); i++) {
		p[i] = kmalloc(sweep[i]);
		CHECK(p[i] != NULL);
		fill(p[i], sweep[i], i);
	}
	for (size_t i = 0; i < ARRAY_LEN(sweep); i++)
		verify(p[i], sweep[i], i);
	for (size_t i = 0; i < ARRAY_LEN(sweep); i += 2)
		kfree(p[i]);
	for (size_t i = 1; i < ARRAY_LEN(sweep); i += 2) {
		verify(p[i], sweep[i], i);
		kfree(p[i]);
	}
	CHECK(heap_bytes_in_use() == base);
	CHECK(kv_pages_out == 0);
}

static void test_edges(void)
{
	size_t base = heap_bytes_in_use();
	void *p;

	CHECK(kmalloc(0) == NULL);
	CHECK(kzalloc(0) == NULL);
	CHECK(kmalloc(SIZE_MAX) == NULL);
	CHECK(kmalloc(SIZE_MAX - 15) == NULL);
	CHECK(kmalloc(SIZE_MAX - 4096 - 15) == NULL);
	CHECK(kzalloc(SIZE_MAX / 2) == NULL);
	CHECK(kmalloc(KVWIN_SIZE) == NULL);
	kfree(NULL);
	CHECK(heap_bytes_in_use() == base);

	/* Boundaries of the size classes and of the large blocks. */
	p = kmalloc(2048);
	CHECK(!in_kvwin(p) && heap_bytes_in_use() == base + 2048);
	kfree(p);
	p = kmalloc(2049);
	CHECK(in_kvwin(p) && heap_bytes_in_use() == base + 4096);
	kfree(p);
	p = kmalloc(4096 - 16);
	CHECK(in_kvwin(p) && (uintptr_t)p % 4096 == 16 && heap_bytes_in_use() == base + 4096);
	kfree(p);
	p = kmalloc(4096 - 15);
	CHECK(heap_bytes_in_use() == base + 8192);
	kfree(p);
	CHECK(heap_bytes_in_use() == base);
}

static void test_kzalloc(void)
{
	static const size_t sizes[] = { 1, 16, 17, 100, 2048, 3000, 65536 };

	for (size_t i = 0; i < ARRAY_LEN(sizes); i++) {
		for (int round = 0; round < 3; round++) {
			unsigned char *p = kzalloc(sizes[i]);

			CHECK(p != NULL);
			for (size_t j = 0; j < sizes[i]; j++)
				CHECK(p[j] == 0);
			memset(p, 0xff, sizes[i]);
			kfree(p);
		}
	}
}

/* Many small blocks, every other one freed, then as many again: the holes are reused. */
static void test_fragmentation(void)
{
	enum { N = 6000 };
	static void *p[N];
	size_t base = heap_bytes_in_use();
	long frames_full;

	for (size_t i = 0; i < N; i++) {
		p[i] = kmalloc(64);
		CHECK(p[i] != NULL);
		fill(p[i], 64, i);
	}
	frames_full = frames_out;
	for (size_t i = 0; i < N; i += 2)
		kfree(p[i]);
	for (size_t i = 0; i < N; i += 2) {
		p[i] = kmalloc(48 + i % 17);
		CHECK(p[i] != NULL);
		fill(p[i], 48 + i % 17, i);
	}
	CHECK(frames_out == frames_full);
	for (size_t i = 0; i < N; i++)
		verify(p[i], i % 2 ? 64 : 48 + i % 17, i);
	for (size_t i = 0; i < N; i++)
		kfree(p[i]);
	CHECK(heap_bytes_in_use() == base);
	/* Empty slabs went back, except one spare per cache. */
	CHECK(frames_out <= frames_full - (long)(N * 64 / 4096) + KMALLOC_CLASSES);
}

/* Random sizes (mostly small, some up to 1 MiB), random frees, contents checked. */
static void test_random(void)
{
	enum { SLOTS = 3000, OPS = 100000 };
	static struct {
		unsigned char *p;
		size_t size, seed;
	} slot[SLOTS];
	size_t base = heap_bytes_in_use(), expect = base;

	for (size_t op = 0; op < OPS; op++) {
		size_t i = (size_t)rand() % SLOTS;

		if (slot[i].p) {
			CHECK(slot[i].p[0] == pattern(slot[i].seed, 0));
			CHECK(slot[i].p[slot[i].size - 1] ==
			      pattern(slot[i].seed, slot[i].size - 1));
			if (op % 64 == 0)
				verify(slot[i].p, slot[i].size, slot[i].seed);
			kfree(slot[i].p);
			expect -= charged(slot[i].size);
			slot[i].p = NULL;
		} else {
			int r = rand() % 100;
			size_t size = r < 80   ? 1 + (size_t)rand() % 256
			              : r < 97 ? 1 + (size_t)rand() % 4096
			                       : 1 + (size_t)rand() % (1u << 20);

			slot[i].p = rand() % 4 ? kmalloc(size) : kzalloc(size);
			CHECK(slot[i].p != NULL);
			CHECK((uintptr_t)slot[i].p % 16 == 0);
			slot[i].size = size;
			slot[i].seed = op;
			fill(slot[i].p, size, op);
			expect += charged(size);
		}
		CHECK(heap_bytes_in_use() == expect);
	}
	for (size_t i = 0; i < SLOTS; i++) {
		if (slot[i].p) {
			verify(slot[i].p, slot[i].size, slot[i].seed);
			kfree(slot[i].p);
			slot[i].p = NULL;
		}
	}
	CHECK(heap_bytes_in_use() == base);
	CHECK(kv_pages_out == 0);
}

static void test_slab_cache(void)
{
	enum { N = 1000 };
	static void *p[N];
	struct slab_cache *c = slab_cache_create("test-40", 40);
	long frames_before;

	CHECK(c != NULL);
	CHECK(slab_cache_create("zero", 0) == NULL);
	CHECK(slab_cache_create("huge", SLAB_OBJECT_MAX + 1) == NULL);
	frames_before = frames_out;
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < N; i++) {
			p[i] = slab_alloc(c);
			CHECK(p[i] != NULL && (uintptr_t)p[i] % 16 == 0);
			fill(p[i], 40, i);
		}
		for (size_t i = 0; i < N; i++)
			verify(p[i], 40, i);
		for (size_t i = 0; i < N; i++)
			slab_free(c, p[i]);
		slab_free(c, NULL);
		CHECK(frames_out == frames_before + 1); /* the spare slab */
	}

	/* The largest objects: one per slab. */
	struct slab_cache *big = slab_cache_create("test-max", SLAB_OBJECT_MAX);
	void *a = slab_alloc(big), *b = slab_alloc(big);

	CHECK(a && b && slab_of(a) != slab_of(b));
	memset(a, 1, SLAB_OBJECT_MAX);
	memset(b, 2, SLAB_OBJECT_MAX);
	slab_free(big, a);
	slab_free(big, b);
}

static void test_misuse(void)
{
	static _Alignas(4096) unsigned char not_heap[8192];
	struct slab_cache *c = slab_cache_create("test-misuse", 32);
	struct slab_cache *other = slab_cache_create("test-other", 32);
	struct slab_cache *k32 = kmalloc_cache(32);
	unsigned char *p, *q;
	size_t base;

	CHECK(c && other);
	base = heap_bytes_in_use();

	p = kmalloc(32);
	q = kmalloc(32);
	kfree(p);
	EXPECT_PANIC(k32, "double free", kfree(p));
	CHECK(heap_bytes_in_use() == base + 32);
	/* Data that looks like a freed object is not taken for one. */
	((uint64_t *)q)[1] = FREE_POISON;
	kfree(q);
	CHECK(heap_bytes_in_use() == base);

	p = slab_alloc(c);
	EXPECT_PANIC(c, "not the start", slab_free(c, p + 16));
	EXPECT_PANIC(other, "belongs to cache", slab_free(other, p));
	EXPECT_PANIC(c, "belongs to slab cache", kfree(p));
	slab_free(c, p);
	EXPECT_PANIC(c, "double free", slab_free(c, p));
	EXPECT_PANIC(c, "not a heap pointer", kfree(not_heap + 64));
	EXPECT_PANIC(c, "not a heap pointer", slab_free(c, not_heap + 64));

	/* A write to a freed object is caught when it is handed out again. */
	p = slab_alloc(c);
	slab_free(c, p);
	memset(p, 0, 16);
	EXPECT_PANIC(c, "overwritten", slab_alloc(c));

	p = kmalloc(10000);
	EXPECT_PANIC(c, "not a heap block", kfree(p + 16));
	EXPECT_PANIC(c, "not a heap block", kfree(p + 4096));
	kfree(p);
	CHECK(heap_bytes_in_use() == base);
}

/* A write to a freed block and a double free name who allocated and who freed it. */
static void test_owner_reports(void)
{
	struct slab_cache *k128 = kmalloc_cache(128);
	struct slab_cache *c = slab_cache_create("test-owner", 24);
	size_t base = heap_bytes_in_use();
	unsigned char *p = site_alloc(100), *q;

	CHECK(p != NULL);
	site_free_a(p);
	p[8] ^= 1;
	EXPECT_PANIC(k128, "was overwritten at offset 8 (use after free?)", kmalloc(100));
	panic_says("allocated by site_alloc+0x");
	panic_says("freed by site_free_a+0x");
#ifdef KERNEL_HEAP_DEBUG
	panic_says(" on CPU 3 at 1234567 ns");
#endif
	p[8] ^= 1;

	/* The same object again: its record now names the new owners. */
	p = kmalloc(100);
	CHECK(p != NULL);
	site_free_b(p);
	EXPECT_PANIC(k128, "double free", site_free_a(p));
	panic_says("freed by site_free_b+0x");
	panic_says("then again by site_free_a+0x");

	/* A slab cache's own objects too. */
	q = site_slab_alloc(c);

	CHECK(q != NULL);
	slab_free(c, q);
	memset(q, 0x5a, 8);
	EXPECT_PANIC(c, "slab test-owner: free object", slab_alloc(c));
	panic_says("at offset 0 ");
	panic_says("allocated by site_slab_alloc+0x");
	memset(q, 0, 8); /* it was the last free object of its slab */
	CHECK(heap_bytes_in_use() == base);
}

#ifdef KERNEL_HEAP_DEBUG
/* One-byte overflows and underflows are caught on free with their offset; the block is whole after.
 */
static void test_redzones(void)
{
	struct slab_cache *k16 = kmalloc_cache(16), *k32 = kmalloc_cache(32);
	struct slab_cache *c = slab_cache_create("test-rz", 40);
	size_t base = heap_bytes_in_use();
	unsigned char *p;

	/* Past the size asked for, inside the size class. */
	p = site_alloc(10);
	memset(p, 0, 10);
	p[10] = 0;
	EXPECT_PANIC(k16, "slab kmalloc-16: overflow of", kfree(p));
	panic_says("(10 bytes, allocated by site_alloc+0x");
	panic_says("at offset 10, seen when it was freed");
	p[10] = REDZONE_BYTE;
	kfree(p);

	/* Past the size class, and before the start. */
	p = site_alloc(32);
	p[32] = 1;
	EXPECT_PANIC(k32, "overflow", kfree(p));
	panic_says("(32 bytes, allocated by site_alloc+0x");
	panic_says("at offset 32,");
	p[32] = REDZONE_BYTE;
	p[-1] = 1;
	EXPECT_PANIC(k32, "slab kmalloc-32: underflow of", kfree(p));
	panic_says("at offset -1,");
	p[-1] = REDZONE_BYTE;
	p[-16] = 1;
	EXPECT_PANIC(k32, "underflow", kfree(p));
	panic_says("at offset -16,");
	p[-16] = REDZONE_BYTE;
	kfree(p);

	/* A slab cache's object, at its creation size. */
	p = site_slab_alloc(c);
	p[40] = 0;
	EXPECT_PANIC(c, "slab test-rz: overflow of", slab_free(c, p));
	panic_says("(40 bytes, allocated by site_slab_alloc+0x");
	panic_says("at offset 40,");
	p[40] = REDZONE_BYTE;
	slab_free(c, p);

	/* A redzone written after the free is seen when the object is handed out again. */
	p = site_alloc(64);
	site_free_a(p);
	p[64 + 3] = 0;
	EXPECT_PANIC(kmalloc_cache(64), "overflow", kmalloc(64));
	panic_says("at offset 67, seen when it was handed out again");
	p[64 + 3] = REDZONE_BYTE;

	/* Anywhere in a freed object, not only its first words. */
	p = site_alloc(100);
	site_free_b(p);
	p[120] = 0;
	EXPECT_PANIC(kmalloc_cache(128), "was overwritten at offset 120", kmalloc(100));
	panic_says("freed by site_free_b+0x");
	p[120] = (unsigned char)(FREE_POISON >> 8 * (120 % 8));

	/* A new block holds poison until written. */
	p = kmalloc(64);
	CHECK(((uint64_t *)p)[0] == FREE_POISON && ((uint64_t *)p)[7] == FREE_POISON);
	kfree(p);

	/* A large block's tail. */
	p = site_alloc(5000);
	p[5000] = 0;
	EXPECT_PANIC(k16, "heap: overflow of", kfree(p));
	panic_says("(5000 bytes, allocated by site_alloc+0x");
	panic_says("at offset 5000,");
	p[5000] = REDZONE_BYTE;
	kfree(p);
	CHECK(heap_bytes_in_use() == base);
}
#endif

static void test_out_of_memory(void)
{
	struct slab_cache *c = slab_cache_create("test-oom", 512);
	size_t base = heap_bytes_in_use();
	void *p[8];

	CHECK(c != NULL && c->per_slab >= 6 && c->per_slab <= ARRAY_LEN(p));
	frame_budget = 1;
	for (size_t i = 0; i < c->per_slab; i++) {
		p[i] = slab_alloc(c); /* one slab's worth */
		CHECK(p[i] != NULL);
	}
	CHECK(slab_alloc(c) == NULL);
	frame_budget = -1;
	for (size_t i = 0; i < c->per_slab; i++)
		slab_free(c, p[i]);

	kwindow_fail = true;
	CHECK(kmalloc(5000) == NULL);
	CHECK(kzalloc(1u << 20) == NULL);
	kwindow_fail = false;
	CHECK(heap_bytes_in_use() == base);
}

int main(void)
{
	long frames_start;

	srand(1);
	host_kvwin = mmap(NULL, KVWIN_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
	                  -1, 0);
	CHECK(host_kvwin != MAP_FAILED);
	kv_len = calloc(KVWIN_PAGES, sizeof(*kv_len));
	kv_used = calloc(KVWIN_PAGES, 1);
	CHECK(kv_len && kv_used);

	heap_init();
	CHECK(heap_bytes_in_use() == 0);
	test_sizes();
	test_edges();
	test_kzalloc();
	test_fragmentation();
	test_random();
	CHECK(heap_bytes_in_use() == 0);
	frames_start = frames_out;
	test_slab_cache();
	test_misuse();
	test_owner_reports();
#ifdef KERNEL_HEAP_DEBUG
	test_redzones();
#endif
	test_out_of_memory();

	/* Every block is back: only spare slabs (and the test caches' objects) hold frames. */
	CHECK(kv_pages_out == 0);
	CHECK(frames_start <= KMALLOC_CLASSES);
	CHECK(frames_out <= KMALLOC_CLASSES + 6);
	printf("test_heap: all passed\n");
	return 0;
}
