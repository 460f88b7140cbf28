/*
 * Red-black trees (rbtree.h). The invariants: the root is black, a red node
 * has no red child, and every path from a node down to a missing child
 * passes the same number of black nodes; so no path is more than twice as
 * long as another and the height stays within 2 log2(n + 1).
 *
 * Child index d (0 or 1) names a side; a rotation in direction d moves a
 * node down on side d and its child from side !d up into its place.
 */
#include <lib/rbtree.h>

#define BLACK ((uintptr_t)1)

static struct rb_node *parent_of(const struct rb_node *n)
{
	return (struct rb_node *)(n->parent_color & ~BLACK);
}

static bool is_red(const struct rb_node *n)
{
	return n && !(n->parent_color & BLACK);
}

static void set_parent(struct rb_node *n, struct rb_node *p)
{
	n->parent_color = (uintptr_t)p | (n->parent_color & BLACK);
}

static void set_red(struct rb_node *n, bool red)
{
	n->parent_color = (n->parent_color & ~BLACK) | (red ? 0 : BLACK);
}

/* Puts `new` (possibly NULL) where `old` hangs from its parent (or the root). */
static void replace_child(struct rb_tree *t, struct rb_node *old, struct rb_node *new)
{
	struct rb_node *p = parent_of(old);
	if (!p)
		t->root = new;
	else
		p->child[p->child[1] == old] = new;
	if (new)
		set_parent(new, p);
}

static void rotate(struct rb_tree *t, struct rb_node *x, int d)
{
	struct rb_node *y = x->child[!d];
	x->child[!d] = y->child[d];
	if (y->child[d])
		set_parent(y->child[d], x);
	replace_child(t, x, y);
	y->child[d] = x;
	set_parent(x, y);
}

struct rb_node *rb_next(struct rb_node *n)
{
	if (n->child[1]) {
		n = n->child[1];
		while (n->child[0])
			n = n->child[0];
		return n;
	}
	struct rb_node *p = parent_of(n);
	while (p && n == p->child[1]) {
		n = p;
		p = parent_of(n);
	}
	return p;
}

/* Restores the invariants after red node `n` was hung from a leaf position. */
static void insert_fixup(struct rb_tree *t, struct rb_node *n)
{
	struct rb_node *p;
	while ((p = parent_of(n)) && is_red(p)) {
		struct rb_node *g = parent_of(p); /* p is red, so not the root */
		int d = p == g->child[1];
		struct rb_node *uncle = g->child[!d];
		if (is_red(uncle)) {
			set_red(p, false);
			set_red(uncle, false);
			set_red(g, true);
			n = g;
			continue;
		}
		if (n == p->child[!d]) {
			rotate(t, p, d);
			n = p;
			p = parent_of(n);
		}
		set_red(p, false);
		set_red(g, true);
		rotate(t, g, !d);
	}
	set_red(t->root, false);
}

void rb_insert(struct rb_tree *t, struct rb_node *n, rb_before_fn before)
{
	struct rb_node *p = NULL, **link = &t->root;
	bool leftmost = true;
	while (*link) {
		p = *link;
		int d = !before(n, p);
		leftmost = leftmost && d == 0;
		link = &p->child[d];
	}
	n->parent_color = (uintptr_t)p; /* red */
	n->child[0] = n->child[1] = NULL;
	*link = n;
	if (leftmost)
		t->first = n;
	insert_fixup(t, n);
}

/*
 * Restores the invariants after a black node was taken from the path to `x`
 * (possibly NULL), whose parent is `p`: x's side has one black too few.
 */
static void remove_fixup(struct rb_tree *t, struct rb_node *x, struct rb_node *p)
{
	while (x != t->root && !is_red(x)) {
		/* x's side is short of a black, so its sibling w exists. */
		int d = x == p->child[1];
		struct rb_node *w = p->child[!d];
		if (is_red(w)) {
			set_red(w, false);
			set_red(p, true);
			rotate(t, p, d);
			w = p->child[!d];
		}
		if (!is_red(w->child[0]) && !is_red(w->child[1])) {
			set_red(w, true);
			x = p;
			p = parent_of(x);
			continue;
		}
		if (!is_red(w->child[!d])) {
			set_red(w->child[d], false);
			set_red(w, true);
			rotate(t, w, !d);
			w = p->child[!d];
		}
		set_red(w, is_red(p));
		set_red(p, false);
		set_red(w->child[!d], false);
		rotate(t, p, d);
		x = t->root;
	}
	if (x)
		set_red(x, false);
}

void rb_remove(struct rb_tree *t, struct rb_node *n)
{
	struct rb_node *x, *p; /* what takes the removed position, and its parent */
	bool black_gone;
	if (t->first == n)
		t->first = rb_next(n);
	if (!n->child[0] || !n->child[1]) {
		x = n->child[n->child[0] == NULL];
		p = parent_of(n);
		black_gone = !is_red(n);
		replace_child(t, n, x);
	} else {
		/* n's successor s (no left child) takes n's place and colour. */
		struct rb_node *s = n->child[1];
		while (s->child[0])
			s = s->child[0];
		x = s->child[1];
		black_gone = !is_red(s);
		if (parent_of(s) == n) {
			p = s;
		} else {
			p = parent_of(s);
			replace_child(t, s, x);
			s->child[1] = n->child[1];
			set_parent(s->child[1], s);
		}
		replace_child(t, n, s);
		s->child[0] = n->child[0];
		set_parent(s->child[0], s);
		set_red(s, is_red(n));
	}
	if (black_gone)
		remove_fixup(t, x, p);
	rb_clear(n);
}
