/*
 * DMA buffers: physically contiguous, pinned memory the device reaches at
 * `phys` and the driver at `vaddr` (SYS_DMA_CREATE, then SYS_MAP). The
 * kernel frees it only once the device's bus mastering is off.
 */
#pragma once

#include <iris/abi/handle.h>
#include <stddef.h>
#include <stdint.h>

struct drv;

struct drv_dma_buf {
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
int drv_dma_alloc(struct drv *d, size_t size, unsigned flags, struct drv_dma_buf *b);

/* Frees b (nothing when it holds no buffer: vaddr NULL). */
void drv_dma_free(struct drv_dma_buf *b);
