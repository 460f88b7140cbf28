/*
 * Kernel timers: a callback run at a time_ns() deadline, from the timer tick
 * (interrupt context, no locks held, interrupts off). Resolution: one tick.
 * Armed timers sit in a red-black tree by deadline: arming, cancelling and
 * firing one cost O(log n) in the number armed, and never allocate. Timers
 * with equal deadlines fire in the order they were armed.
 */
#pragma once

#include <lib/rbtree.h>
#include <stdbool.h>
#include <stdint.h>

struct ktimer {
	struct rb_node node; /* in the timer tree while armed */
	uint64_t deadline;
	void (*fn)(struct ktimer *t);
};

void ktimer_init(struct ktimer *t, void (*fn)(struct ktimer *t));

/* Arms `t` for `deadline` (re-arming moves it, behind any timer already armed for then). */
void ktimer_arm(struct ktimer *t, uint64_t deadline);

/*
 * Disarms `t`. Returns true if it was armed and will now never run; false if
 * it was not armed or has fired — in which case its callback has finished
 * by the time this returns (so the caller may free what it refers to).
 */
bool ktimer_cancel(struct ktimer *t);

/* Runs the callbacks of expired timers; called from the tick of one CPU. */
void ktimer_run_expired(void);
