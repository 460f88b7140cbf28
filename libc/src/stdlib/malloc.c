/* malloc and friends: the heap core (heap.h) over anonymous SYS_MAP memory, under one lock. */
#include "../internal.h"
#include "heap.h"
#include <errno.h>
#include <iris/sys.h>
#include <stdlib.h>
#include <string.h>

static void *map_pages(size_t len)
{
	long r = sys_map(NULL, len, IRIS_PROT_READ | IRIS_PROT_WRITE, 0, IRIS_HANDLE_INVALID, 0);
	return r < 0 ? NULL : (void *)r;
}

static void unmap_pages(void *addr, size_t len)
{
	sys_unmap(addr, len);
}

static int heap_lock;
static struct heap heap = { .map = map_pages, .unmap = unmap_pages };

/* Reports a corrupt free()/realloc() argument on the console and aborts. */
_Noreturn static void bad_pointer(const char *fn)
{
	static const char msg[] = ": invalid pointer or double free\n";
	libc_console_write(fn, strlen(fn));
	libc_console_write(msg, sizeof(msg) - 1);
	abort();
}

void *malloc(size_t size)
{
	libc_lock(&heap_lock);
	void *p = heap_alloc(&heap, size);
	libc_unlock(&heap_lock);
	if (!p)
		errno = ENOMEM;
	return p;
}

void *calloc(size_t count, size_t size)
{
	libc_lock(&heap_lock);
	void *p = heap_calloc(&heap, count, size);
	libc_unlock(&heap_lock);
	if (!p)
		errno = ENOMEM;
	return p;
}

void *realloc(void *ptr, size_t size)
{
	if (!ptr)
		return malloc(size);
	libc_lock(&heap_lock);
	if (!heap_is_live(ptr)) {
		libc_unlock(&heap_lock);
		bad_pointer("realloc");
	}
	void *p = heap_realloc(&heap, ptr, size);
	libc_unlock(&heap_lock);
	if (!p)
		errno = ENOMEM;
	return p;
}

void free(void *ptr)
{
	if (!ptr)
		return;
	libc_lock(&heap_lock);
	bool ok = heap_free(&heap, ptr);
	libc_unlock(&heap_lock);
	if (!ok)
		bad_pointer("free");
}
