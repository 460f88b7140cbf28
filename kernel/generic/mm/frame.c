/*
 * The physical frame allocator.
 *
 * frame_init() turns the usable ranges minus the reserved ones (and frame 0)
 * into sorted, disjoint regions of whole frames, cut at 1 MiB and 4 GiB so
 * that each region lies entirely below or above every FRAME_LOW* limit. Each
 * region has a bitmap with one bit per frame, set when the frame is free. The
 * bitmaps share one block taken from the top of the highest region below
 * 4 GiB, which then leaves that region: like frame 0 and the reserved ranges
 * it is not managed, so freeing it is caught.
 *
 * Allocations take the highest suitable frames, scanning regions from the top
 * and bitmaps a word at a time. Each region remembers the highest bitmap word
 * that may still hold a free bit, so the used top of memory is not rescanned.
 *
 * The bookkeeping touches no hardware. Host unit tests (test/host/) include
 * this file with IRIS_HOST_TEST defined, after providing the kernel services it
 * uses: spinlock_t, SPINLOCK_INIT, spin_lock_irqsave, spin_unlock_irqrestore,
 * panic, pr_info, pr_warn, memset, phys_to_virt and HHDM_SIZE.
 */
#include <mm/frame.h>

#ifndef IRIS_HOST_TEST
#include <common/string.h>
#include <console/log.h>
#include <debug/panic.h>
#include <mm/layout.h>
#include <sync/spinlock.h>
#endif

#define FRAME_MAX_REGIONS 128
#define PFN_1M            ((1ull << 20) >> PAGE_SHIFT)
#define PFN_4G            ((1ull << 32) >> PAGE_SHIFT)
#define PFN_NONE          UINT64_MAX /* frame 0 is never managed, but it is a valid index */

/* Frames [start, end), as frame numbers. */
struct pfn_range {
	uint64_t start, end;
};

/* A working set of ranges while frame_init builds the regions. */
struct range_set {
	struct pfn_range r[FRAME_MAX_REGIONS];
	size_t n;
	uint64_t dropped; /* frames left out because r was full */
};

struct frame_region {
	uint64_t start, end; /* frame numbers, [start, end) */
	uint64_t *bits;      /* bit i set: frame start + i is free */
	size_t nfree;
	uint64_t top_word; /* no bitmap word above this one has a free bit */
};

static spinlock_t frame_lock = SPINLOCK_INIT;
static struct frame_region frame_regions[FRAME_MAX_REGIONS];
static size_t frame_nregions;
static size_t frame_total;
static size_t frame_nfree;
static struct range_set frame_scratch;

/* A word with the low k bits set, 0 <= k <= 64. */
static uint64_t mask_below(uint64_t k)
{
	return k >= 64 ? ~0ull : (1ull << k) - 1;
}

/* Sets (set) or clears the bits [lo, hi) of the bitmap w. */
static void bits_assign(uint64_t *w, uint64_t lo, uint64_t hi, bool set)
{
	while (lo < hi) {
		uint64_t i = lo / 64, base = i * 64;
		uint64_t top = hi < base + 64 ? hi : base + 64;
		uint64_t m = mask_below(top - base) & ~mask_below(lo - base);

		w[i] = set ? w[i] | m : w[i] & ~m;
		lo = top;
	}
}

/* Returns the highest index in [lo, hi) whose bit in w equals `set`, or PFN_NONE. */
static uint64_t bits_find_last(const uint64_t *w, uint64_t lo, uint64_t hi, bool set)
{
	while (lo < hi) {
		uint64_t i = (hi - 1) / 64, base = i * 64;
		uint64_t x = (set ? w[i] : ~w[i]) & mask_below(hi - base);

		if (lo > base)
			x &= ~mask_below(lo - base);
		if (x)
			return base + 63 - (uint64_t)__builtin_clzll(x);
		hi = base;
	}
	return PFN_NONE;
}

static uint64_t bitmap_words(uint64_t frames)
{
	return (frames + 63) / 64;
}

/* Adds [start, end) to s, or counts it as dropped if s is full. */
static void ranges_add(struct range_set *s, uint64_t start, uint64_t end)
{
	if (start >= end)
		return;
	if (s->n == FRAME_MAX_REGIONS) {
		s->dropped += end - start;
		return;
	}
	s->r[s->n++] = (struct pfn_range){ start, end };
}

static void ranges_sort(struct range_set *s)
{
	for (size_t i = 1; i < s->n; i++) {
		struct pfn_range x = s->r[i];
		size_t j = i;

		for (; j > 0 && s->r[j - 1].start > x.start; j--)
			s->r[j] = s->r[j - 1];
		s->r[j] = x;
	}
}

/* Merges the overlapping or touching ranges of a sorted set. */
static void ranges_merge(struct range_set *s)
{
	size_t out = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (out > 0 && s->r[i].start <= s->r[out - 1].end) {
			if (s->r[i].end > s->r[out - 1].end)
				s->r[out - 1].end = s->r[i].end;
		} else {
			s->r[out++] = s->r[i];
		}
	}
	s->n = out;
}

/* Removes the frames [start, end) from every range of s; leaves s unsorted. */
static void ranges_subtract(struct range_set *s, uint64_t start, uint64_t end)
{
	size_t i = 0;

	while (i < s->n) {
		struct pfn_range *x = &s->r[i];

		if (end <= x->start || start >= x->end) {
			i++;
		} else if (start <= x->start && end >= x->end) {
			*x = s->r[--s->n];
		} else if (start > x->start && end < x->end) {
			uint64_t old_end = x->end;

			x->end = start;
			ranges_add(s, end, old_end);
			i++;
		} else {
			if (start <= x->start)
				x->start = end;
			else
				x->end = start;
			i++;
		}
	}
}

/* Cuts every range of s that spans the frame number `at` in two; leaves s unsorted. */
static void ranges_split(struct range_set *s, uint64_t at)
{
	for (size_t i = 0, n = s->n; i < n; i++) {
		struct pfn_range *x = &s->r[i];

		if (x->start < at && at < x->end) {
			uint64_t old_end = x->end;

			x->end = at;
			ranges_add(s, at, old_end);
		}
	}
}

/*
 * Takes `frames` frames for the bitmaps off the top of the highest range of the
 * sorted set s that ends at or below 4 GiB and is large enough. Returns the
 * first frame number, or PFN_NONE if no range qualifies.
 */
static uint64_t bitmap_place(struct range_set *s, uint64_t frames)
{
	for (size_t i = s->n; i-- > 0;) {
		struct pfn_range *x = &s->r[i];

		if (x->end <= PFN_4G && x->end - x->start >= frames) {
			x->end -= frames;
			return x->end;
		}
	}
	return PFN_NONE;
}

/* The frame numbers [start, end) fully inside the bytes [base, base + size) clipped to lim. */
static struct pfn_range pfn_inward(const struct mem_range *m, uint64_t lim)
{
	uint64_t base = m->base < lim ? m->base : lim;
	uint64_t end = m->size < lim - base ? base + m->size : lim;

	return (struct pfn_range){ (base + PAGE_SIZE - 1) >> PAGE_SHIFT, end >> PAGE_SHIFT };
}

/* The frame numbers [start, end) touching the bytes [base, base + size) clipped to lim. */
static struct pfn_range pfn_outward(const struct mem_range *m, uint64_t lim)
{
	uint64_t base = m->base < lim ? m->base : lim;
	uint64_t end = m->size < lim - base ? base + m->size : lim;

	return (struct pfn_range){ base >> PAGE_SHIFT, (end + PAGE_SIZE - 1) >> PAGE_SHIFT };
}

/*
 * Builds the regions from the sorted, disjoint ranges of s, with their bitmaps
 * laid out one after the other from `bits`, every frame free.
 */
static void regions_build(const struct range_set *s, uint64_t *bits)
{
	frame_nregions = 0;
	frame_total = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct frame_region *g = &frame_regions[frame_nregions];
		uint64_t frames = s->r[i].end - s->r[i].start;
		uint64_t words = bitmap_words(frames);

		if (frames == 0)
			continue;
		g->start = s->r[i].start;
		g->end = s->r[i].end;
		g->bits = bits;
		bits_assign(bits, 0, words * 64, false);
		bits_assign(bits, 0, frames, true);
		g->nfree = frames;
		g->top_word = words - 1;
		bits += words;
		frame_total += frames;
		frame_nregions++;
	}
	frame_nfree = frame_total;
}

void frame_init(const struct mem_range *usable, size_t nusable, const struct mem_range *reserved,
                size_t nreserved)
{
	struct range_set *s = &frame_scratch;
	uint64_t words = 0, bitmap_frames, bitmap_pfn = 0;

	s->n = 0;
	s->dropped = 0;
	for (size_t i = 0; i < nusable; i++) {
		struct pfn_range x = pfn_inward(&usable[i], HHDM_SIZE);

		if (s->n == FRAME_MAX_REGIONS) {
			ranges_sort(s);
			ranges_merge(s);
		}
		ranges_add(s, x.start, x.end);
	}
	ranges_sort(s);
	ranges_merge(s);
	ranges_subtract(s, 0, 1); /* frame 0 */
	for (size_t i = 0; i < nreserved; i++) {
		struct pfn_range x = pfn_outward(&reserved[i], HHDM_SIZE);

		if (reserved[i].size > 0)
			ranges_subtract(s, x.start, x.end);
	}
	ranges_split(s, PFN_1M);
	ranges_split(s, PFN_4G);
	ranges_sort(s);

	for (size_t i = 0; i < s->n; i++)
		words += bitmap_words(s->r[i].end - s->r[i].start);
	bitmap_frames = (words * sizeof(uint64_t) + PAGE_SIZE - 1) / PAGE_SIZE;
	if (bitmap_frames > 0) {
		bitmap_pfn = bitmap_place(s, bitmap_frames);
		if (bitmap_pfn == PFN_NONE)
			panic("frame: no room below 4 GiB for %llu KiB of bitmaps",
			      (unsigned long long)(bitmap_frames * PAGE_SIZE / 1024));
	}
	regions_build(s, phys_to_virt(bitmap_pfn << PAGE_SHIFT));

	pr_info("frame: %llu MiB in %zu regions, %llu KiB of bitmaps at %#llx\n",
	        (unsigned long long)(frame_total * PAGE_SIZE >> 20), frame_nregions,
	        (unsigned long long)(bitmap_frames * PAGE_SIZE / 1024),
	        (unsigned long long)(bitmap_pfn << PAGE_SHIFT));
	if (s->dropped)
		pr_warn("frame: memory map too fragmented, %llu KiB left unused\n",
		        (unsigned long long)(s->dropped * PAGE_SIZE / 1024));
}

/*
 * Takes the highest run of `count` free frames of g whose first frame number
 * is a multiple of `align` (a power of two). Returns the first frame number,
 * or PFN_NONE if g has no such run.
 */
static uint64_t region_take(struct frame_region *g, uint64_t count, uint64_t align)
{
	uint64_t frames = g->end - g->start;
	uint64_t end = (g->top_word + 1) * 64;
	bool first = true;

	if (end > frames)
		end = frames;
	for (;;) {
		/* The run must end at or below the highest free frame under `end`. */
		uint64_t f = bits_find_last(g->bits, 0, end, true), start, used;

		if (f == PFN_NONE && first)
			panic("frame: region at %#llx counts %zu free frames, its bitmap none",
			      (unsigned long long)(g->start << PAGE_SHIFT), g->nfree);
		if (f == PFN_NONE)
			return PFN_NONE;
		if (first)
			g->top_word = f / 64;
		first = false;
		if (g->start + f + 1 < count)
			return PFN_NONE;
		start = (g->start + f + 1 - count) & ~(align - 1);
		if (start < g->start)
			return PFN_NONE;
		start -= g->start;
		used = bits_find_last(g->bits, start, start + count, false);
		if (used == PFN_NONE) {
			bits_assign(g->bits, start, start + count, false);
			g->nfree -= count;
			return g->start + start;
		}
		/* Every candidate at or above `start` holds the used frame. */
		end = used;
	}
}

paddr_t frame_alloc_contig(size_t count, size_t align, unsigned flags)
{
	uint64_t limit = UINT64_MAX, pfn = PFN_NONE;
	bool irq;

	if (count == 0 || align == 0 || (align & (align - 1)) != 0)
		return 0;
	if (flags & FRAME_LOW32)
		limit = PFN_4G;
	if (flags & FRAME_LOW1M)
		limit = PFN_1M;

	irq = spin_lock_irqsave(&frame_lock);
	for (size_t i = frame_nregions; pfn == PFN_NONE && i-- > 0;) {
		struct frame_region *g = &frame_regions[i];

		if (g->end <= limit && g->nfree >= count)
			pfn = region_take(g, count, align);
	}
	if (pfn != PFN_NONE)
		frame_nfree -= count;
	spin_unlock_irqrestore(&frame_lock, irq);
	return pfn == PFN_NONE ? 0 : pfn << PAGE_SHIFT;
}

paddr_t frame_alloc(void)
{
	paddr_t p = frame_alloc_contig(1, 1, FRAME_ANY);

	if (p)
		memset(phys_to_virt(p), 0, PAGE_SIZE);
	return p;
}

/* The region holding frame number pfn, or NULL. */
static struct frame_region *region_find(uint64_t pfn)
{
	size_t lo = 0, hi = frame_nregions;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pfn < frame_regions[mid].start)
			hi = mid;
		else if (pfn >= frame_regions[mid].end)
			lo = mid + 1;
		else
			return &frame_regions[mid];
	}
	return NULL;
}

void frame_free_contig(paddr_t first, size_t count)
{
	uint64_t pfn = first >> PAGE_SHIFT;
	bool irq;

	if (first & (PAGE_SIZE - 1))
		panic("frame_free: %#llx is not a frame address", (unsigned long long)first);

	irq = spin_lock_irqsave(&frame_lock);
	while (count > 0) {
		struct frame_region *g = region_find(pfn);
		uint64_t lo, hi, twice;

		if (!g)
			panic("frame_free: %#llx is not managed memory",
			      (unsigned long long)(pfn << PAGE_SHIFT));
		lo = pfn - g->start;
		hi = g->end - pfn < count ? g->end - g->start : lo + count;
		twice = bits_find_last(g->bits, lo, hi, true);
		if (twice != PFN_NONE)
			panic("frame_free: double free of %#llx",
			      (unsigned long long)((g->start + twice) << PAGE_SHIFT));
		bits_assign(g->bits, lo, hi, true);
		if ((hi - 1) / 64 > g->top_word)
			g->top_word = (hi - 1) / 64;
		g->nfree += hi - lo;
		frame_nfree += hi - lo;
		pfn += hi - lo;
		count -= hi - lo;
	}
	spin_unlock_irqrestore(&frame_lock, irq);
}

void frame_free(paddr_t frame)
{
	frame_free_contig(frame, 1);
}

size_t frame_count_free(void)
{
	bool irq = spin_lock_irqsave(&frame_lock);
	size_t n = frame_nfree;

	spin_unlock_irqrestore(&frame_lock, irq);
	return n;
}

size_t frame_count_total(void)
{
	return frame_total;
}
