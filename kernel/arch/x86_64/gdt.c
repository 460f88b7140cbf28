#include <arch/percpu.h>
#include <common/string.h>
#include <x86_64/gdt.h>

struct __attribute__((packed)) descriptor_ptr {
	uint16_t limit;
	uint64_t base;
};

/* Interrupt stacks for faults that must not run on a possibly broken stack. */
#define IST_STACK_SIZE 8192
static uint8_t ist_stacks[MAX_CPUS][3][IST_STACK_SIZE] __attribute__((aligned(16)));

/* Each CPU's GDT and TSS, indexed by its id (struct cpu points at its own). */
static struct gdt_block gdt_blocks[MAX_CPUS];

static uint64_t tss_low(uint64_t base, uint32_t limit)
{
	return (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
	       ((uint64_t)((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
}

void gdt_init_cpu(struct cpu *c)
{
	struct gdt_block *g = &gdt_blocks[c->id];
	uint64_t tss = (uint64_t)(uintptr_t)&g->tss;

	memset(g, 0, sizeof(*g));
	g->entries[0] = 0;
	g->entries[GDT_KERNEL_CODE / 8] = 0x00af9a000000ffff;
	g->entries[GDT_KERNEL_DATA / 8] = 0x00cf92000000ffff;
	g->entries[GDT_USER_DATA / 8] = 0x00cff2000000ffff;
	g->entries[GDT_USER_CODE / 8] = 0x00affa000000ffff;
	/* The limit covers the I/O bitmap: ioperm.c points iomap_base at it or past it. */
	g->entries[GDT_TSS / 8] =
	        tss_low(tss, (uint32_t)(sizeof(struct tss) + sizeof(g->iomap) - 1));
	g->entries[GDT_TSS / 8 + 1] = tss >> 32;

	for (int i = 0; i < 3; i++)
		g->tss.ist[i] = (uint64_t)(uintptr_t)&ist_stacks[c->id][i][IST_STACK_SIZE];
	g->tss.rsp[0] = c->kstack_top;
	memset(g->iomap, 0xff, sizeof(g->iomap));
	g->tss.iomap_base = 0xffff; /* no bitmap: every port denied in ring 3 */
	c->gdt = g;

	struct descriptor_ptr ptr = { sizeof(g->entries) - 1, (uint64_t)(uintptr_t)g->entries };
	__asm__ volatile("lgdt %0\n\t"
	                 "pushq %1\n\t"
	                 "leaq 1f(%%rip), %%rax\n\t"
	                 "pushq %%rax\n\t"
	                 "lretq\n"
	                 "1:\n\t"
	                 "movw %w2, %%ax\n\t"
	                 "movw %%ax, %%ds\n\t"
	                 "movw %%ax, %%es\n\t"
	                 "movw %%ax, %%ss\n\t"
	                 "xorl %%eax, %%eax\n\t"
	                 "movw %%ax, %%fs\n\t"
	                 "movw %%ax, %%gs\n\t"
	                 "ltr %w3"
	                 :
	                 : "m"(ptr), "i"((uint64_t)GDT_KERNEL_CODE), "r"(GDT_KERNEL_DATA),
	                   "r"(GDT_TSS)
	                 : "rax", "memory");
}
