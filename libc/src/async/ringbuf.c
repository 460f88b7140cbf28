/* Creating and destroying a process's mapping of a ring (iris/ringbuf.h). */
#include <iris/ringbuf.h>
#include <iris/sys.h>

int iris_ringbuf_setup(struct iris_ringbuf *rb, uint32_t sq_entries, uint32_t cq_entries,
                       unsigned flags)
{
	struct iris_ring_params p;
	long ring = sys_ring_setup(sq_entries, cq_entries, flags, &p);
	if (ring < 0)
		return (int)ring;
	long base = sys_map(NULL, p.size, IRIS_PROT_READ | IRIS_PROT_WRITE, 0, p.vmo, 0);
	sys_handle_close(p.vmo);
	if (base < 0) {
		sys_handle_close((iris_handle_t)ring);
		return (int)base;
	}
	*rb = (struct iris_ringbuf){
		.ring = (iris_handle_t)ring,
		.flags = flags,
		.base = (void *)base,
		.size = p.size,
		.hdr = (struct iris_ring_header *)base,
		.sq = (struct iris_sqe *)(base + p.sq_offset),
		.cq = (struct iris_cqe *)(base + p.cq_offset),
		.sq_entries = p.sq_entries,
		.cq_entries = p.cq_entries,
	};
	return 0;
}

void iris_ringbuf_destroy(struct iris_ringbuf *rb)
{
	sys_handle_close(rb->ring);
	sys_unmap(rb->base, rb->size);
}
