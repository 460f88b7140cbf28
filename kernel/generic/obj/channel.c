#include <common/string.h>
#include <iris/abi/errno.h>
#include <iris/abi/ring.h>
#include <mm/heap.h>
#include <mm/layout.h>
#include <obj/channel.h>

#define HEADER_SIZE PAGE_SIZE

static struct iris_chanq *queue(struct channel *ch, uint32_t q)
{
	struct iris_channel_header *h = phys_to_virt(ch->vmo->pages[0]);
	return &h->queue[q];
}

/* Messages waiting in queue q, from indices the processes wrote (bounded to 0..slots). */
static uint32_t queue_used(struct channel *ch, uint32_t q)
{
	struct iris_chanq *cq = queue(ch, q);
	uint32_t used = __atomic_load_n(&cq->tail, __ATOMIC_ACQUIRE) -
	                __atomic_load_n(&cq->head, __ATOMIC_ACQUIRE);
	return used > ch->slots ? ch->slots : used; /* garbage: let the library see it */
}

/* IN when something waits to be received, OUT when there is room to send. */
static uint32_t endpoint_level(struct waitable *w)
{
	struct endpoint *ep = container_of(w, struct endpoint, w);
	uint32_t ev = 0;
	if (queue_used(ep->ch, 1 - ep->side))
		ev |= IRIS_POLL_IN;
	if (queue_used(ep->ch, ep->side) < ep->ch->slots)
		ev |= IRIS_POLL_OUT;
	return ev;
}

/* Serialises sending endpoints, so the rule of channel_push_handle holds machine-wide. */
static spinlock_t transfer_lock = SPINLOCK_INIT;

/* Takes the oldest object out of FIFO f (ch->lock held); its reference passes to the caller. */
static struct kobject *fifo_take(struct handle_fifo *f, uint32_t *rights)
{
	struct kobject *o = f->obj[f->head];
	if (rights)
		*rights = f->rights[f->head];
	f->head = (f->head + 1) % IRIS_CHANNEL_HANDLES_MAX;
	f->count--;
	if (o->type == KOBJ_CHANNEL) {
		__atomic_fetch_sub(&f->endpoints, 1, __ATOMIC_RELEASE);
		__atomic_fetch_sub(&endpoint_from(o)->in_flight, 1, __ATOMIC_RELEASE);
	}
	return o;
}

/*
 * Lets go of an object taken out of a handle FIFO unreceived. An object in
 * flight counts as one handle (channel_push_handle opens it, the receiver's
 * new handle replaces it), so an endpoint travelling over a channel is not
 * closed on the way.
 */
static void fifo_drop(struct kobject *o)
{
	kobject_handle_closed(o);
	kobject_put(o);
}

static void channel_free(struct channel *ch)
{
	for (int s = 0; s < 2; s++) {
		struct handle_fifo *f = &ch->fifo[s];
		while (f->count)
			fifo_drop(fifo_take(f, NULL));
	}
	kobject_put(&ch->vmo->obj);
	kfree(ch);
}

static void endpoint_destroy(struct kobject *o)
{
	struct channel *ch = endpoint_from(o)->ch;
	if (__atomic_sub_fetch(&ch->endpoints, 1, __ATOMIC_ACQ_REL) == 0)
		channel_free(ch);
}

/* The last handle to an endpoint closed: its peer hears HUP, and what was sent to it goes. */
static void endpoint_last_handle(struct kobject *o)
{
	struct endpoint *ep = endpoint_from(o);
	struct channel *ch = ep->ch;
	struct kobject *drop[IRIS_CHANNEL_HANDLES_MAX];
	uint32_t n = 0;

	bool irq = spin_lock_irqsave(&ch->lock);
	ep->closed = true;
	struct handle_fifo *f = &ch->fifo[1 - ep->side];
	while (f->count)
		drop[n++] = fifo_take(f, NULL);
	spin_unlock_irqrestore(&ch->lock, irq);
	for (uint32_t i = 0; i < n; i++)
		fifo_drop(drop[i]);
	waitable_signal(&ch->ep[1 - ep->side].w, IRIS_POLL_HUP);
}

struct channel *channel_create(uint32_t slots)
{
	uint32_t n = 1;
	while (n < slots)
		n <<= 1;
	struct channel *ch = kzalloc(sizeof(*ch));
	if (!ch)
		return NULL;
	ch->slots = n;
	ch->lock = (spinlock_t)SPINLOCK_INIT;
	ch->vmo = vmo_create(HEADER_SIZE + 2ull * n * IRIS_CHANNEL_SLOT_SIZE);
	if (!ch->vmo) {
		kfree(ch);
		return NULL;
	}
	if (!vmo_get_page(ch->vmo, 0)) {
		kobject_put(&ch->vmo->obj);
		kfree(ch);
		return NULL;
	}
	ch->endpoints = 2;
	for (uint32_t s = 0; s < 2; s++) {
		struct endpoint *ep = &ch->ep[s];
		kobject_init(&ep->obj, KOBJ_CHANNEL, endpoint_destroy);
		ep->obj.last_handle = endpoint_last_handle;
		ep->ch = ch;
		ep->side = s;
		waitable_init(&ep->w);
		ep->w.level = endpoint_level;
	}
	return ch;
}

void channel_info(struct endpoint *ep, struct iris_channel_info *info)
{
	struct channel *ch = ep->ch;
	info->peer = -1;
	info->side = ep->side;
	info->slots = ch->slots;
	info->size = (uint32_t)(ch->vmo->npages * PAGE_SIZE);
	info->queue_offset[0] = HEADER_SIZE;
	info->queue_offset[1] = HEADER_SIZE + ch->slots * IRIS_CHANNEL_SLOT_SIZE;
}

void channel_notify(struct endpoint *ep, uint32_t events)
{
	waitable_pulse(&ep->ch->ep[1 - ep->side].w, events);
}

int channel_push_handle(struct endpoint *ep, struct kobject *obj, uint32_t rights)
{
	struct channel *ch = ep->ch;
	struct endpoint *peer = &ch->ep[1 - ep->side];
	struct endpoint *sent = obj->type == KOBJ_CHANNEL ? endpoint_from(obj) : NULL;
	int r = 0;
	bool tirq = false;
	if (obj == &ep->obj || obj == &peer->obj)
		return -EINVAL;     /* a channel cannot carry its own endpoints */
	kobject_handle_opened(obj); /* in flight, it still counts as a handle */
	if (sent) {
		tirq = spin_lock_irqsave(&transfer_lock);
		if (__atomic_load_n(&sent->ch->fifo[1 - sent->side].endpoints, __ATOMIC_ACQUIRE) ||
		    __atomic_load_n(&peer->in_flight, __ATOMIC_ACQUIRE))
			r = -EBUSY;
	}
	bool irq = spin_lock_irqsave(&ch->lock);
	struct handle_fifo *f = &ch->fifo[ep->side];
	if (r == 0 && peer->closed)
		r = -EPIPE;
	if (r == 0 && f->count == IRIS_CHANNEL_HANDLES_MAX)
		r = -ENOSPC;
	if (r == 0) {
		uint32_t at = (f->head + f->count++) % IRIS_CHANNEL_HANDLES_MAX;
		f->obj[at] = obj;
		f->rights[at] = rights;
		if (sent) {
			__atomic_fetch_add(&f->endpoints, 1, __ATOMIC_RELEASE);
			__atomic_fetch_add(&sent->in_flight, 1, __ATOMIC_RELEASE);
		}
	}
	spin_unlock_irqrestore(&ch->lock, irq);
	if (sent)
		spin_unlock_irqrestore(&transfer_lock, tirq);
	if (r < 0)
		kobject_handle_closed(obj); /* the sender's handle is still open: never the last */
	return r;
}

iris_handle_t channel_pop_handle(struct endpoint *ep, struct handle_table *t, int slot)
{
	struct channel *ch = ep->ch;
	struct kobject *obj = NULL;
	uint32_t rights;
	bool irq = spin_lock_irqsave(&ch->lock);
	struct handle_fifo *f = &ch->fifo[1 - ep->side];
	if (f->count)
		obj = fifo_take(f, &rights);
	spin_unlock_irqrestore(&ch->lock, irq);
	if (!obj)
		return -EAGAIN;
	iris_handle_t h = handle_commit(t, slot, obj, rights);
	kobject_handle_closed(obj); /* the new handle replaces the one in flight */
	kobject_put(obj);
	return h;
}
