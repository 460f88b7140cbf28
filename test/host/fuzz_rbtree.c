/*
 * A libFuzzer harness for the red-black tree (the kernel's lib/rbtree.c),
 * driven as the timer queue drives it. It reuses the model and checks of
 * test_rbtree.c by including it.
 *
 * Input: byte 0 gives the number of items (1 to 256), then 3 bytes per
 * operation: the kind (arm, cancel or expire), an item, and a deadline
 * (arm: now plus it) or a step of the clock (expire). Oracle: every
 * operation agrees with the model (expiries in deadline-then-arming order)
 * and the tree's invariants hold after each one; what is left expires in
 * order at the end.
 *
 * Built by test/meson.build; run it longer by hand with
 * build/test/fuzz_rbtree -max_total_time=60.
 */
#define main test_rbtree_main
#include "test_rbtree.c"

#define FUZZ_REACHED_MIN 1000
#include "fuzz_reached.h"
#undef main

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expect(bool cond)
{
	if (!cond)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model m;
	uint64_t now = 0;
	size_t fired = 0;
	if (size < 1)
		return 0;
	model_init(&m, (size_t)data[0] + 1);
	for (size_t k = 1; k + 3 <= size; k += 3) {
		size_t i = data[k + 1] % m.nitems;
		uint64_t arg = data[k + 2];
		switch (data[k] % 3) {
		case 0:
			expect(model_arm(&m, i, now + arg));
			break;
		case 1:
			expect(model_cancel(&m, i));
			break;
		default:
			now += arg;
			expect(model_expire(&m, now, &fired));
			break;
		}
		expect(tree_check(&m) >= 0);
	}
	expect(model_expire(&m, UINT64_MAX, &fired) && tree_check(&m) == 0 && m.armed == 0);
	if (fired > 0)
		fuzz_reached(); /* a timer was armed and fired */
	return 0;
}
