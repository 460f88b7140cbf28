/*
 * Host tests of the allocator core behind libc's malloc
 * (libc/src/stdlib/heap.c), driven through struct heap with mmap standing
 * in for SYS_MAP: size classes, a randomized stress against a shadow model
 * with fill patterns, big blocks mapped and unmapped one to one, calloc
 * overflow and zeroing, realloc in place and moving, double and bad frees,
 * and running out of memory.
 *
 * From the top of the repository:
 *   mkdir -p build/libc-host && cd build/libc-host &&
 *   clang -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
 *     -fno-sanitize-recover=all -ffreestanding -nostdlibinc -I ../../libc/include \
 *     -I ../../include -include ../../libc/src/host_test.h -c \
 *     ../../libc/src/string/string.c ../../libc/src/stdlib/heap.c &&
 *   clang -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
 *     -fno-sanitize-recover=all -I ../../libc/src/stdlib ../../test/host/test_libc_malloc.c \
 *     string.o heap.o -o test_libc_malloc && ./test_libc_malloc
 */
#define _DEFAULT_SOURCE
#include "check.h"
#include <heap.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

static size_t maps, unmaps, mapped_bytes;
static bool map_fails; /* `map` reports out of memory */

static void *test_map(size_t len)
{
	CHECK(len % HEAP_PAGE == 0 && len > 0);
	if (map_fails)
		return NULL;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	maps++;
	mapped_bytes += len;
	return p;
}

static void test_unmap(void *addr, size_t len)
{
	CHECK(((uintptr_t)addr & (HEAP_PAGE - 1)) == 0);
	CHECK(munmap(addr, len) == 0);
	unmaps++;
	mapped_bytes -= len;
}

static struct heap new_heap(void)
{
	return (struct heap){ .map = test_map, .unmap = test_unmap };
}

static uint64_t rng = 0x13198a2e03707344ull;
static unsigned next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 16);
}

static void test_classes(void)
{
	CHECK(heap_class_of(0) == 0 && heap_class_size(0) == 16);
	CHECK(heap_class_of(HEAP_SMALL_MAX) == HEAP_CLASSES - 1);
	CHECK(heap_class_size(HEAP_CLASSES - 1) == HEAP_SMALL_MAX);
	for (unsigned c = 1; c < HEAP_CLASSES; c++)
		CHECK(heap_class_size(c) > heap_class_size(c - 1));
	int bad = 0;
	for (size_t n = 1; n <= HEAP_SMALL_MAX; n++) {
		unsigned c = heap_class_of(n);
		size_t size = heap_class_size(c);
		/* The smallest class that fits, a multiple of 16, at most 25% (or 16 bytes) over.
		 */
		bad += c >= HEAP_CLASSES || size < n || (c > 0 && heap_class_size(c - 1) >= n) ||
		       size % 16 != 0 || (size > n + 15 && size - n > n / 4);
	}
	CHECK(bad == 0);
}

struct live {
	unsigned char *p;
	size_t n;
	unsigned char fill;
};

static void fill(struct live *l)
{
	memset(l->p, l->fill, l->n);
}

static int intact(const struct live *l)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->p[i] != l->fill)
			return 0;
	}
	return 1;
}

/* Mostly small sizes, some mid, a few big ones. */
static size_t random_size(void)
{
	unsigned r = next_random() % 100;
	if (r < 70)
		return next_random() % 200;
	if (r < 97)
		return next_random() % 20000;
	return HEAP_SMALL_MAX - 1000 + next_random() % 300000;
}

static void test_stress(void)
{
	enum { SLOTS = 512, ROUNDS = 60000 };
	static struct live slots[SLOTS];
	struct heap h = new_heap();
	int corrupt = 0, misaligned = 0;

	for (int round = 0; round < ROUNDS; round++) {
		struct live *l = &slots[next_random() % SLOTS];
		unsigned op = next_random() % 4;
		if (l->p) {
			corrupt += !intact(l);
			if (op == 0) {
				/* Grow or shrink: the common prefix survives. */
				size_t n = random_size();
				unsigned char *q = heap_realloc(&h, l->p, n);
				CHECK(q != NULL);
				size_t keep = n < l->n ? n : l->n;
				for (size_t i = 0; i < keep; i++)
					corrupt += q[i] != l->fill;
				l->p = q;
				l->n = n;
				fill(l);
			} else {
				CHECK(heap_free(&h, l->p));
				l->p = NULL;
			}
			continue;
		}
		l->n = random_size();
		l->fill = (unsigned char)(1 + next_random() % 255);
		if (op == 0) {
			l->p = heap_calloc(&h, 1, l->n);
			CHECK(l->p != NULL);
			for (size_t i = 0; i < l->n; i++)
				corrupt += l->p[i] != 0;
		} else {
			l->p = heap_alloc(&h, l->n);
			CHECK(l->p != NULL);
		}
		misaligned += ((uintptr_t)l->p & 15) != 0;
		CHECK(heap_is_live(l->p));
		CHECK(heap_usable_size(l->p) >= l->n);
		fill(l);
	}
	CHECK(corrupt == 0);
	CHECK(misaligned == 0);

	size_t big_live = 0;
	for (int i = 0; i < SLOTS; i++) {
		if (slots[i].p && slots[i].n > HEAP_SMALL_MAX)
			big_live++;
	}
	size_t before = unmaps;
	for (int i = 0; i < SLOTS; i++) {
		if (slots[i].p) {
			CHECK(intact(&slots[i]));
			CHECK(heap_free(&h, slots[i].p));
			slots[i].p = NULL;
		}
	}
	/* Every big block had its own mapping, and gave it back. */
	CHECK(unmaps - before == big_live);
	/* What remains mapped is chunks of small blocks, bounded by what the test kept live. */
	CHECK(mapped_bytes < (size_t)SLOTS * 40000);
}

static void test_big_and_calloc(void)
{
	struct heap h = new_heap();
	size_t m0 = maps, u0 = unmaps;
	unsigned char *big = heap_alloc(&h, HEAP_SMALL_MAX + 1);
	CHECK(big && maps == m0 + 1);
	CHECK(heap_usable_size(big) >= HEAP_SMALL_MAX + 1);
	memset(big, 0xab, HEAP_SMALL_MAX + 1);
	CHECK(heap_free(&h, big));
	CHECK(unmaps == u0 + 1);

	/* calloc: overflow fails; reused small memory comes back zeroed. */
	CHECK(heap_calloc(&h, SIZE_MAX / 2, 3) == NULL);
	CHECK(heap_calloc(&h, (size_t)1 << 33, (size_t)1 << 33) == NULL);
	unsigned char *p = heap_alloc(&h, 100);
	memset(p, 0xff, 100);
	CHECK(heap_free(&h, p));
	unsigned char *q = heap_calloc(&h, 10, 10);
	CHECK(q == p); /* the same class's free list */
	for (int i = 0; i < 100; i++)
		CHECK(q[i] == 0);
	unsigned char *z = heap_calloc(&h, 1, 1 << 20);
	CHECK(z && z[0] == 0 && z[(1 << 20) - 1] == 0);
	CHECK(heap_free(&h, z));
	CHECK(heap_free(&h, q));

	/* A request too big to round up fails cleanly. */
	CHECK(heap_alloc(&h, SIZE_MAX - 8) == NULL);
	CHECK(heap_alloc(&h, SIZE_MAX / 2) == NULL);
}

static void test_realloc(void)
{
	struct heap h = new_heap();
	char *p = heap_alloc(&h, 20); /* class 32 */
	strcpy(p, "hello");
	CHECK(heap_realloc(&h, p, 30) == p); /* same class: in place */
	char *q = heap_realloc(&h, p, 5000);
	CHECK(q && q != p && strcmp(q, "hello") == 0);
	CHECK(!heap_is_live(p)); /* the old block went back to its free list */
	char *r = heap_realloc(&h, q, 0);
	CHECK(r && heap_usable_size(r) == 16); /* realloc to 0 leaves a minimal block */

	/* Big blocks stay in place while the size is within half of their mapping. */
	char *b = heap_alloc(&h, 400000);
	memset(b, 'x', 400000);
	CHECK(heap_realloc(&h, b, 300000) == b);
	char *c = heap_realloc(&h, b, 1000);
	CHECK(c && c != b && c[0] == 'x' && c[999] == 'x');
	CHECK(heap_free(&h, c));
	CHECK(heap_free(&h, r));

	/*
	 * Out of memory (a fresh heap, so no chunk has room): growing fails and
	 * leaves the block alone; shrinking stays in place.
	 */
	struct heap fresh = new_heap();
	char *s = heap_alloc(&fresh, 300000);
	memset(s, 's', 300000);
	map_fails = true;
	CHECK(heap_realloc(&fresh, s, 600000) == NULL);
	CHECK(s[299999] == 's');
	CHECK(heap_realloc(&fresh, s, 100) == s);
	map_fails = false;
	CHECK(heap_free(&fresh, s));
}

static void test_bad_frees(void)
{
	struct heap h = new_heap();
	char *p = heap_alloc(&h, 64);
	CHECK(heap_free(&h, p));
	CHECK(!heap_free(&h, p)); /* double free */
	char *q = heap_alloc(&h, 64);
	CHECK(q == p);
	CHECK(!heap_free(&h, q + 16)); /* inside a block */
	CHECK(!heap_free(&h, q + 1));  /* misaligned */
	CHECK(!heap_is_live(NULL));
	static _Alignas(16) char not_heap[64];
	CHECK(!heap_free(&h, not_heap + 16));
	CHECK(heap_free(&h, q));
}

static void test_out_of_memory(void)
{
	struct heap h = new_heap();
	map_fails = true;
	CHECK(heap_alloc(&h, 10) == NULL);
	CHECK(heap_alloc(&h, 1 << 20) == NULL);
	map_fails = false;
	void *p = heap_alloc(&h, 10);
	CHECK(p != NULL);

	/* When a chunk runs out, its tail is filed under smaller classes, not lost. */
	size_t m0 = maps;
	void *blocks[64];
	int n = 0;
	while (maps == m0 && n < 64)
		blocks[n++] = heap_alloc(&h, 5000);
	CHECK(maps == m0 + 1);
	void *small = heap_alloc(&h, 1000);
	CHECK(small != NULL);
	for (int i = 0; i < n; i++)
		CHECK(heap_free(&h, blocks[i]));
	CHECK(heap_free(&h, small));
	CHECK(heap_free(&h, p));
}

int main(void)
{
	test_classes();
	test_stress();
	test_big_and_calloc();
	test_realloc();
	test_bad_frees();
	test_out_of_memory();
	return check_done("libc_malloc");
}
