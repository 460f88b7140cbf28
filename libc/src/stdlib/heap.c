/* The allocator core (see heap.h). */
#include "heap.h"
#include <stdint.h>
#include <string.h>

#define MAGIC_USED 0x55534544u /* a live small block */
#define MAGIC_FREE 0x46524545u /* a small block in a free list */
#define MAGIC_BIG  0x42494721u /* a live block with its own mapping */

#define CHUNK_MIN (64u << 10)
#define CHUNK_MAX (1u << 20)

struct block {
	uint32_t magic;
	uint32_t cls; /* size class (small blocks) */
	size_t size;  /* payload bytes (small), or the whole mapping's length (big) */
};
_Static_assert(sizeof(struct block) == HEAP_HEADER, "the header keeps payloads 16-byte aligned");

static struct block *block_of(const void *p)
{
	return (struct block *)((uintptr_t)p - HEAP_HEADER);
}

static void *payload_of(struct block *b)
{
	return (char *)b + HEAP_HEADER;
}

unsigned heap_class_of(size_t n)
{
	if (n <= 128)
		return n == 0 ? 0 : (unsigned)((n - 1) / 16);
	/* 2^p < n <= 2^(p+1), p >= 7: four classes of 2^(p-2) bytes each step. */
	unsigned p = 63 - (unsigned)__builtin_clzll((unsigned long long)(n - 1));
	unsigned step = (unsigned)((n - 1) >> (p - 2)) - 4;
	return 8 + (p - 7) * 4 + step;
}

size_t heap_class_size(unsigned c)
{
	if (c < 8)
		return (size_t)(c + 1) * 16;
	unsigned p = (c - 8) / 4 + 7, step = (c - 8) % 4;
	return (size_t)(5 + step) << (p - 2);
}

static void push_free(struct heap *h, struct block *b)
{
	b->magic = MAGIC_FREE;
	void *next = h->free_lists[b->cls];
	memcpy(payload_of(b), &next, sizeof(next));
	h->free_lists[b->cls] = b;
}

static struct block *pop_free(struct heap *h, unsigned c)
{
	struct block *b = h->free_lists[c];
	if (b)
		memcpy(&h->free_lists[c], payload_of(b), sizeof(void *));
	return b;
}

/* Cuts a block of class c from the current chunk (which must have room). */
static struct block *cut(struct heap *h, unsigned c)
{
	struct block *b = (struct block *)h->bump;
	b->cls = c;
	b->size = heap_class_size(c);
	h->bump += HEAP_HEADER + b->size;
	return b;
}

/* Files what is left of the current chunk into the free lists, biggest class first. */
static void spill_chunk(struct heap *h)
{
	for (;;) {
		size_t left = (size_t)(h->bump_end - h->bump);
		if (left < HEAP_HEADER + 16)
			break;
		size_t room = left - HEAP_HEADER;
		if (room > HEAP_SMALL_MAX)
			room = HEAP_SMALL_MAX;
		unsigned c = heap_class_of(room);
		if (heap_class_size(c) > room)
			c--;
		push_free(h, cut(h, c));
	}
	h->bump = h->bump_end = NULL;
}

/* Returns a new block of class c from the current chunk, mapping a new chunk if needed. */
static struct block *carve(struct heap *h, unsigned c)
{
	size_t need = HEAP_HEADER + heap_class_size(c);
	if (!h->bump || (size_t)(h->bump_end - h->bump) < need) {
		spill_chunk(h);
		size_t len = h->next_chunk ? h->next_chunk : CHUNK_MIN;
		if (len < need)
			len = (need + HEAP_PAGE - 1) & ~(size_t)(HEAP_PAGE - 1);
		char *m = h->map(len);
		if (!m)
			return NULL;
		h->bump = m;
		h->bump_end = m + len;
		h->next_chunk = len < CHUNK_MAX ? len * 2 : CHUNK_MAX;
	}
	return cut(h, c);
}

static void *big_alloc(struct heap *h, size_t n)
{
	if (n > SIZE_MAX - HEAP_HEADER - HEAP_PAGE)
		return NULL;
	size_t len = (n + HEAP_HEADER + HEAP_PAGE - 1) & ~(size_t)(HEAP_PAGE - 1);
	struct block *b = h->map(len);
	if (!b)
		return NULL;
	b->magic = MAGIC_BIG;
	b->cls = HEAP_CLASSES;
	b->size = len;
	return payload_of(b);
}

void *heap_alloc(struct heap *h, size_t n)
{
	if (n > HEAP_SMALL_MAX)
		return big_alloc(h, n);
	unsigned c = heap_class_of(n);
	struct block *b = pop_free(h, c);
	if (!b)
		b = carve(h, c);
	if (!b)
		return NULL;
	b->magic = MAGIC_USED;
	return payload_of(b);
}

void *heap_calloc(struct heap *h, size_t count, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(count, size, &n))
		return NULL;
	void *p = heap_alloc(h, n);
	/* A big block is a fresh mapping, already zero. */
	if (p && n <= HEAP_SMALL_MAX)
		memset(p, 0, n);
	return p;
}

bool heap_is_live(const void *p)
{
	if (!p || ((uintptr_t)p & 15))
		return false;
	const struct block *b = block_of(p);
	if (b->magic == MAGIC_USED)
		return b->cls < HEAP_CLASSES && b->size == heap_class_size(b->cls);
	return b->magic == MAGIC_BIG && b->size > HEAP_SMALL_MAX &&
	       ((uintptr_t)b & (HEAP_PAGE - 1)) == 0;
}

size_t heap_usable_size(const void *p)
{
	const struct block *b = block_of(p);
	return b->magic == MAGIC_BIG ? b->size - HEAP_HEADER : b->size;
}

bool heap_free(struct heap *h, void *p)
{
	if (!heap_is_live(p))
		return false;
	struct block *b = block_of(p);
	if (b->magic == MAGIC_BIG) {
		b->magic = 0;
		h->unmap(b, b->size);
	} else {
		push_free(h, b);
	}
	return true;
}

void *heap_realloc(struct heap *h, void *p, size_t n)
{
	struct block *b = block_of(p);
	size_t have = heap_usable_size(p);

	if (b->magic == MAGIC_USED) {
		if (n <= HEAP_SMALL_MAX && heap_class_of(n) == b->cls)
			return p;
	} else if (n > HEAP_SMALL_MAX && n <= have && n >= have / 2) {
		return p; /* a big block that is not much too big */
	}
	void *q = heap_alloc(h, n);
	if (!q)
		return n <= have ? p : NULL; /* shrinking can always stay in place */
	memcpy(q, p, n < have ? n : have);
	heap_free(h, p);
	return q;
}
