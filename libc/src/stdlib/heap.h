/*
 * The allocator core behind malloc, independent of how memory is obtained
 * (so host tests can drive it). Not thread-safe: malloc.c holds a lock
 * around every call.
 *
 * Requests up to HEAP_SMALL_MAX bytes are rounded up to one of
 * HEAP_CLASSES size classes (multiples of 16 up to 128, then four steps per
 * power of two: at most 25% rounding); each class has a free list, and new
 * blocks are carved from chunks obtained with `map`. Small blocks are reused
 * but never returned to the system. Bigger requests get their own mapping,
 * given back with `unmap` on free.
 *
 * Every block starts with a 16-byte header (so payloads are 16-byte
 * aligned) that records its class and whether it is in use, which catches
 * double frees and most frees of pointers the heap never handed out.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define HEAP_PAGE      4096
#define HEAP_HEADER    16
#define HEAP_SMALL_MAX (128u << 10)
#define HEAP_CLASSES   48

struct heap {
	/* Returns len (a multiple of HEAP_PAGE) bytes of page-aligned, zero-filled memory, or NULL.
	 */
	void *(*map)(size_t len);
	/* Gives back a whole mapping that `map` returned. */
	void (*unmap)(void *addr, size_t len);

	void *free_lists[HEAP_CLASSES];
	char *bump, *bump_end; /* the unused rest of the current chunk */
	size_t next_chunk;     /* size of the next chunk to map (grows to a cap) */
};

/* Returns a block of at least n bytes (n == 0 counts as 1), or NULL when out of memory. */
void *heap_alloc(struct heap *h, size_t n);
/* Returns count * size zeroed bytes, or NULL when out of memory or when the product overflows. */
void *heap_calloc(struct heap *h, size_t count, size_t size);
/*
 * Resizes the live block p (keeping its contents up to the smaller size),
 * in place when it still fits its class. Returns the block, or NULL with p
 * untouched when out of memory.
 */
void *heap_realloc(struct heap *h, void *p, size_t n);
/* Frees the block p. Returns false, changing nothing, if p is not a live heap block. */
bool heap_free(struct heap *h, void *p);
/* Returns true if p looks like a live heap block (see heap_free). */
bool heap_is_live(const void *p);
/* Returns how many bytes the live block p can hold. */
size_t heap_usable_size(const void *p);

/* The size class of an n-byte request (n <= HEAP_SMALL_MAX), and the block size of a class. */
unsigned heap_class_of(size_t n);
size_t heap_class_size(unsigned c);
