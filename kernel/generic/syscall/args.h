/*
 * What the files of syscall/ share, and nothing else includes: the argument
 * block, the handlers the table names, argument decoding, and handle
 * publishing. Every handler decodes and validates all its arguments (copying
 * user memory in once) before it changes anything; a handle it returns is
 * reserved first and published last, after every copy-out, so a failing call
 * leaves every object as it was (docs/syscalls.md, "Decode, then invoke").
 */
#pragma once

#include <iris/abi/errno.h>
#include <iris/abi/handle.h>
#include <iris/abi/syscall.h>
#include <mm/frame.h>
#include <obj/handle.h>
#include <obj/process.h>
#include <stdint.h>

/* The six argument registers of a call: rdi, rsi, rdx, r10, r8, r9. */
struct syscall_args {
	uint64_t a[6];
};

#define PAGE_MASK (PAGE_SIZE - 1)
#define PROT_ALL  (IRIS_PROT_READ | IRIS_PROT_WRITE | IRIS_PROT_EXEC)

typedef long (*syscall_fn)(const struct syscall_args *a);

/* One handler per call the gate takes (gate 1 in iris/abi/syscalls.def): sys_NAME. */
#define SYSCALL_HANDLER_1(name) long sys_##name(const struct syscall_args *a);
#define SYSCALL_HANDLER_0(name)
#define SYSCALL(nr, NAME, name, gate, ring, blocks, anywhere) SYSCALL_HANDLER_##gate(name)
#include <iris/abi/syscalls.def>
#undef SYSCALL
#undef SYSCALL_HANDLER_1
#undef SYSCALL_HANDLER_0

/* The calling process. */
static inline struct process *self(void)
{
	return process_current();
}

/* A handle argument: an int32 sign-extended to 64 bits, or -EBADF as a value no handle has. */
static inline iris_handle_t handle_arg(uint64_t v)
{
	int64_t h = (int64_t)v;
	return h >= INT32_MIN && h <= INT32_MAX ? (iris_handle_t)h : -EBADF;
}

/*
 * The object the handle argument `arg` names in the caller's table, of
 * `type` (0: any) and with every right of `need`. Returns 0 with a new
 * reference in *obj and the handle's rights in *rights (if not NULL), or
 * -EBADF (not open, or another type), -EPERM (a right missing).
 */
static inline int arg_handle_get(uint64_t arg, enum kobject_type type, uint32_t need,
                                 struct kobject **obj, uint32_t *rights)
{
	return handle_get(&self()->handles, handle_arg(arg), type, need, obj, rights);
}

/*
 * A handle a call will return. out_reserve() takes a slot in the caller's
 * table before the call acts (0, or -EMFILE) and says which value the
 * handle will have (`value`, to copy out); out_publish() then puts the
 * object there once nothing can fail any more, and out_cancel() gives the
 * slot back on the way out of a failure.
 */
struct out_handle {
	int slot;
	iris_handle_t value;
};

static inline int out_reserve(struct out_handle *o)
{
	struct handle_table *t = &self()->handles;
	o->slot = handle_reserve(t);
	if (o->slot < 0)
		return o->slot;
	o->value = handle_peek(t, o->slot);
	return 0;
}

static inline void out_cancel(struct out_handle *o)
{
	handle_unreserve(&self()->handles, o->slot);
}

/* Publishes `obj` with `rights` (the handle takes a reference of its own); returns o->value. */
static inline iris_handle_t out_publish(struct out_handle *o, struct kobject *obj, uint32_t rights)
{
	return handle_commit(&self()->handles, o->slot, obj, rights);
}

/*
 * Lets go of an object a failing call made for its caller but never
 * published: it ends as if its one handle had been opened and closed (a
 * device is released, an interrupt unbound, a channel's peer hears HUP), and
 * the caller's reference is dropped.
 */
static inline void out_discard(struct kobject *obj)
{
	kobject_handle_opened(obj);
	kobject_handle_closed(obj);
	kobject_put(obj);
}
