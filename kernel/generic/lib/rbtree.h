/*
 * Intrusive red-black trees: the node lives inside the object it orders, so
 * inserting and removing never allocate, and both cost O(log n) in the worst
 * case; the first node is cached, so finding it costs O(1). Pure code, no
 * locks: the caller serialises access to a tree.
 *
 * Order is given at insertion by a `before` function; nodes that compare
 * equal keep their insertion order (a new node goes after every node it is
 * not before), so a walk from rb_first() meets them first in, first out.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rb_node {
	/*
	 * The parent's address with the colour in bit 0 (1 = black). Never 0 in a
	 * tree (a node there has a parent or is the root, which is black), so 0
	 * means unlinked: a zeroed node is in no tree.
	 */
	uintptr_t parent_color;
	struct rb_node *child[2]; /* [0] sorts before this node, [1] after */
};

struct rb_tree {
	struct rb_node *root;
	struct rb_node *first; /* the leftmost node, NULL when the tree is empty */
};

#define RB_TREE_INIT \
	{            \
		0    \
	}

/* Whether node `a` sorts strictly before node `b`. */
typedef bool (*rb_before_fn)(const struct rb_node *a, const struct rb_node *b);

/* Marks `n` as in no tree (rb_linked() false), as zeroing it does; rb_remove() does too. */
static inline void rb_clear(struct rb_node *n)
{
	n->parent_color = 0;
}

/* Whether `n` is in a tree: false after rb_clear() or rb_remove(). */
static inline bool rb_linked(const struct rb_node *n)
{
	return n->parent_color != 0;
}

/* The first node of `t` in order, or NULL if it is empty. */
static inline struct rb_node *rb_first(const struct rb_tree *t)
{
	return t->first;
}

/* The node after `n` in order (n in a tree), or NULL if n is the last. */
struct rb_node *rb_next(struct rb_node *n);

/*
 * Inserts `n` (not in a tree) into `t` after every node it is not before.
 * Calls `before(n, x)` for the nodes x on one path from the root.
 */
void rb_insert(struct rb_tree *t, struct rb_node *n, rb_before_fn before);

/* Removes `n` (in `t`) from `t`; afterwards rb_linked(n) is false. */
void rb_remove(struct rb_tree *t, struct rb_node *n);
