/*
 * Per-process handle tables. A handle value encodes a slot index and the
 * slot's generation, so a closed handle that is used again is refused even
 * after the slot is reused.
 */
#pragma once

#include <iris/abi/handle.h>
#include <obj/object.h>
#include <stdint.h>
#include <sync/spinlock.h>

struct handle_slot {
	struct kobject *obj; /* a reference, NULL when free */
	uint32_t rights;
	uint32_t generation;
};

struct handle_table {
	spinlock_t lock;
	struct handle_slot *slots; /* IRIS_HANDLES_MAX of them */
	uint32_t count;            /* slots in use */
};

/* Returns 0 or -ENOMEM. */
int handle_table_init(struct handle_table *t);

/* Closes every handle and frees the table. */
void handle_table_destroy(struct handle_table *t);

/*
 * Installs `obj` (taking a new reference) with `rights`. Returns the handle,
 * or -EMFILE if the table is full.
 */
iris_handle_t handle_install(struct handle_table *t, struct kobject *obj, uint32_t rights);

/*
 * Two-step install, for calls that must not fail after an irreversible step:
 * handle_reserve() takes a free slot (returns it, or -EMFILE); handle_commit()
 * puts `obj` there (taking a new reference) and returns the handle;
 * handle_unreserve() gives an unused reservation back.
 */
int handle_reserve(struct handle_table *t);
iris_handle_t handle_commit(struct handle_table *t, int slot, struct kobject *obj, uint32_t rights);
void handle_unreserve(struct handle_table *t, int slot);

/*
 * The handle that handle_commit() will return for reserved `slot`, so a call
 * can copy it out to its caller before the handle is published.
 */
iris_handle_t handle_peek(struct handle_table *t, int slot);

/*
 * Looks `h` up. Returns 0 with a new reference in *obj and the rights in
 * *rights (if not NULL), or -EBADF if h is not open, -EBADF if its object is
 * not of `type` (0 accepts any), -EPERM if it lacks any of `need`.
 */
int handle_get(struct handle_table *t, iris_handle_t h, enum kobject_type type, uint32_t need,
               struct kobject **obj, uint32_t *rights);

/* Closes `h`: 0 or -EBADF. */
int handle_close(struct handle_table *t, iris_handle_t h);

/*
 * Duplicates `h` with `rights` (IRIS_RIGHTS_SAME: the same), which must be a
 * subset. Returns the new handle, -EBADF, -EPERM (no DUPLICATE right, or
 * more rights asked), -EINVAL (unknown bits), -EMFILE.
 */
iris_handle_t handle_duplicate(struct handle_table *t, iris_handle_t h, uint32_t rights);
