/*
 * Self tests of the frame allocator. They assume nothing else allocates
 * frames while they run, so the free count must come back exactly.
 */
#include <mm/frame.h>
#include <mm/layout.h>
#include <stddef.h>
#include <stdint.h>
#include <test/ktest.h>

#define TEST_FRAMES 256
#define GIB4        (1ull << 32)

static paddr_t frames[TEST_FRAMES];

static void frame_fill(paddr_t p, uint64_t v)
{
	uint64_t *w = phys_to_virt(p);

	for (size_t i = 0; i < PAGE_SIZE / sizeof(*w); i++)
		w[i] = v;
}

/* True if every word of the frame at p is v. */
static bool frame_holds(paddr_t p, uint64_t v)
{
	const uint64_t *w = phys_to_virt(p);

	for (size_t i = 0; i < PAGE_SIZE / sizeof(*w); i++) {
		if (w[i] != v)
			return false;
	}
	return true;
}

static uint64_t tag(size_t i)
{
	return 0x5eed000000000000ull | i;
}

KTEST(frame_counts)
{
	KT_EXPECT(t, frame_count_total() > 0);
	KT_EXPECT(t, frame_count_free() <= frame_count_total());
}

/* Distinct, aligned, zeroed frames; each keeps its own contents; all come back. */
KTEST(frame_alloc_free)
{
	size_t before = frame_count_free(), n = 0;

	for (; n < TEST_FRAMES; n++) {
		paddr_t p = frame_alloc();

		if (p == 0)
			break;
		frames[n] = p;
		KT_EXPECT(t, (p & (PAGE_SIZE - 1)) == 0);
		KT_EXPECT(t, frame_holds(p, 0));
		frame_fill(p, tag(n));
	}
	KT_EXPECT(t, n == TEST_FRAMES);
	KT_EXPECT(t, frame_count_free() == before - n);
	for (size_t i = 0; i < n; i++)
		KT_EXPECT(t, frame_holds(frames[i], tag(i)));
	for (size_t i = 0; i < n; i++)
		frame_free(frames[i]);
	KT_EXPECT(t, frame_count_free() == before);
}

KTEST(frame_realloc_zeroed)
{
	size_t before = frame_count_free();

	for (size_t i = 0; i < 8; i++) {
		paddr_t p = frame_alloc();

		KT_ASSERT(t, p != 0);
		KT_EXPECT(t, frame_holds(p, 0));
		frame_fill(p, ~0ull);
		frame_free(p);
	}
	KT_EXPECT(t, frame_count_free() == before);
}

KTEST(frame_contig_aligned)
{
	static const struct {
		size_t count, align;
		unsigned flags;
	} cases[] = {
		{ 2, 1, FRAME_ANY },   { 16, 16, FRAME_ANY },   { 512, 512, FRAME_ANY },
		{ 5, 8, FRAME_LOW32 }, { 64, 64, FRAME_LOW32 }, { 1, 1, FRAME_LOW1M },
	};
	size_t before = frame_count_free();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t count = cases[i].count;
		paddr_t p = frame_alloc_contig(count, cases[i].align, cases[i].flags);

		KT_EXPECT(t, p != 0);
		if (p == 0)
			continue;
		KT_EXPECT(t, p % (cases[i].align * PAGE_SIZE) == 0);
		KT_EXPECT(t, frame_count_free() == before - count);
		if (cases[i].flags & FRAME_LOW32)
			KT_EXPECT(t, p + count * PAGE_SIZE <= GIB4);
		if (cases[i].flags & FRAME_LOW1M)
			KT_EXPECT(t, p + count * PAGE_SIZE <= (1u << 20));
		for (size_t f = 0; f < count; f++)
			*(volatile uint64_t *)phys_to_virt(p + f * PAGE_SIZE) = tag(f);
		for (size_t f = 0; f < count; f++)
			KT_EXPECT(t,
			          *(volatile uint64_t *)phys_to_virt(p + f * PAGE_SIZE) == tag(f));
		frame_free_contig(p, count);
		KT_EXPECT(t, frame_count_free() == before);
	}
	KT_EXPECT(t, frame_alloc_contig(0, 1, FRAME_ANY) == 0);
	KT_EXPECT(t, frame_alloc_contig(1, 3, FRAME_ANY) == 0);
	KT_EXPECT(t, frame_alloc_contig((size_t)1 << 40, 1, FRAME_ANY) == 0);
	KT_EXPECT(t, frame_count_free() == before);
}

KTEST(frame_low32)
{
	size_t before = frame_count_free(), n = 0;

	for (; n < 64; n++) {
		frames[n] = frame_alloc_contig(1, 1, FRAME_LOW32);
		if (frames[n] == 0)
			break;
		KT_EXPECT(t, frames[n] < GIB4);
	}
	KT_EXPECT(t, n == 64);
	for (size_t i = 0; i < n; i++)
		frame_free(frames[i]);
	KT_EXPECT(t, frame_count_free() == before);
}

/* Takes every free frame below 1 MiB (at most 255 exist), then gives them back. */
KTEST(frame_low1m_exhaust)
{
	size_t before = frame_count_free(), n = 0;

	for (; n < TEST_FRAMES; n++) {
		frames[n] = frame_alloc_contig(1, 1, FRAME_LOW1M);
		if (frames[n] == 0)
			break;
		KT_EXPECT(t, frames[n] < (1u << 20));
		KT_EXPECT(t, n == 0 || frames[n] < frames[n - 1]); /* highest first */
	}
	KT_EXPECT(t, n > 0 && n < TEST_FRAMES);
	KT_EXPECT(t, frame_alloc_contig(1, 1, FRAME_LOW1M) == 0);
	for (size_t i = 0; i < n; i++)
		frame_free(frames[i]);
	KT_EXPECT(t, frame_count_free() == before);
	KT_EXPECT(t, frame_alloc_contig(1, 1, FRAME_LOW1M) == frames[0]);
	frame_free(frames[0]);
}

/* With more than 4 GiB of RAM, frame_alloc() hands out (usable) memory above 4 GiB. */
KTEST(frame_high_memory)
{
	paddr_t p;

	if (frame_count_total() <= GIB4 / PAGE_SIZE) {
		ktest_skip(t, "%zu MiB of RAM, none above 4 GiB",
		           (size_t)(frame_count_total() * PAGE_SIZE >> 20));
		return;
	}
	p = frame_alloc();
	KT_ASSERT(t, p != 0);
	KT_EXPECT(t, p >= GIB4);
	KT_EXPECT(t, frame_holds(p, 0));
	frame_fill(p, 0xa5a5a5a55a5a5a5aull);
	KT_EXPECT(t, frame_holds(p, 0xa5a5a5a55a5a5a5aull));
	frame_free(p);
}
