/*
 * Waitable objects: something that can become ready (a process or thread
 * that ended; later channels and the console). Operations subscribe to be
 * told; a subscription is told at most once per waitable_signal().
 */
#pragma once

#include <common/list.h>
#include <stdbool.h>
#include <stdint.h>
#include <sync/spinlock.h>

struct waitsub;
typedef void (*waitsub_fn)(struct waitsub *s, uint32_t events);

struct waitsub {
	struct list_head link;
	uint32_t events; /* IRIS_POLL_* of interest */
	waitsub_fn fn;
	bool subscribed;
};

struct waitable {
	spinlock_t lock;
	uint32_t ready; /* IRIS_POLL_* that hold for good (an ended process, a closed peer) */
	uint32_t (*level)(struct waitable *w); /* optional: IRIS_POLL_* that hold right now */
	struct list_head subs;
};

void waitable_init(struct waitable *w);

/*
 * Subscribes `s` for `events`. Returns the events already ready (then `s` is
 * not subscribed), or 0 once subscribed.
 */
uint32_t waitable_subscribe(struct waitable *w, struct waitsub *s, uint32_t events, waitsub_fn fn);

/*
 * Removes `s`. Returns true if it was still subscribed (its callback will not
 * run), false if it has been told (its callback has run or is running).
 */
bool waitable_unsubscribe(struct waitable *w, struct waitsub *s);

/* Adds `events` to what is ready for good and tells every subscriber interested in them. */
void waitable_signal(struct waitable *w, uint32_t events);

/* Tells every subscriber interested in `events` that they happened, without keeping them. */
void waitable_pulse(struct waitable *w, uint32_t events);

/* What is ready now. */
uint32_t waitable_ready(struct waitable *w);
