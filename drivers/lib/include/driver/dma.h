/*
 * DMA buffers: physically contiguous, pinned memory the device reaches at
 * `phys` and the driver at `vaddr` (SYS_DMA_CREATE, then SYS_MAP). The
 * kernel frees it only once the device's bus mastering is off.
 */
#pragma once

#include <iris/abi/handle.h>
#include <stddef.h>
#include <stdint.h>

struct driver;

struct dma_buf {
	void *vaddr;
	uint64_t phys;
	size_t size; /* rounded up to pages */
	iris_handle_t handle;
};

/*
 * Allocates `size` bytes (at most IRIS_DMA_MAX) of zeroed DMA memory with
 * `flags` (IRIS_DMA_32BIT for devices that cannot address above 4 GiB).
 * 0 or a negative errno.
 */
int dma_alloc(struct driver *d, size_t size, unsigned flags, struct dma_buf *b);

/* Frees b (nothing when it holds no buffer: vaddr NULL). */
void dma_free(struct dma_buf *b);
