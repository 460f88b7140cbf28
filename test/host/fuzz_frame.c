/*
 * A libFuzzer harness for the frame allocator. The input describes a memory
 * map (up to 8 usable and 8 reserved ranges of odd sizes, around 0 and
 * 4 GiB) and then a sequence of allocations and frees; everything is checked
 * against the model of test_frame.c, whose stand-ins and helpers (and so the
 * real frame.c) this file reuses by including it.
 *
 * Built by test/meson.build; run it longer by hand with
 * build/test/fuzz_frame -max_total_time=60.
 */
#define main test_frame_main
#include "test_frame.c"

#define FUZZ_REACHED_MIN 50
#include "fuzz_reached.h"
#undef main

#define FUZZ_PFNS ((4 * GiB + 32 * MiB) / 4096)

struct input {
	const uint8_t *p;
	size_t n;
};

/* The next k bytes of input as a big-endian number, reading zeros past the end. */
static uint64_t in_bytes(struct input *in, int k)
{
	uint64_t v = 0;

	while (k-- > 0) {
		v <<= 8;
		if (in->n > 0) {
			v |= *in->p++;
			in->n--;
		}
	}
	return v;
}

/* A range starting in the first 16 MiB or the 16 MiB around 4 GiB. */
static struct mem_range in_range(struct input *in, bool reserved)
{
	uint64_t flags = in_bytes(in, 1);
	uint64_t base = (flags & 1 ? 4 * GiB - 8 * MiB : 0) + in_bytes(in, 3);
	uint64_t size = reserved ? in_bytes(in, 2) * (flags & 2 ? 64 : 1) : in_bytes(in, 3);

	if (reserved && (flags & 12) == 12)
		size = UINT64_MAX - base + 1 + in_bytes(in, 1); /* wraps around */
	return (struct mem_range){ base, size };
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	host_ram_map();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct mem_range usable[8], reserved[8];
	size_t nusable = 1 + in_bytes(&in, 1) % 8, nreserved = in_bytes(&in, 1) % 9;
	struct {
		paddr_t p;
		size_t count;
	} runs[64];
	size_t nruns = 0, n = 0;
	paddr_t p;

	for (size_t i = 0; i < nusable; i++)
		usable[i] = in_range(&in, false);
	for (size_t i = 0; i < nreserved; i++)
		reserved[i] = in_range(&in, true);
	if (!setup(usable, nusable, reserved, nreserved, FUZZ_PFNS))
		return 0;
	check_init();

	while (in.n > 0) {
		uint64_t op = in_bytes(&in, 1);

		if (op % 4 == 0 && nruns < ARRAY_LEN(runs)) {
			uint64_t want = model_best_run(1, 1, FRAME_ANY);

			p = frame_alloc();
			CHECK(p == want * 4096);
			if (p) {
				take(p, 1, 1, FRAME_ANY);
				CHECK(is_zero(phys_to_virt(p), 4096));
				memset(phys_to_virt(p), 0x77, 4096);
				runs[nruns].p = p;
				runs[nruns++].count = 1;
			}
		} else if (op % 4 == 1 && nruns < ARRAY_LEN(runs)) {
			size_t count = 1 + in_bytes(&in, 1) % 32, align = 1ull << (op / 4 % 8);
			unsigned flags = (unsigned)(op / 32 % 4);
			uint64_t want = model_best_run(count, align, flags);

			p = frame_alloc_contig(count, align, flags);
			CHECK(p == want * 4096);
			if (p) {
				take(p, count, align, flags);
				runs[nruns].p = p;
				runs[nruns++].count = count;
			}
		} else if (nruns > 0) {
			size_t i = in_bytes(&in, 1) % nruns;

			give_back(runs[i].p, runs[i].count);
			runs[i] = runs[--nruns];
		}
	}
	CHECK(frame_count_free() == model_count_free());
	while (nruns > 0) {
		nruns--;
		give_back(runs[nruns].p, runs[nruns].count);
	}
	CHECK(frame_count_free() == frame_count_total());

	/* Everything can be taken, once, and given back. */
	while ((p = frame_alloc_contig(1, 1, FRAME_ANY)) != 0) {
		take(p, 1, 1, FRAME_ANY);
		n++;
	}
	CHECK(n == frame_count_total() && model_count_free() == 0);
	for (uint64_t pfn = model_next(model_own, 0); pfn < model_pfns;
	     pfn = model_next(model_own, pfn + 1))
		give_back(pfn * 4096, 1);
	CHECK(frame_count_free() == frame_count_total());
	check_reserved_intact();

	/* Zero the memory again (and give it back to the host) for the next input. */
	for (size_t i = 0; i < nusable; i++) {
		uint64_t start = usable[i].base & ~4095ull;

		CHECK(madvise(host_ram + start, range_end(&usable[i]) - start, MADV_DONTNEED) == 0);
	}
	fuzz_reached();
	return 0;
}
