/*
 * Kernel objects: every object a handle can name starts with a struct
 * kobject — its type and a reference count. The last kobject_put() destroys
 * it through its type's destroy function.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum kobject_type {
	KOBJ_PROCESS = 1,
	KOBJ_THREAD,
	KOBJ_VMO,
	KOBJ_RING,
	KOBJ_CHANNEL, /* a channel endpoint */
	KOBJ_BUS,     /* the PCI bus: opens devices (one, given to init) */
	KOBJ_DEVICE,  /* a PCI function */
	KOBJ_IRQ,     /* a bound device interrupt */
	KOBJ_PIN,     /* memory pinned for a device's DMA */
	KOBJ_TYPE_COUNT,
};

/* Objects initialised and not yet destroyed (SYS_STAT's IRIS_STAT_OBJECTS); see object.c. */
extern uint64_t kobject_live;

struct kobject {
	enum kobject_type type;
	uint32_t refcount;
	uint32_t handles; /* how many handles name it (they hold references too) */
	void (*destroy)(struct kobject *obj);
	void (*last_handle)(struct kobject *obj); /* optional: the last handle was closed */
};

static inline void kobject_init(struct kobject *o, enum kobject_type type,
                                void (*destroy)(struct kobject *))
{
	o->type = type;
	o->refcount = 1;
	o->handles = 0;
	o->destroy = destroy;
	o->last_handle = NULL;
	__atomic_fetch_add(&kobject_live, 1, __ATOMIC_RELAXED);
}

/*
 * For an error path that frees an object it initialised but never
 * published (no reference ever left the creator): the object stops being
 * counted as live. Everything else ends with the last kobject_put().
 */
static inline void kobject_abandon(struct kobject *o)
{
	(void)o;
	__atomic_fetch_sub(&kobject_live, 1, __ATOMIC_RELAXED);
}

static inline void kobject_get(struct kobject *o)
{
	__atomic_fetch_add(&o->refcount, 1, __ATOMIC_RELAXED);
}

/* Handle bookkeeping, called by the handle tables (with the object's reference held). */
static inline void kobject_handle_opened(struct kobject *o)
{
	__atomic_fetch_add(&o->handles, 1, __ATOMIC_RELAXED);
}

static inline void kobject_handle_closed(struct kobject *o)
{
	if (__atomic_sub_fetch(&o->handles, 1, __ATOMIC_ACQ_REL) == 0 && o->last_handle)
		o->last_handle(o);
}

/* Drops one reference; destroys the object when it was the last. */
static inline void kobject_put(struct kobject *o)
{
	if (__atomic_sub_fetch(&o->refcount, 1, __ATOMIC_ACQ_REL) == 0) {
		__atomic_fetch_sub(&kobject_live, 1, __ATOMIC_RELAXED);
		o->destroy(o);
	}
}
