/*
 * The kernel heap: slab caches for sizes up to 2 KiB (power-of-two classes
 * from 16 bytes), whole pages from the kernel virtual window above that.
 *
 * Misuse panics with the object's owners: a write to a freed slab object
 * (seen when it is handed out again) and a double free name the code that
 * allocated and freed it. Built with -Dkernel_heap_debug=true the heap also
 * poisons whole freed objects and puts redzones around every block, checked on
 * free and on reuse, and keeps short call traces, the CPU and the time of each
 * free (see heap.c).
 */
#pragma once

#include <stddef.h>

/* Sets up the kmalloc size classes; call once, after frame_init(). */
void heap_init(void);

/*
 * Returns a 16-byte aligned block of at least `size` bytes (zero-filled for
 * kzalloc), or NULL if the memory cannot be allocated (or size is 0). Safe in
 * interrupt handlers for sizes up to 2 KiB.
 */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
/*
 * Frees a kmalloc block; NULL is ignored. Freeing anything else, or twice, or
 * (with kernel_heap_debug) a block written past either end, panics.
 */
void kfree(void *p);

/*
 * A cache of fixed-size objects; slab pages come from the frame allocator.
 * slab_cache_create returns NULL if object_size is 0 or over SLAB_OBJECT_MAX
 * bytes, or memory is out; `name` must
 * outlive the cache. Objects are 16-byte aligned and not zeroed; slab_alloc
 * returns NULL if memory is out. slab_free(c, NULL) does nothing.
 */
#define SLAB_OBJECT_MAX 3968
struct slab_cache;
struct slab_cache *slab_cache_create(const char *name, size_t object_size);
void *slab_alloc(struct slab_cache *c);
void slab_free(struct slab_cache *c, void *obj);

/*
 * Statistics for tests: bytes currently handed out by kmalloc, each block
 * counted as its size class or its whole pages.
 */
size_t heap_bytes_in_use(void);
