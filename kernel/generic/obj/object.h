/*
 * Kernel objects: every object a handle can name starts with a struct
 * kobject — its type and a reference count. The last kobject_put() destroys
 * it through its type's destroy function.
 */
#pragma once

#include <stdint.h>

enum kobject_type {
	KOBJ_PROCESS = 1,
	KOBJ_THREAD,
		KOBJ_VMO,
	KOBJ_RING,
	KOBJ_TYPE_COUNT,
};

struct kobject {
	enum kobject_type type;
	uint32_t refcount;
	void (*destroy)(struct kobject *obj);
};

static inline void kobject_init(struct kobject *o, enum kobject_type type,
                                void (*destroy)(struct kobject *))
{
	o->type = type;
	o->refcount = 1;
	o->destroy = destroy;
}

static inline void kobject_get(struct kobject *o)
{
	__atomic_fetch_add(&o->refcount, 1, __ATOMIC_RELAXED);
}

/* Drops one reference; destroys the object when it was the last. */
static inline void kobject_put(struct kobject *o)
{
	if (__atomic_sub_fetch(&o->refcount, 1, __ATOMIC_ACQ_REL) == 0)
		o->destroy(o);
}
