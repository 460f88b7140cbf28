/* DMA buffers for drivers (driver/dma.h). */
#include <driver/dma.h>
#include <driver/driver.h>
#include <errno.h>
#include <iris/sys.h>
#include <string.h>

#define PAGE_SIZE 4096u

int drv_dma_alloc(struct drv *d, size_t size, unsigned flags, struct drv_dma_buf *b)
{
	if (size == 0 || size > IRIS_DMA_MAX)
		return -EINVAL;
	size = (size + PAGE_SIZE - 1) & ~(size_t)(PAGE_SIZE - 1);
	uint64_t phys = 0;
	long h = sys_dma_create(d->device, size, flags, &phys);
	if (h < 0)
		return (int)h;
	long addr = sys_map(NULL, size, IRIS_PROT_READ | IRIS_PROT_WRITE, 0, (iris_handle_t)h, 0);
	if (addr < 0) {
		sys_handle_close((iris_handle_t)h);
		return (int)addr;
	}
	memset((void *)addr, 0, size);
	*b = (struct drv_dma_buf){
		.vaddr = (void *)addr, .phys = phys, .size = size, .handle = (iris_handle_t)h
	};
	return 0;
}

void drv_dma_free(struct drv_dma_buf *b)
{
	if (!b->vaddr)
		return;
	sys_unmap(b->vaddr, b->size);
	sys_handle_close(b->handle);
	*b = (struct drv_dma_buf){ .handle = IRIS_HANDLE_INVALID };
}
