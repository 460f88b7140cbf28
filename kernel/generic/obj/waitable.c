#include <obj/waitable.h>

void waitable_init(struct waitable *w)
{
	w->lock = (spinlock_t)SPINLOCK_INIT;
	w->ready = 0;
	w->level = NULL;
	list_init(&w->subs);
}

uint32_t waitable_subscribe(struct waitable *w, struct waitsub *s, uint32_t events, waitsub_fn fn)
{
	bool irq = spin_lock_irqsave(&w->lock);
	uint32_t now = (w->ready | (w->level ? w->level(w) : 0)) & events;
	if (!now) {
		s->events = events;
		s->fn = fn;
		s->subscribed = true;
		list_add_tail(&s->link, &w->subs);
	}
	spin_unlock_irqrestore(&w->lock, irq);
	return now;
}

bool waitable_unsubscribe(struct waitable *w, struct waitsub *s)
{
	bool irq = spin_lock_irqsave(&w->lock);
	bool was = s->subscribed;
	if (was) {
		list_del(&s->link);
		s->subscribed = false;
	}
	spin_unlock_irqrestore(&w->lock, irq);
	return was;
}

/* Tells the subscribers interested in `events`, keeping them as ready if `sticky`. */
static void tell(struct waitable *w, uint32_t events, bool sticky)
{
	struct list_head told;
	list_init(&told);
	bool irq = spin_lock_irqsave(&w->lock);
	if (sticky)
		w->ready |= events;
	uint32_t now = w->ready | events;
	struct list_head *pos, *tmp;
	list_for_each_safe (pos, tmp, &w->subs) {
		struct waitsub *s = list_entry(pos, struct waitsub, link);
		if (s->events & now) {
			list_del(&s->link);
			s->subscribed = false;
			list_add_tail(&s->link, &told);
		}
	}
	spin_unlock_irqrestore(&w->lock, irq);
	/* Outside the lock: a callback may complete an operation that unsubscribes others. */
	list_for_each_safe (pos, tmp, &told) {
		struct waitsub *s = list_entry(pos, struct waitsub, link);
		list_del(&s->link);
		s->fn(s, s->events & now);
	}
}

void waitable_signal(struct waitable *w, uint32_t events)
{
	tell(w, events, true);
}

void waitable_pulse(struct waitable *w, uint32_t events)
{
	tell(w, events, false);
}

uint32_t waitable_ready(struct waitable *w)
{
	return __atomic_load_n(&w->ready, __ATOMIC_ACQUIRE);
}
