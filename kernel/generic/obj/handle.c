#include <iris/abi/errno.h>
#include <iris/abi/syscall.h>
#include <mm/heap.h>
#include <obj/handle.h>

/* Handle value = generation (bits 10..30) << 10 | slot index. Never negative, never 0 for slot 0.
 */
#define SLOT_BITS 10
#define SLOT_MASK ((1u << SLOT_BITS) - 1)
#define GEN_MASK  0x1fffffu

_Static_assert(IRIS_HANDLES_MAX == 1u << SLOT_BITS, "handle encoding");

/* Marks a reserved slot: taken, but no handle names it yet. */
static struct kobject reserved;

static iris_handle_t encode(uint32_t slot, uint32_t gen)
{
	return (iris_handle_t)(((gen & GEN_MASK) << SLOT_BITS) | slot);
}

/* Returns the slot `h` names if it is open with the same generation, else NULL. Lock held. */
static struct handle_slot *lookup(struct handle_table *t, iris_handle_t h)
{
	if (h <= 0 || !t->slots)
		return NULL;
	uint32_t idx = (uint32_t)h & SLOT_MASK, gen = ((uint32_t)h >> SLOT_BITS) & GEN_MASK;
	struct handle_slot *s = &t->slots[idx];
	return s->obj && s->obj != &reserved && s->generation == gen ? s : NULL;
}

int handle_table_init(struct handle_table *t)
{
	t->lock = (spinlock_t)SPINLOCK_INIT;
	t->count = 0;
	t->slots = kzalloc(IRIS_HANDLES_MAX * sizeof(struct handle_slot));
	if (!t->slots)
		return -ENOMEM;
	/* Generation 1 first, so no valid handle is 0. */
	for (uint32_t i = 0; i < IRIS_HANDLES_MAX; i++)
		t->slots[i].generation = 1;
	return 0;
}

void handle_table_destroy(struct handle_table *t)
{
	for (;;) {
		struct kobject *obj = NULL;
		bool irq = spin_lock_irqsave(&t->lock);
		for (uint32_t i = 0; i < IRIS_HANDLES_MAX && t->slots && !obj; i++) {
			if (t->slots[i].obj) {
				obj = t->slots[i].obj;
				t->slots[i].obj = NULL;
				t->count--;
				if (obj == &reserved)
					obj = NULL;
			}
		}
		spin_unlock_irqrestore(&t->lock, irq);
		if (!obj)
			break;
		/* Outside the lock: closing and destroying may take other locks. */
		kobject_handle_closed(obj);
		kobject_put(obj);
	}
	kfree(t->slots);
	t->slots = NULL;
}

/* Takes a free slot for obj (reference already taken by the caller). Lock held. */
static iris_handle_t install_locked(struct handle_table *t, struct kobject *obj, uint32_t rights)
{
	for (uint32_t i = 0; i < IRIS_HANDLES_MAX; i++) {
		struct handle_slot *s = &t->slots[i];
		if (s->obj)
			continue;
		s->obj = obj;
		s->rights = rights;
		t->count++;
		kobject_handle_opened(obj);
		return encode(i, s->generation);
	}
	return -EMFILE;
}

int handle_reserve(struct handle_table *t)
{
	int slot = -EMFILE;
	bool irq = spin_lock_irqsave(&t->lock);
	for (uint32_t i = 0; t->slots && i < IRIS_HANDLES_MAX; i++) {
		if (!t->slots[i].obj) {
			t->slots[i].obj = &reserved;
			t->count++;
			slot = (int)i;
			break;
		}
	}
	spin_unlock_irqrestore(&t->lock, irq);
	return slot;
}

iris_handle_t handle_commit(struct handle_table *t, int slot, struct kobject *obj, uint32_t rights)
{
	kobject_get(obj);
	bool irq = spin_lock_irqsave(&t->lock);
	struct handle_slot *s = &t->slots[slot];
	s->obj = obj;
	s->rights = rights;
	kobject_handle_opened(obj);
	iris_handle_t h = encode((uint32_t)slot, s->generation);
	spin_unlock_irqrestore(&t->lock, irq);
	return h;
}

void handle_unreserve(struct handle_table *t, int slot)
{
	bool irq = spin_lock_irqsave(&t->lock);
	t->slots[slot].obj = NULL;
	t->count--;
	spin_unlock_irqrestore(&t->lock, irq);
}

iris_handle_t handle_peek(struct handle_table *t, int slot)
{
	bool irq = spin_lock_irqsave(&t->lock);
	iris_handle_t h = encode((uint32_t)slot, t->slots[slot].generation);
	spin_unlock_irqrestore(&t->lock, irq);
	return h;
}

iris_handle_t handle_install(struct handle_table *t, struct kobject *obj, uint32_t rights)
{
	kobject_get(obj);
	bool irq = spin_lock_irqsave(&t->lock);
	iris_handle_t h = t->slots ? install_locked(t, obj, rights) : -EMFILE;
	spin_unlock_irqrestore(&t->lock, irq);
	if (h < 0)
		kobject_put(obj);
	return h;
}

int handle_get(struct handle_table *t, iris_handle_t h, enum kobject_type type, uint32_t need,
               struct kobject **obj, uint32_t *rights)
{
	int r = 0;
	bool irq = spin_lock_irqsave(&t->lock);
	struct handle_slot *s = lookup(t, h);
	if (!s || (type && s->obj->type != type))
		r = -EBADF;
	else if ((s->rights & need) != need)
		r = -EPERM;
	else {
		kobject_get(s->obj);
		*obj = s->obj;
		if (rights)
			*rights = s->rights;
	}
	spin_unlock_irqrestore(&t->lock, irq);
	return r;
}

int handle_close(struct handle_table *t, iris_handle_t h)
{
	bool irq = spin_lock_irqsave(&t->lock);
	struct handle_slot *s = lookup(t, h);
	struct kobject *obj = NULL;
	if (s) {
		obj = s->obj;
		s->obj = NULL;
		s->generation = (s->generation + 1) & GEN_MASK ? (s->generation + 1) & GEN_MASK : 1;
		t->count--;
	}
	spin_unlock_irqrestore(&t->lock, irq);
	if (!obj)
		return -EBADF;
	kobject_handle_closed(obj);
	kobject_put(obj);
	return 0;
}

iris_handle_t handle_duplicate(struct handle_table *t, iris_handle_t h, uint32_t rights)
{
	if (rights != IRIS_RIGHTS_SAME && (rights & ~IRIS_RIGHTS_ALL))
		return -EINVAL;
	bool irq = spin_lock_irqsave(&t->lock);
	iris_handle_t r;
	struct handle_slot *s = lookup(t, h);
	if (!s) {
		r = -EBADF;
	} else {
		uint32_t want = rights == IRIS_RIGHTS_SAME ? s->rights : rights;
		if (!(s->rights & IRIS_RIGHT_DUPLICATE) || (want & ~s->rights)) {
			r = -EPERM;
		} else {
			kobject_get(s->obj);
			r = install_locked(t, s->obj, want);
			if (r < 0)
				__atomic_fetch_sub(&s->obj->refcount, 1, __ATOMIC_RELAXED);
		}
	}
	spin_unlock_irqrestore(&t->lock, irq);
	return r;
}
