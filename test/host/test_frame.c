/*
 * Host unit tests for the frame allocator. They compile the kernel's real
 * mm/frame.c (included below) against stand-ins for the kernel
 * services it uses; physical memory is a large MAP_NORESERVE mapping (only
 * the frames touched cost host memory) and phys_to_virt adds its address.
 * A simple independent model (one byte per frame) says which frames may be
 * handed out.
 *
 * Built by test/meson.build; run it alone with `meson test -C build frame`.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

/* --- Stand-ins for the kernel services frame.c uses. --- */
#include "kernel_stubs.h"

static bool verbose;

__attribute__((format(printf, 1, 2))) static void host_log(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

#define pr_info host_log
#define pr_warn host_log

#define HHDM_SIZE (64ull << 40)
#define HOST_RAM  (68ull << 30) /* the simulated physical address space */
#define GiB       (1ull << 30)
#define MiB       (1ull << 20)

static unsigned char *host_ram;
static bool host_low_only; /* set while only the first 4 GiB are "mapped" */

static void *phys_to_virt(uint64_t phys)
{
	if (phys >= HOST_RAM)
		FAIL("phys_to_virt(%#llx) beyond the simulated memory", (unsigned long long)phys);
	if (host_low_only && phys >= 4 * GiB)
		FAIL("phys_to_virt(%#llx) before the direct map covers it",
		     (unsigned long long)phys);
	return host_ram + phys;
}

#include "mm/frame.c" /* the kernel's, through kernel_inc */

/* Runs stmt, which must panic; then releases the lock the panic left held. */
#define EXPECT_PANIC(stmt)             \
	do {                           \
		CATCH_PANIC(stmt);     \
		frame_lock.locked = 0; \
	} while (0)

/* --- The model. --- */

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t model_pfns;      /* frames tracked: the simulated memory */
static uint64_t model_cap;       /* frames the arrays below have room for */
static unsigned char *model_ok;  /* may be handed out (bitmaps excluded) */
static unsigned char *model_own; /* handed out and not freed yet */
static uint64_t model_bitmap_pfn, model_bitmap_frames;
static const struct mem_range *cfg_usable, *cfg_reserved;
static size_t cfg_nusable, cfg_nreserved;

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static void model_mark(uint64_t start, uint64_t end, unsigned char v)
{
	end = min_u64(end, model_pfns);
	if (start < end)
		memset(model_ok + start, v, end - start);
}

/* The first frame at or after p marked in a (model_ok or model_own), or model_pfns. */
static uint64_t model_next(const unsigned char *a, uint64_t p)
{
	const unsigned char *hit = p < model_pfns ? memchr(a + p, 1, model_pfns - p) : NULL;

	return hit ? (uint64_t)(hit - a) : model_pfns;
}

/*
 * Finds where the bitmaps should go: the top of the highest run of usable
 * frames (runs cut at 1 MiB and 4 GiB) that ends at or below 4 GiB and can
 * hold one bit per usable frame, each run's bitmap rounded up to 64 bits.
 * Returns false if there is no such run.
 */
static bool model_place_bitmap(void)
{
	uint64_t words = 0, best_end = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (uint64_t p = model_next(model_ok, 0); p < model_pfns;
		     p = model_next(model_ok, p)) {
			uint64_t q = p + 1;

			while (q < model_pfns && model_ok[q] && q != PFN_1M && q != PFN_4G)
				q++;
			if (pass == 0)
				words += (q - p + 63) / 64;
			else if (q <= PFN_4G && q - p >= model_bitmap_frames)
				best_end = q;
			p = q;
		}
		model_bitmap_frames = (words * 8 + 4095) / 4096;
	}
	model_bitmap_pfn = 0;
	if (model_bitmap_frames == 0)
		return true;
	if (best_end == 0)
		return false;
	model_bitmap_pfn = best_end - model_bitmap_frames;
	model_mark(model_bitmap_pfn, best_end, 0);
	return true;
}

/* The end of the bytes of r that the model reaches. */
static uint64_t range_end(const struct mem_range *r)
{
	uint64_t lim = model_pfns * 4096;

	return r->size > lim - min_u64(r->base, lim) ? lim : r->base + r->size;
}

/*
 * Fills the usable RAM inside a reserved range with a canary the allocator
 * must not touch (check false), or checks the canary is intact.
 */
static void canary(const struct mem_range *r, bool check)
{
	static unsigned char pattern[4096];

	memset(pattern, 0xa5, sizeof(pattern));
	for (size_t u = 0; u < cfg_nusable; u++) {
		uint64_t lo = r->base > cfg_usable[u].base ? r->base : cfg_usable[u].base;
		uint64_t hi = min_u64(range_end(r), range_end(&cfg_usable[u]));

		for (uint64_t a = lo; a < hi; a += sizeof(pattern)) {
			size_t n = (size_t)min_u64(hi - a, sizeof(pattern));

			if (!check)
				memset(host_ram + a, 0xa5, n);
			else if (memcmp(host_ram + a, pattern, n) != 0)
				FAIL("reserved bytes at %#llx overwritten", (unsigned long long)a);
		}
	}
}

/*
 * Initialises the allocator and the model over a configuration. model_max is
 * one past the highest frame the test will look at. Returns false (after
 * checking frame_init panicked) if the bitmaps have no room below 4 GiB.
 */
static bool setup(const struct mem_range *usable, size_t nusable, const struct mem_range *reserved,
                  size_t nreserved, uint64_t model_max)
{
	bool fits;

	if (model_max > model_cap) {
		free(model_ok);
		free(model_own);
		model_ok = malloc(model_max);
		model_own = malloc(model_max);
		CHECK(model_ok && model_own);
		model_cap = model_max;
	}
	model_pfns = model_max;
	memset(model_ok, 0, model_pfns);
	memset(model_own, 0, model_pfns);
	cfg_usable = usable;
	cfg_nusable = nusable;
	cfg_reserved = reserved;
	cfg_nreserved = nreserved;

	for (size_t i = 0; i < nusable; i++) {
		unsigned __int128 end = (unsigned __int128)usable[i].base + usable[i].size;

		if (end > HHDM_SIZE)
			end = HHDM_SIZE;
		model_mark((usable[i].base + 4095) / 4096, (uint64_t)(end / 4096), 1);
	}
	for (size_t i = 0; i < nreserved; i++) {
		unsigned __int128 end = (unsigned __int128)reserved[i].base + reserved[i].size;

		if (reserved[i].size == 0)
			continue;
		model_mark(reserved[i].base / 4096, (uint64_t)((end + 4095) / 4096), 0);
		canary(&reserved[i], false);
	}
	model_ok[0] = 0;
	fits = model_place_bitmap();

	host_low_only = true;
	if (fits)
		frame_init(usable, nusable, reserved, nreserved);
	else
		EXPECT_PANIC(frame_init(usable, nusable, reserved, nreserved));
	host_low_only = false;
	CHECK(frame_lock.locked == 0);
	CHECK(fits || strstr(panic_msg, "no room") != NULL);
	return fits;
}

static uint64_t model_count_ok(void)
{
	uint64_t n = 0;

	for (uint64_t p = model_next(model_ok, 0); p < model_pfns; p = model_next(model_ok, p + 1))
		n++;
	return n;
}

static uint64_t model_count_free(void)
{
	uint64_t n = 0;

	for (uint64_t p = model_next(model_ok, 0); p < model_pfns; p = model_next(model_ok, p + 1))
		n += !model_own[p];
	return n;
}

static void check_reserved_intact(void)
{
	for (size_t i = 0; i < cfg_nreserved; i++)
		canary(&cfg_reserved[i], true);
}

static void check_init(void)
{
	CHECK(frame_count_total() == model_count_ok());
	CHECK(frame_count_free() == frame_count_total());
	if (frame_nregions > 0)
		CHECK((unsigned char *)frame_regions[0].bits - host_ram ==
		      (ptrdiff_t)(model_bitmap_pfn * 4096));
}

static uint64_t limit_of(unsigned flags)
{
	if (flags & FRAME_LOW1M)
		return PFN_1M;
	if (flags & FRAME_LOW32)
		return PFN_4G;
	return UINT64_MAX;
}

/*
 * The start of the highest free aligned run the allocator should pick, or 0.
 * Runs do not cross 1 MiB or 4 GiB. Tries candidates from the top; when one
 * fails at frame p, the next one must end at or below p (or, if p is not RAM,
 * just above the RAM frame below p).
 */
static uint64_t model_best_run(uint64_t count, uint64_t align, unsigned flags)
{
	uint64_t end = min_u64(model_pfns, limit_of(flags));

	while (end >= count) {
		uint64_t s = (end - count) & ~(align - 1), i = 0;
		const unsigned char *ram_below;

		for (; i < count; i++) {
			uint64_t p = s + i;

			if (!model_ok[p] || model_own[p] || (i > 0 && (p == PFN_1M || p == PFN_4G)))
				break;
		}
		if (s == 0)
			return 0;
		if (i == count)
			return s;
		end = s + i;
		if (!model_ok[end]) {
			ram_below = memrchr(model_ok, 1, end);
			end = ram_below ? (uint64_t)(ram_below - model_ok) + 1 : 0;
		}
	}
	return 0;
}

/* Records a run handed out by the allocator, checking it against the model. */
static void take(paddr_t p, uint64_t count, uint64_t align, unsigned flags)
{
	uint64_t pfn = p / 4096;

	CHECK(p % (align * 4096) == 0);
	CHECK(pfn + count <= limit_of(flags));
	CHECK(pfn + count <= model_pfns);
	for (uint64_t i = 0; i < count; i++) {
		if (!model_ok[pfn + i])
			FAIL("handed out %#llx, which is not free RAM",
			     (unsigned long long)((pfn + i) * 4096));
		if (model_own[pfn + i])
			FAIL("handed out %#llx twice", (unsigned long long)((pfn + i) * 4096));
		model_own[pfn + i] = 1;
	}
}

static void give_back(paddr_t p, uint64_t count)
{
	for (uint64_t i = 0; i < count; i++) {
		CHECK(model_own[p / 4096 + i]);
		model_own[p / 4096 + i] = 0;
	}
	frame_free_contig(p, count);
}

static bool is_zero(const void *p, size_t n)
{
	static const unsigned char zero[4096];

	return memcmp(p, zero, n) == 0;
}

/* --- Configurations. --- */

/* Roughly QEMU's map, scaled down, with the usual reserved bits and some oddities. */
static const struct mem_range qemu_usable[] = {
	{ 0x0, 0x9fc00 },
	{ 0x100000, 0x2ee0000 },
	{ 0x100000000, 0x2000000 },
};
static const struct mem_range qemu_reserved[] = {
	{ 0x100000, 0x345678 },  /* kernel image */
	{ 0x2000123, 0x4567 },   /* a boot module, unaligned */
	{ 0x9f00, 0x10 },        /* the multiboot information */
	{ 0xfee00000, 0x1000 },  /* outside usable RAM */
	{ 0x2fd0800, 0x100000 }, /* over the end of a usable range */
	{ 0x101000000, 0x1000 }, /* above 4 GiB */
};

static const struct mem_range odd_usable[] = {
	{ 0x1234, 0x5000 },  /* unaligned both ends */
	{ 0x3000, 0x10000 }, /* overlaps the previous one */
	{ 0x20000, 0x1000 }, /* two touching ranges */
	{ 0x21000, 0x1000 },
	{ 0x40000, 0 },                 /* empty */
	{ 0x80000, 0x100000 },          /* across 1 MiB */
	{ 0xfff00000, 0x200000 },       /* across 4 GiB */
	{ 0xfffffffffffff000, 0x2000 }, /* wraps around */
	{ 0x100800800, 0x7ff },         /* less than a frame */
	{ 0x100400000, 0x4000fff },
};
static const struct mem_range odd_reserved[] = {
	{ 0x0, 0x2001 },           { 0x10fff, 0x2 },
	{ 0xfffff000, 0x2000 }, /* the frames either side of 4 GiB */
	{ 0x120000, 0x1 },         { 0xffffffffffff0000, 0x100000 },
	{ 0x100523456, 0x100000 }, { 0x90123, 0 },
};

static void setup_qemu(void)
{
	CHECK(setup(qemu_usable, ARRAY_LEN(qemu_usable), qemu_reserved, ARRAY_LEN(qemu_reserved),
	            (4 * GiB + 32 * MiB) / 4096));
}

static void setup_odd(void)
{
	CHECK(setup(odd_usable, ARRAY_LEN(odd_usable), odd_reserved, ARRAY_LEN(odd_reserved),
	            (4 * GiB + 72 * MiB) / 4096));
}

/* --- Tests. --- */

/* Takes every frame with frame_alloc(), checks them, and gives them all back. */
static void test_exhaust(void)
{
	size_t total = frame_count_total(), n = 0;
	paddr_t *got = malloc(total * sizeof(*got)), prev = UINT64_MAX, p;

	CHECK(got);
	while ((p = frame_alloc()) != 0) {
		CHECK(n < total);
		CHECK(p < prev); /* highest first */
		take(p, 1, 1, FRAME_ANY);
		CHECK(is_zero(phys_to_virt(p), 4096));
		memset(phys_to_virt(p), 0x5a, 4096);
		got[n++] = prev = p;
	}
	CHECK(n == total);
	CHECK(frame_count_free() == 0);
	CHECK(frame_alloc_contig(1, 1, FRAME_ANY) == 0);
	CHECK(frame_alloc_contig(1, 1, FRAME_LOW1M) == 0);
	CHECK(model_count_free() == 0);
	check_reserved_intact();

	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)rand() % i;
		paddr_t t = got[i - 1];

		got[i - 1] = got[j];
		got[j] = t;
	}
	for (size_t i = 0; i < n; i++)
		give_back(got[i], 1);
	CHECK(frame_count_free() == total);

	/* Frames come back zeroed after being dirtied. */
	p = frame_alloc();
	CHECK(p != 0);
	CHECK(is_zero(phys_to_virt(p), 4096));
	frame_free(p);
	free(got);
}

static void test_policy(void)
{
	size_t before = frame_count_free();
	paddr_t hi = frame_alloc();
	paddr_t low = frame_alloc_contig(1, 1, FRAME_LOW32);
	paddr_t low1m = frame_alloc_contig(1, 1, FRAME_LOW1M);
	paddr_t both = frame_alloc_contig(1, 1, FRAME_LOW32 | FRAME_LOW1M);

	CHECK(hi == 4 * GiB + 32 * MiB - 4096);
	CHECK(low == model_bitmap_pfn * 4096 - 4096);
	CHECK(low1m == 0x9e000);
	CHECK(both == 0x9d000);
	frame_free(hi);
	frame_free(low);
	frame_free(low1m);
	frame_free(both);
	CHECK(frame_count_free() == before);
}

static void test_contig(void)
{
	size_t before = frame_count_free();
	static const struct {
		size_t count, align;
		unsigned flags;
	} cases[] = {
		{ 8, 8, FRAME_ANY },    { 512, 512, FRAME_ANY }, { 3, 4, FRAME_LOW1M },
		{ 16, 1, FRAME_LOW32 }, { 1, 1024, FRAME_ANY },  { 100, 2, FRAME_LOW1M },
		{ 7, 1, FRAME_ANY },    { 64, 64, FRAME_LOW32 },
	};
	paddr_t got[ARRAY_LEN(cases)];

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		uint64_t want = model_best_run(cases[i].count, cases[i].align, cases[i].flags);

		got[i] = frame_alloc_contig(cases[i].count, cases[i].align, cases[i].flags);
		CHECK(got[i] == want * 4096);
		CHECK(got[i] != 0);
		take(got[i], cases[i].count, cases[i].align, cases[i].flags);
	}
	CHECK(frame_alloc_contig(0, 1, FRAME_ANY) == 0);
	CHECK(frame_alloc_contig(1, 0, FRAME_ANY) == 0);
	CHECK(frame_alloc_contig(1, 3, FRAME_ANY) == 0);
	CHECK(frame_alloc_contig(1000, 1, FRAME_LOW1M) == 0);
	CHECK(frame_alloc_contig(1ull << 40, 1, FRAME_ANY) == 0);
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		give_back(got[i], cases[i].count);
	CHECK(frame_count_free() == before);
}

/* Leaves only isolated free frames, then frees one aligned block of four. */
static void test_fragmented(void)
{
	size_t total = frame_count_total(), n = 0;
	paddr_t p, block = 0x1000000;

	while ((p = frame_alloc_contig(1, 1, FRAME_ANY)) != 0)
		take(p, 1, 1, FRAME_ANY);
	for (uint64_t pfn = 0; pfn < model_pfns; pfn += 2) {
		if (model_own[pfn]) {
			give_back(pfn * 4096, 1);
			n++;
		}
	}
	CHECK(frame_count_free() == n);
	CHECK(frame_alloc_contig(2, 1, FRAME_ANY) == 0);
	CHECK(model_own[block / 4096 + 1] && model_own[block / 4096 + 3]);
	give_back(block + 4096, 1);
	give_back(block + 3 * 4096, 1);
	p = frame_alloc_contig(4, 4, FRAME_LOW32);
	CHECK(p == block);
	take(p, 4, 4, FRAME_LOW32);
	give_back(p, 4);
	for (uint64_t pfn = 0; pfn < model_pfns; pfn++) {
		if (model_own[pfn])
			give_back(pfn * 4096, 1);
	}
	CHECK(frame_count_free() == total);
}

static void test_panics(void)
{
	size_t before = frame_count_free();
	paddr_t p = frame_alloc();

	EXPECT_PANIC(frame_free(0));
	EXPECT_PANIC(frame_free(0x100000));                /* the kernel image */
	EXPECT_PANIC(frame_free(0x2002000));               /* a boot module */
	EXPECT_PANIC(frame_free(model_bitmap_pfn * 4096)); /* the bitmaps */
	EXPECT_PANIC(frame_free(0x200000000));             /* beyond RAM */
	EXPECT_PANIC(frame_free(p + 1));
	/* Frees p, then finds the frame after it is not RAM. */
	EXPECT_PANIC(frame_free_contig(p, 2));
	CHECK(strstr(panic_msg, "not managed") != NULL);
	EXPECT_PANIC(frame_free(p));
	CHECK(strstr(panic_msg, "double free") != NULL);
	CHECK(frame_count_free() == before);
	p = frame_alloc_contig(4, 4, FRAME_ANY);
	frame_free_contig(p, 2);
	EXPECT_PANIC(frame_free_contig(p, 4));
	frame_free_contig(p + 2 * 4096, 2);
	CHECK(frame_count_free() == before);
}

/* Random allocations and frees, each checked against the model, on a small map. */
static void test_random(void)
{
	static const struct mem_range usable[] = {
		{ 0x1000, 0x9e000 },
		{ 0x100000, 0x100000 },
		{ 0xfff80000, 0x100000 },
		{ 0x180000000, 0x80000 },
	};
	static const struct mem_range reserved[] = {
		{ 0x123456, 0x2000 },
		{ 0x100000000, 0x1000 },
	};
	struct run {
		paddr_t p;
		size_t count;
	} runs[2048];
	size_t nruns = 0;

	CHECK(setup(usable, ARRAY_LEN(usable), reserved, ARRAY_LEN(reserved),
	            (6 * GiB + MiB) / 4096));
	check_init();
	for (int op = 0; op < 20000; op++) {
		int what = rand() % 10;

		if (what < 3 && nruns < ARRAY_LEN(runs)) {
			uint64_t want = model_best_run(1, 1, FRAME_ANY);
			paddr_t p = frame_alloc();

			CHECK(p == want * 4096);
			if (p) {
				take(p, 1, 1, FRAME_ANY);
				CHECK(is_zero(phys_to_virt(p), 4096));
				memset(phys_to_virt(p), 0xee, 4096);
				runs[nruns++] = (struct run){ p, 1 };
			}
		} else if (what < 5 && nruns < ARRAY_LEN(runs)) {
			size_t count = 1 + (size_t)rand() % 24, align = 1ull << (rand() % 7);
			unsigned flags = (unsigned)rand() % 4;
			uint64_t want = model_best_run(count, align, flags);
			paddr_t p = frame_alloc_contig(count, align, flags);

			CHECK(p == want * 4096);
			if (p) {
				take(p, count, align, flags);
				memset(phys_to_virt(p), 0xdd, count * 4096);
				runs[nruns++] = (struct run){ p, count };
			}
		} else if (nruns > 0) {
			size_t i = (size_t)rand() % nruns;

			give_back(runs[i].p, runs[i].count);
			runs[i] = runs[--nruns];
		}
		if (op % 256 == 0)
			CHECK(frame_count_free() == model_count_free());
	}
	while (nruns > 0) {
		nruns--;
		give_back(runs[nruns].p, runs[nruns].count);
	}
	CHECK(frame_count_free() == frame_count_total());
	check_reserved_intact();
}

/* CPU time used so far (<time.h> is shadowed by the kernel's own time.h). */
static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
}

/* 63 GiB of RAM: the bitmaps fit below 4 GiB, allocation stays fast. */
static void test_large(void)
{
	static const struct mem_range usable[] = {
		{ 0x0, 0x9fc00 },
		{ 0x100000, 0xbfee0000 },
		{ 0x100000000, 60 * GiB },
	};
	static const struct mem_range reserved[] = { { 0x100000, 0x400000 } };
	size_t n = 0;
	paddr_t p, top = 64 * GiB - 4096;
	double t0;

	CHECK(setup(usable, ARRAY_LEN(usable), reserved, ARRAY_LEN(reserved), 64 * GiB / 4096));
	check_init();
	CHECK(model_bitmap_frames > 500);
	CHECK(frame_alloc() == top);
	CHECK(frame_alloc_contig(512, 512, FRAME_ANY) == top + 4096 - 4096 * 1024);
	CHECK(frame_alloc_contig(1, 1, FRAME_LOW32) == (model_bitmap_pfn - 1) * 4096);
	frame_free(top);
	frame_free_contig(top + 4096 - 4096 * 1024, 512);
	frame_free((model_bitmap_pfn - 1) * 4096);

	/* A million single frames (4 GiB) and back, without zeroing them. */
	t0 = cpu_seconds();
	while (n < (1u << 20) && (p = frame_alloc_contig(1, 1, FRAME_ANY)) != 0) {
		CHECK(p == top - n * 4096);
		n++;
	}
	CHECK(n == 1u << 20);
	for (size_t i = 0; i < n; i++)
		frame_free(top - i * 4096);
	host_log("1M allocations and frees: %.2f s\n", cpu_seconds() - t0);
	CHECK(cpu_seconds() - t0 < 5.0);
	CHECK(frame_count_free() == frame_count_total());
}

static void test_edge_maps(void)
{
	static const struct mem_range one[] = { { 0, 0x3000 } };
	static const struct mem_range high_only[] = { { 4 * GiB, 16 * MiB } };
	struct mem_range many[200];

	/* Nothing at all. */
	CHECK(setup(NULL, 0, NULL, 0, 16));
	CHECK(frame_count_total() == 0);
	CHECK(frame_alloc() == 0);
	CHECK(frame_alloc_contig(1, 1, FRAME_LOW32) == 0);
	EXPECT_PANIC(frame_free(0x1000));

	/* Frames 1 and 2: one holds the bitmap, one is left. */
	CHECK(setup(one, 1, NULL, 0, 16));
	check_init();
	CHECK(frame_count_total() == 1);
	CHECK(frame_alloc() == 0x1000);
	CHECK(frame_alloc() == 0);
	frame_free(0x1000);
	EXPECT_PANIC(frame_free(0x2000));

	/* No memory below 4 GiB for the bitmaps. */
	CHECK(!setup(high_only, 1, NULL, 0, (4 * GiB + 16 * MiB) / 4096));

	/* More pieces than regions: the excess is left out, the rest works. */
	for (size_t i = 0; i < ARRAY_LEN(many); i++)
		many[i] = (struct mem_range){ 0x100000 + i * 0x2000, 0x1000 };
	CHECK(setup(many, ARRAY_LEN(many), NULL, 0, 0x200000 / 4096));
	CHECK(frame_scratch.dropped == ARRAY_LEN(many) - FRAME_MAX_REGIONS);
	CHECK(frame_count_total() == FRAME_MAX_REGIONS - 1);
	for (size_t i = 0; i < FRAME_MAX_REGIONS - 1; i++) {
		paddr_t p = frame_alloc();

		CHECK(p != 0);
		take(p, 1, 1, FRAME_ANY);
	}
	CHECK(frame_alloc() == 0);
}

static void host_ram_map(void)
{
	host_ram = mmap(NULL, HOST_RAM, PROT_READ | PROT_WRITE,
	                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(host_ram != MAP_FAILED);
}

int main(void)
{
	verbose = getenv("VERBOSE") != NULL;
	srand(1);
	host_ram_map();

	setup_qemu();
	check_init();
	test_policy();
	test_contig();
	test_panics();
	test_fragmented();
	test_exhaust();
	check_reserved_intact();

	setup_odd();
	check_init();
	test_contig();
	test_exhaust();
	check_reserved_intact();

	test_random();
	test_large();
	test_edge_maps();

	printf("test_frame: all passed\n");
	return 0;
}
