/*
 * Self tests of the kernel heap. They assume nothing else uses kmalloc while
 * they run, so heap_bytes_in_use() must come back exactly.
 */
#include <common/string.h>
#include <mm/heap.h>
#include <mm/layout.h>
#include <stddef.h>
#include <stdint.h>
#include <test/ktest.h>

#define SLAB_LIMIT 2048 /* larger blocks come from the kernel virtual window */

static const size_t sizes[] = {
	1,    2,    3,    7,     8,     15,    16,     17,     31,       32,   33,
	63,   64,   65,   100,   127,   128,   129,    255,    256,      257,  511,
	512,  513,  1000, 1023,  1024,  1025,  2047,   2048,   2049,     3000, 4080,
	4081, 4096, 8192, 12345, 65536, 65537, 100000, 262144, 1u << 20,
};

static void *blocks[512];

/* The sizes heap_fragmentation mixes: sizes[0] to sizes[35] (1 byte to 8 KiB). */
#define MIXED_SIZES 36

static uint8_t pattern(size_t seed, size_t i)
{
	return (uint8_t)(seed * 31 + i * 7 + (i >> 9));
}

static void fill(void *p, size_t n, size_t seed)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)p)[i] = pattern(seed, i);
}

static bool holds(const void *p, size_t n, size_t seed)
{
	for (size_t i = 0; i < n; i++) {
		if (((const uint8_t *)p)[i] != pattern(seed, i))
			return false;
	}
	return true;
}

static bool in_window(const void *p)
{
	return (uintptr_t)p - KVWIN_BASE < KVWIN_SIZE;
}

static bool in_direct_map(const void *p)
{
	return (uintptr_t)p - HHDM_BASE < HHDM_SIZE;
}

/* Every size from 1 byte to 1 MiB, one at a time and then all at once. */
KTEST(heap_sizes)
{
	size_t before = heap_bytes_in_use(), n = sizeof(sizes) / sizeof(sizes[0]);

	for (size_t i = 0; i < n; i++) {
		void *p = kmalloc(sizes[i]);

		KT_EXPECT(t, p != NULL);
		if (!p)
			continue;
		KT_EXPECT(t, ((uintptr_t)p & 15) == 0);
		KT_EXPECT(t, sizes[i] > SLAB_LIMIT ? in_window(p) : in_direct_map(p));
		KT_EXPECT(t, heap_bytes_in_use() >= before + sizes[i]);
		fill(p, sizes[i], i);
		KT_EXPECT(t, holds(p, sizes[i], i));
		kfree(p);
		KT_EXPECT(t, heap_bytes_in_use() == before);
	}
	for (size_t i = 0; i < n; i++) {
		blocks[i] = kmalloc(sizes[i]);
		KT_EXPECT(t, blocks[i] != NULL);
		if (blocks[i])
			fill(blocks[i], sizes[i], i + 1000);
	}
	for (size_t i = 0; i < n; i++) {
		if (blocks[i])
			KT_EXPECT(t, holds(blocks[i], sizes[i], i + 1000));
		kfree(blocks[i]);
	}
	KT_EXPECT(t, heap_bytes_in_use() == before);
}

KTEST(heap_edge_cases)
{
	size_t before = heap_bytes_in_use();

	KT_EXPECT(t, kmalloc(0) == NULL);
	KT_EXPECT(t, kzalloc(0) == NULL);
	KT_EXPECT(t, kmalloc(SIZE_MAX) == NULL);
	KT_EXPECT(t, kmalloc(SIZE_MAX - 15) == NULL);
	KT_EXPECT(t, kzalloc(SIZE_MAX / 2) == NULL);
	kfree(NULL);
	KT_EXPECT(t, heap_bytes_in_use() == before);
}

/* Blocks that were dirtied and freed come back zeroed from kzalloc. */
KTEST(heap_kzalloc)
{
	size_t before = heap_bytes_in_use();

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i += 3) {
		uint8_t *p = kmalloc(sizes[i]);
		bool zero = true;

		KT_ASSERT(t, p != NULL);
		memset(p, 0xff, sizes[i]);
		kfree(p);
		p = kzalloc(sizes[i]);
		KT_ASSERT(t, p != NULL);
		for (size_t j = 0; j < sizes[i]; j++)
			zero = zero && p[j] == 0;
		KT_EXPECT(t, zero);
		kfree(p);
	}
	KT_EXPECT(t, heap_bytes_in_use() == before);
}

/* Many blocks, every other one freed, the holes filled with other sizes. */
KTEST(heap_fragmentation)
{
	size_t before = heap_bytes_in_use(), n = sizeof(blocks) / sizeof(blocks[0]);

	for (size_t i = 0; i < n; i++) {
		blocks[i] = kmalloc(sizes[i % MIXED_SIZES]);
		KT_ASSERT(t, blocks[i] != NULL);
		fill(blocks[i], sizes[i % MIXED_SIZES], i);
	}
	for (size_t i = 0; i < n; i += 2)
		kfree(blocks[i]);
	for (size_t i = 0; i < n; i += 2) {
		blocks[i] = kmalloc(sizes[(i + 7) % MIXED_SIZES]);
		KT_ASSERT(t, blocks[i] != NULL);
		fill(blocks[i], sizes[(i + 7) % MIXED_SIZES], i);
	}
	for (size_t i = 0; i < n; i++) {
		KT_EXPECT(t, holds(blocks[i], sizes[(i % 2 ? i : i + 7) % MIXED_SIZES], i));
		kfree(blocks[i]);
	}
	KT_EXPECT(t, heap_bytes_in_use() == before);
}

/* A cache of 40-byte objects spanning several slabs. The cache itself stays. */
KTEST(heap_slab_cache)
{
	static struct slab_cache *cache;
	size_t n = 300;

	if (!cache)
		cache = slab_cache_create("ktest-40", 40);
	KT_ASSERT(t, cache != NULL);
	KT_EXPECT(t, slab_cache_create("ktest-0", 0) == NULL);
	for (size_t i = 0; i < n; i++) {
		blocks[i] = slab_alloc(cache);
		KT_ASSERT(t, blocks[i] != NULL);
		KT_EXPECT(t, ((uintptr_t)blocks[i] & 15) == 0);
		fill(blocks[i], 40, i);
	}
	for (size_t i = 0; i < n; i++) {
		KT_EXPECT(t, holds(blocks[i], 40, i));
		slab_free(cache, blocks[i]);
	}
}

/*
 * test=kernel:exception_heap: a write to a freed block must panic with the
 * functions that allocated and freed it, named through the kernel's symbol
 * table. The harness checks the report; reaching the end fails.
 */
static __attribute__((noinline)) void *ktest_heap_alloc_site(void)
{
	void *p = kmalloc(100);

	__asm__ volatile("" ::: "memory"); /* no tail call: the return address stays here */
	return p;
}

static __attribute__((noinline)) void ktest_heap_free_site(void *p)
{
	kfree(p);
	__asm__ volatile("" ::: "memory");
}

KTEST(exception_heap_use_after_free)
{
	uint8_t *p = ktest_heap_alloc_site();

	KT_ASSERT(t, p != NULL);
	ktest_heap_free_site(p);
	p[8] ^= 1;
	/* The last block freed in its cache is the next one handed out. */
	kfree(kmalloc(100));
	KT_EXPECT(t, !"a write to a freed block went unnoticed");
}
