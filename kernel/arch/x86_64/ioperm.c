#include <arch/percpu.h>
#include <common/string.h>
#include <mm/heap.h>
#include <x86_64/gdt.h>
#include <x86_64/ioperm.h>

/* An offset past the TSS limit: the CPU then finds no bitmap and denies every port. */
#define IOMAP_NONE 0xffff

/* Generations are unique machine-wide, so a CPU never mistakes a new bitmap for a freed one. */
static uint64_t last_gen;

struct ioperm *ioperm_create(void)
{
	struct ioperm *io = kmalloc(sizeof(*io));
	if (!io)
		return NULL;
	memset(io->map, 0xff, sizeof(io->map));
	io->gen = __atomic_add_fetch(&last_gen, 1, __ATOMIC_RELAXED);
	return io;
}

void ioperm_destroy(struct ioperm *io)
{
	kfree(io);
}

void ioperm_set(struct ioperm *io, uint32_t first, uint32_t count, bool allow)
{
	for (uint32_t p = first; p < first + count && p < IOPERM_PORTS; p++) {
		if (allow)
			io->map[p / 8] &= (uint8_t) ~(1u << (p % 8));
		else
			io->map[p / 8] |= (uint8_t)(1u << (p % 8));
	}
	__atomic_store_n(&io->gen, __atomic_add_fetch(&last_gen, 1, __ATOMIC_RELAXED),
	                 __ATOMIC_RELEASE);
}

void ioperm_load(struct ioperm *io)
{
	struct cpu *c = cpu_current();
	if (!io) {
		c->gdt->tss.iomap_base = IOMAP_NONE;
		return;
	}
	uint64_t gen = __atomic_load_n(&io->gen, __ATOMIC_ACQUIRE);
	if (c->iomap_owner != io || c->iomap_gen != gen) {
		memcpy(c->gdt->iomap, io->map, IOPERM_BYTES);
		c->iomap_owner = io;
		c->iomap_gen = gen;
	}
	c->gdt->tss.iomap_base = (uint16_t)offsetof(struct gdt_block, iomap) -
	                         (uint16_t)offsetof(struct gdt_block, tss);
}
