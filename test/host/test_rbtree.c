/*
 * Host tests of the intrusive red-black tree (the kernel's lib/rbtree.c),
 * used as the kernel's timer queue is (sched/ktimer.c): items ordered by
 * deadline alone, armed (inserted, or moved when armed already), cancelled
 * (removed from anywhere) and expired (the first ones taken while their
 * deadline has passed). A reference model gives every arming a sequence
 * number and says which item must come out next: the smallest (deadline,
 * sequence), so equal deadlines come out in arming order. The tree's
 * invariants (colours, black heights, parent links, order, the cached first
 * node) are checked in full every few operations.
 *
 * test_rbtree [SEED] runs the random sequences from SEED (printed either way).
 * Built by test/meson.build; run it alone with `meson test -C build rbtree`.
 */
#include "check.h"
#include <common/list.h>
#include <lib/rbtree.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_ITEMS 1024

struct item {
	struct rb_node node;
	uint64_t deadline;
	uint64_t seq; /* the model's: when it was last armed */
	bool armed;   /* the model's */
};

struct model {
	struct rb_tree tree;
	struct item items[MAX_ITEMS];
	size_t nitems;
	uint64_t next_seq;
	size_t armed;
};

static struct item *item_of(const struct rb_node *n)
{
	return container_of(n, struct item, node);
}

static bool deadline_before(const struct rb_node *a, const struct rb_node *b)
{
	return item_of(a)->deadline < item_of(b)->deadline;
}

/* Whether `a` must come out before `b`: by deadline, then arming order. */
static bool model_before(const struct item *a, const struct item *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void model_init(struct model *m, size_t nitems)
{
	*m = (struct model){ .tree = RB_TREE_INIT, .nitems = nitems };
}

/* As ktimer_arm: arms item i for `deadline`, moving it if it was armed. */
static bool model_arm(struct model *m, size_t i, uint64_t deadline)
{
	struct item *it = &m->items[i];
	if (rb_linked(&it->node) != it->armed)
		return false;
	if (it->armed)
		rb_remove(&m->tree, &it->node);
	else
		m->armed++;
	it->deadline = deadline;
	it->seq = m->next_seq++;
	it->armed = true;
	rb_insert(&m->tree, &it->node, deadline_before);
	return rb_linked(&it->node);
}

/* As ktimer_cancel: disarms item i if it is armed. */
static bool model_cancel(struct model *m, size_t i)
{
	struct item *it = &m->items[i];
	if (rb_linked(&it->node) != it->armed)
		return false;
	if (it->armed) {
		rb_remove(&m->tree, &it->node);
		it->armed = false;
		m->armed--;
	}
	return !rb_linked(&it->node);
}

/* The armed item the model says comes out next, or NULL. */
static struct item *model_first(struct model *m)
{
	struct item *best = NULL;
	for (size_t i = 0; i < m->nitems; i++) {
		struct item *it = &m->items[i];
		if (it->armed && (!best || model_before(it, best)))
			best = it;
	}
	return best;
}

/*
 * As ktimer_run_expired: takes the first items while their deadline is at
 * most `now`, each the one the model names. Counts them in *fired.
 */
static bool model_expire(struct model *m, uint64_t now, size_t *fired)
{
	for (;;) {
		struct rb_node *first = rb_first(&m->tree);
		struct item *want = model_first(m);
		if (!first || item_of(first)->deadline > now)
			return !want || want->deadline > now;
		if (item_of(first) != want)
			return false;
		rb_remove(&m->tree, first);
		want->armed = false;
		m->armed--;
		(*fired)++;
	}
}

/*
 * Checks the subtree under `n` (whose parent must be `parent`): colours,
 * links and order, and that every item in it is armed. Returns its black
 * height, or -1 if something is wrong. Counts its nodes in *count.
 */
static int subtree_check(const struct rb_node *n, const struct rb_node *parent, size_t *count)
{
	if (!n)
		return 1;
	bool black = n->parent_color & 1;
	const struct rb_node *up = (const struct rb_node *)(n->parent_color & ~(uintptr_t)1);
	if (up != parent || !item_of(n)->armed)
		return -1;
	for (int d = 0; d < 2; d++) {
		const struct rb_node *c = n->child[d];
		if (c && !black && !(c->parent_color & 1))
			return -1; /* a red node with a red child */
		if (c && (d == 0 ? model_before(item_of(n), item_of(c))
		                 : model_before(item_of(c), item_of(n))))
			return -1;
	}
	(*count)++;
	int left = subtree_check(n->child[0], n, count);
	int right = subtree_check(n->child[1], n, count);
	if (left < 0 || left != right)
		return -1;
	return left + black;
}

/*
 * The whole tree against the model: invariants, the same items armed, and
 * a walk with rb_first/rb_next meeting them in (deadline, sequence) order.
 * Returns the black height of the root (0 when empty), or -1.
 */
static int tree_check(struct model *m)
{
	struct rb_node *root = m->tree.root;
	size_t count = 0, walked = 0;
	if (root && !(root->parent_color & 1))
		return -1;
	int height = subtree_check(root, NULL, &count);
	if (height < 0 || count != m->armed)
		return -1;
	struct rb_node *leftmost = root;
	while (leftmost && leftmost->child[0])
		leftmost = leftmost->child[0];
	if (rb_first(&m->tree) != leftmost)
		return -1;
	const struct item *prev = NULL;
	for (struct rb_node *n = rb_first(&m->tree); n; n = rb_next(n), walked++) {
		if (prev && !model_before(prev, item_of(n)))
			return -1;
		prev = item_of(n);
	}
	return walked == count ? height - 1 : -1;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * `ops` random arms, re-arms, cancels and expiries of `nitems` items with
 * deadlines in a window of `spread` ticks (small: many equal deadlines),
 * from `seed`, then expiry of all that are left (operation `ops`). Returns
 * the index of the first operation that went wrong, or -1 if none did.
 */
static long random_run(uint64_t seed, long ops, size_t nitems, uint64_t spread, size_t *fired)
{
	static struct model m;
	uint64_t s = seed | 1, now = 0;
	model_init(&m, nitems);
	for (long op = 0; op < ops; op++) {
		uint64_t r = xorshift(&s);
		size_t i = (r >> 8) % nitems;
		bool ok;
		switch (r % 8) {
		case 0:
		case 1:
		case 2:
		case 3:
			ok = model_arm(&m, i, now + (r >> 32) % spread);
			break;
		case 4:
		case 5:
			ok = model_cancel(&m, i);
			break;
		default:
			now += (r >> 32) % (spread / 4 + 1);
			ok = model_expire(&m, now, fired);
			break;
		}
		if (!ok || (op % 61 == 0 && tree_check(&m) < 0))
			return op;
	}
	if (!model_expire(&m, UINT64_MAX, fired) || tree_check(&m) != 0 || m.armed != 0)
		return ops;
	return -1;
}

static void test_random(uint64_t seed)
{
	static const struct {
		size_t nitems;
		uint64_t spread;
	} shapes[] = { { 8, 4 }, { 100, 16 }, { MAX_ITEMS, 64 }, { MAX_ITEMS, 1u << 20 } };
	for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
		long ops = 100000;
		size_t fired = 0;
		long wrong = random_run(seed + k, ops, shapes[k].nitems, shapes[k].spread, &fired);
		CHECK(wrong < 0);
		printf("# %zu items, deadlines within %llu: %ld operations, %zu expired\n",
		       shapes[k].nitems, (unsigned long long)shapes[k].spread, ops, fired);
		if (wrong >= 0)
			printf("# first wrong at operation %ld (seed %#llx)\n", wrong,
			       (unsigned long long)(seed + k));
	}
}

/* Equal deadlines: arming order, kept across removals from the middle and re-arms. */
static void test_fifo(void)
{
	static struct model m;
	model_init(&m, MAX_ITEMS);
	bool ok = true;
	for (size_t i = 0; i < MAX_ITEMS; i++)
		ok &= model_arm(&m, i, 1000 + i % 3);
	for (size_t i = 0; i < MAX_ITEMS; i += 7)
		ok &= model_cancel(&m, i);
	for (size_t i = 1; i < MAX_ITEMS; i += 5)
		ok &= model_arm(&m, i, 1000 + i % 3); /* re-armed: behind the rest */
	CHECK(ok && tree_check(&m) >= 0);

	/* Expected: by deadline; then those armed once, by index; then the re-armed, by index. */
	size_t order[MAX_ITEMS], n = 0;
	for (uint64_t d = 1000; d < 1003; d++) {
		for (int pass = 0; pass < 2; pass++) {
			for (size_t i = 0; i < MAX_ITEMS; i++) {
				bool rearmed = i % 5 == 1, kept = i % 7 != 0 && !rearmed;
				if (1000 + i % 3 == d && (pass == 0 ? kept : rearmed))
					order[n++] = i;
			}
		}
	}
	CHECK(n == m.armed);
	size_t same = 0;
	for (size_t k = 0; k < n; k++) {
		struct rb_node *first = rb_first(&m.tree);
		same += first == &m.items[order[k]].node;
		if (first)
			rb_remove(&m.tree, first);
	}
	CHECK(same == n && rb_first(&m.tree) == NULL && m.tree.root == NULL);
	printf("# %zu timers over 3 deadlines came out in arming order: %zu of %zu\n", n, same, n);
}

/* Sorted and reverse-sorted insertion of many: the height stays within 2 log2(n + 1). */
static void test_height(void)
{
	enum { N = 100000 };
	static struct item items[N];
	for (int reverse = 0; reverse < 2; reverse++) {
		struct rb_tree t = RB_TREE_INIT;
		for (size_t i = 0; i < N; i++) {
			items[i] = (struct item){ .deadline = reverse ? N - i : i };
			rb_insert(&t, &items[i].node, deadline_before);
		}
		int deepest = 0;
		for (size_t i = 0; i < N; i++) {
			int depth = 1;
			for (const struct rb_node *n = &items[i].node;
			     n->parent_color & ~(uintptr_t)1;
			     n = (const struct rb_node *)(n->parent_color & ~(uintptr_t)1))
				depth++;
			deepest = depth > deepest ? depth : deepest;
		}
		CHECK(deepest <= 34); /* 2 log2(100001) < 34 */
		size_t in_order = 0;
		uint64_t last = 0;
		for (struct rb_node *n = rb_first(&t); n; n = rb_first(&t)) {
			in_order += item_of(n)->deadline >= last;
			last = item_of(n)->deadline;
			rb_remove(&t, n);
		}
		CHECK(in_order == N && t.root == NULL);
		printf("# %d %s insertions: height %d, all taken in order\n", N,
		       reverse ? "descending" : "ascending", deepest);
	}
}

/* A zeroed node is unlinked; insertion links it, removal unlinks it again. */
static void test_linked(void)
{
	struct rb_tree t = RB_TREE_INIT;
	struct item a = { 0 }, b = { .deadline = 1 };
	CHECK(!rb_linked(&a.node) && rb_first(&t) == NULL);
	rb_insert(&t, &a.node, deadline_before);
	rb_insert(&t, &b.node, deadline_before);
	CHECK(rb_linked(&a.node) && rb_linked(&b.node) && rb_first(&t) == &a.node);
	CHECK(rb_next(&a.node) == &b.node && rb_next(&b.node) == NULL);
	rb_remove(&t, &a.node);
	CHECK(!rb_linked(&a.node) && rb_first(&t) == &b.node);
	rb_remove(&t, &b.node);
	rb_clear(&a.node);
	CHECK(!rb_linked(&a.node) && !rb_linked(&b.node) && t.root == NULL && t.first == NULL);
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 0x1915c0ffee;
	printf("# seed %#llx\n", (unsigned long long)seed);
	test_linked();
	test_fifo();
	test_height();
	test_random(seed);
	return check_done("rbtree");
}
