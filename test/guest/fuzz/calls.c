/*
 * Typed-argument fuzzing of every system call: arguments are drawn from the
 * resources earlier calls produced (handles of each kind, mapped regions),
 * edge integers and bad pointers; every result is checked against the
 * errors docs/syscalls.md documents for the call.
 *
 * What is never generated, because it would end the campaign rather than
 * test the kernel: SYS_THREAD_EXIT and SYS_PROCESS_EXIT outside a ring,
 * SYS_POWER with a real operation, a thread bootstrap or function that
 * points at anything but our own bootstrap (which exits the thread at once), unmap or protect of
 * memory the fuzzer did not map itself, kills of anything it did not start, and waits that could
 * block for ever (a synchronous WAIT, POLL or TIMEOUT only on what ends soon, or with NOHANG).
 */
#include "fuzz.h"
#include <errno.h>
#include <iris/modules.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define KERNEL_HALF  0xffff800000000000ull
#define NONCANONICAL 0x0000800000000000ull
#define USER_END     0x7ffffffff000ull
#define PAGE         4096ull

/* The errors a call may return, from the table in docs/syscalls.md (0 ends a list). */
static const struct call_doc {
	const char *name;
	uint8_t errors[12];
} docs[SYS_COUNT] = {
	[SYS_ECHO] = { "ECHO", { 0 } },
	[SYS_YIELD] = { "YIELD", { 0 } },
	[SYS_SPAWN_THREAD] = { "SPAWN_THREAD", { EFAULT, EINVAL, ENOMEM, EMFILE, ESRCH, EAGAIN } },
	[SYS_THREAD_EXIT] = { "THREAD_EXIT", { 0 } },
	[SYS_PROCESS_SPAWN] = { "PROCESS_SPAWN",
	                        { E2BIG, EINVAL, EFAULT, EBADF, EPERM, ENOEXEC, ENOMEM, EMFILE } },
	[SYS_PROCESS_EXIT] = { "PROCESS_EXIT", { 0 } },
	[SYS_WAIT] = { "WAIT", { EINVAL, EFAULT, EBADF, EPERM, EAGAIN } },
	[SYS_KILL] = { "KILL", { EBADF, EPERM } },
	[SYS_CLOCK_GET] = { "CLOCK_GET", { EINVAL } },
	[SYS_SLEEP] = { "SLEEP", { EINVAL } },
	[SYS_MAP] = { "MAP", { EINVAL, EBADF, EPERM, ENOMEM, EEXIST } },
	[SYS_UNMAP] = { "UNMAP", { EINVAL, ENOMEM } },
	[SYS_PROTECT] = { "PROTECT", { EINVAL, ENOMEM, EACCES } },
	[SYS_DEBUG_WRITE] = { "DEBUG_WRITE", { EINVAL, EFAULT } },
	[SYS_HANDLE_CLOSE] = { "HANDLE_CLOSE", { EBADF } },
	[SYS_HANDLE_DUPLICATE] = { "HANDLE_DUPLICATE", { EINVAL, EBADF, EPERM, EMFILE } },
	[SYS_VMO_CREATE] = { "VMO_CREATE", { EINVAL, ENOMEM, EMFILE } },
	[SYS_STAT] = { "STAT", { EINVAL } },
	[SYS_THREAD_SELF] = { "THREAD_SELF", { 0 } },
	[SYS_PROCESS_SELF] = { "PROCESS_SELF", { 0 } },
	[SYS_VMO_SIZE] = { "VMO_SIZE", { EBADF, EPERM } },
	[SYS_RING_SETUP] = { "RING_SETUP", { EINVAL, EFAULT, ENOMEM, EMFILE } },
	[SYS_RING_ENTER] = { "RING_ENTER", { EBADF, EPERM, EINVAL, ETIMEDOUT } },
	[SYS_NOP] = { "NOP", { 0 } },
	[SYS_TIMEOUT] = { "TIMEOUT", { ETIMEDOUT, EINVAL } },
	[SYS_CANCEL] = { "CANCEL", { EINVAL } },
	/* SYS_POLL: rings.md says EBADF for an object that cannot be waited for, syscalls.md
	 * EINVAL; both are accepted. */
	[SYS_POLL] = { "POLL", { EINVAL, EBADF, EPERM } },
	[SYS_LINK_TIMEOUT] = { "LINK_TIMEOUT", { EINVAL } },
	[SYS_CHANNEL_CREATE] = { "CHANNEL_CREATE", { EINVAL, EFAULT, ENOMEM, EMFILE } },
	[SYS_CHANNEL_INFO] = { "CHANNEL_INFO", { EBADF, EPERM, EFAULT } },
	[SYS_CHANNEL_NOTIFY] = { "CHANNEL_NOTIFY", { EINVAL, EBADF, EPERM } },
	[SYS_CHANNEL_SEND_HANDLE] = { "CHANNEL_SEND_HANDLE",
	                              { EINVAL, EBADF, EPERM, ENOSPC, EPIPE, EBUSY } },
	[SYS_CHANNEL_RECV_HANDLE] = { "CHANNEL_RECV_HANDLE", { EAGAIN, EBADF, EPERM, EMFILE } },
	[SYS_DEVICE_OPEN] = { "DEVICE_OPEN",
	                      { ENOENT, EBUSY, EPERM, EINVAL, EFAULT, EBADF, EMFILE } },
	[SYS_DEVICE_INFO] = { "DEVICE_INFO", { EFAULT, EBADF, EPERM } },
	[SYS_DEVICE_BAR] = { "DEVICE_BAR",
	                     { EINVAL, ENOENT, ENOTSUP, EBUSY, EPERM, EBADF, ENOMEM, EMFILE } },
	[SYS_DEVICE_CONFIG_READ] = { "DEVICE_CONFIG_READ", { EINVAL, EBADF, EPERM } },
	[SYS_DEVICE_CONFIG_WRITE] = { "DEVICE_CONFIG_WRITE", { EPERM, EINVAL, EBADF } },
	[SYS_DEVICE_BUSMASTER] = { "DEVICE_BUSMASTER", { EINVAL, EBADF, EPERM } },
	[SYS_DMA_CREATE] = { "DMA_CREATE", { EINVAL, ENOMEM, EFAULT, EBADF, EPERM, EMFILE } },
	[SYS_IRQ_BIND] = { "IRQ_BIND",
	                   { EINVAL, ENOTSUP, EBUSY, ENOSPC, EFAULT, EBADF, EPERM, ENOMEM,
	                     EMFILE } },
	[SYS_IRQ_CONTROL] = { "IRQ_CONTROL", { EINVAL, EPIPE, EBADF, EPERM } },
	[SYS_PROCESS_LIST] = { "PROCESS_LIST", { EFAULT, ENOMEM } },
	[SYS_PROCESS_OPEN] = { "PROCESS_OPEN", { ESRCH, EMFILE } },
	[SYS_POWER] = { "POWER", { EINVAL } },
	[SYS_LOG_READ] = { "LOG_READ", { EINVAL, EFAULT, EPERM, EBUSY } },
	[SYS_DMA_PIN] = { "DMA_PIN",
	                  { EINVAL, E2BIG, ENOSPC, ENOTSUP, EFAULT, EBADF, EPERM, ENOMEM,
	                    EMFILE } },
};

const char *calls_name(uint32_t nr)
{
	return nr < SYS_COUNT ? docs[nr].name : "unknown";
}

void fz_fail(struct fz_thread *t, const char *fmt, ...)
{
	t->failures++;
	fz_add(&t->fig->failures, 1);
	if (t->failures > 20)
		return;
	va_list ap;
	va_start(ap, fmt);
	char line[256];
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("# FUZZ FAIL worker %d thread %d: %s\n", t->worker, t->index, line);
}

/* Remembers a call: made with `result`, or submitted to a ring (`ring`). */
void calls_record(struct fz_thread *t, const struct fz_call *c, bool ring, long result)
{
	struct fz_event *e = &t->history[t->nhistory++ % 32];
	e->call = *c;
	e->ring = ring;
	e->result = result;
}

/* Prints the remembered calls that name handle `h` in any argument. */
void calls_history(struct fz_thread *t, iris_handle_t h)
{
	for (unsigned i = t->nhistory > 32 ? t->nhistory - 32 : 0; i < t->nhistory; i++) {
		const struct fz_event *e = &t->history[i % 32];
		bool names = false;
		for (int k = 0; k < 6; k++)
			names |= (uint32_t)e->call.args[k] == (uint32_t)h;
		if (names)
			printf("#   earlier: %s%s(%#llx, %#llx, %#llx) -> %ld\n",
			       e->ring ? "ring " : "", calls_name(e->call.nr),
			       (unsigned long long)e->call.args[0],
			       (unsigned long long)e->call.args[1],
			       (unsigned long long)e->call.args[2], e->ring ? 0 : e->result);
	}
}

/*
 * Whether `result` is what call `nr` may return: a value >= 0 where the call
 * has one, or a documented error. In a ring, every operation may also be
 * cancelled or run out of memory, and the calls a ring refuses fail EINVAL.
 */
bool calls_result_ok(uint32_t nr, long result, bool in_ring)
{
	if (nr >= SYS_COUNT)
		return result == -ENOSYS || (in_ring && result == -ECANCELED);
	if (nr == SYS_ECHO)
		return true; /* any value: the callers compare it with the argument */
	if (result >= 0) {
		if (nr == SYS_TIMEOUT || nr == SYS_LINK_TIMEOUT)
			return false;
		return nr != SYS_CANCEL || result == 0;
	}
	long e = -result;
	if (in_ring) {
		if (e == ECANCELED || e == ENOMEM)
			return true;
		if (nr == SYS_THREAD_EXIT || nr == SYS_PROCESS_EXIT || nr == SYS_RING_ENTER)
			return e == EINVAL;
		if (nr == SYS_CANCEL)
			return e == ENOENT;
		if (nr == SYS_LINK_TIMEOUT)
			return e == EINVAL || e == ETIMEDOUT;
	}
	for (int i = 0; i < 12 && docs[nr].errors[i]; i++) {
		if (docs[nr].errors[i] == e)
			return true;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Resources */

void fz_handle_add(struct fz_thread *t, iris_handle_t h, enum fz_kind kind, bool ours)
{
	if (h <= 0)
		return;
	if (t->nhandles == FZ_HANDLES) {
		/* Full: the oldest makes room (closing it is one more call). */
		struct fz_handle old = t->handles[0];
		memmove(&t->handles[0], &t->handles[1], (FZ_HANDLES - 1) * sizeof(t->handles[0]));
		t->nhandles--;
		if (old.kind == FZ_RING)
			rings_ring_closed(t, old.h);
		sys_handle_close(old.h);
		fz_add(&t->fig->calls, 1);
	}
	t->handles[t->nhandles++] = (struct fz_handle){ h, kind, ours };
}

void fz_handle_forget(struct fz_thread *t, iris_handle_t h)
{
	for (int i = 0; i < t->nhandles; i++) {
		if (t->handles[i].h == h) {
			if (t->handles[i].kind == FZ_RING)
				rings_ring_closed(t, h);
			t->handles[i] = t->handles[--t->nhandles];
			return;
		}
	}
}

static struct fz_handle *handle_of(struct fz_thread *t, iris_handle_t h)
{
	for (int i = 0; i < t->nhandles; i++) {
		if (t->handles[i].h == h)
			return &t->handles[i];
	}
	return NULL;
}

static void region_add(struct fz_thread *t, uintptr_t addr, size_t len)
{
	if (t->nregions == FZ_REGIONS)
		return; /* the mapping stays; the process's end unmaps it */
	t->regions[t->nregions++] =
	        (struct fz_region){ addr, (len + PAGE - 1) & ~(PAGE - 1), false };
}

/* A value that names no handle: small, negative, beyond 32 bits, or never issued. */
static uint64_t bad_handle(struct fz_thread *t)
{
	/* Not 0, 1 or any small value: those may name another thread's handles. */
	static const uint64_t values[] = { (uint64_t)-1, 0x80000000u, 0x7ffffff0u,
		                           1ull << 32,   ~0ull << 40, 0xfffffffffffffc01ull };
	return values[fz_below(&t->rng, sizeof(values) / sizeof(values[0]))];
}

/* Mostly a handle of `kind` (0: any), sometimes another kind, sometimes a bad value. */
static uint64_t pick_handle(struct fz_thread *t, enum fz_kind kind)
{
	uint64_t roll = fz_below(&t->rng, 10);
	if (roll < 7 && t->nhandles) {
		for (int tries = 0; tries < 8; tries++) {
			struct fz_handle *h = &t->handles[fz_below(&t->rng, (uint64_t)t->nhandles)];
			if (!kind || h->kind == kind)
				return (uint64_t)(int64_t)h->h;
		}
	}
	if (roll < 9 && t->nhandles) {
		int64_t h = t->handles[fz_below(&t->rng, (uint64_t)t->nhandles)].h;
		/* Sometimes with junk above bit 31: it must name no handle. */
		return fz_one_in(&t->rng, 8) ? (uint64_t)(uint32_t)h | 1ull << 33 : (uint64_t)h;
	}
	return bad_handle(t);
}

/* A handle this thread may kill or wait for: one it started, or a bad value. */
static uint64_t pick_own_task(struct fz_thread *t)
{
	for (int tries = 0; tries < 8 && t->nhandles; tries++) {
		struct fz_handle *h = &t->handles[fz_below(&t->rng, (uint64_t)t->nhandles)];
		if (h->ours)
			return (uint64_t)(int64_t)h->h;
	}
	return bad_handle(t);
}

static uint64_t edge_int(struct fz_thread *t)
{
	static const uint64_t values[] = { 0,          1,           2,          3,
		                           7,          64,          4095,       4096,
		                           4097,       8192,        0x7fffffff, 0x80000000,
		                           0xffffffff, 1ull << 32,  1ull << 47, 0x7fffffffffffffff,
		                           1ull << 63, (uint64_t)-1 };
	if (fz_one_in(&t->rng, 6))
		return fz_next(&t->rng);
	return values[fz_below(&t->rng, sizeof(values) / sizeof(values[0]))];
}

/*
 * A pointer for the kernel to read or write `len` bytes at: our scratch
 * (valid), somewhere in a region we mapped with the whole `len` inside it,
 * or a bad one (NULL, low, unmapped, kernel half, non-canonical, the top of
 * user space). Never one whose bytes run past a region's end: what follows
 * it may be mapped (our own heap, a ring), and the kernel would rightly
 * write there.
 */
static uint64_t pick_ptr(struct fz_thread *t, void *scratch, size_t scratch_len, size_t len)
{
	uint64_t roll = fz_below(&t->rng, 12);
	if (roll < 5 && scratch && len <= scratch_len)
		return (uint64_t)scratch;
	if (roll < 8 && t->nregions) {
		struct fz_region *r = &t->regions[fz_below(&t->rng, (uint64_t)t->nregions)];
		if (len <= r->len) {
			r->pinned |= t->in_ring;
			return r->addr + fz_below(&t->rng, r->len - len + 1);
		}
	}
	static const uint64_t bad[] = { 0,
		                        8,
		                        0xfff0,
		                        0x10000,
		                        KERNEL_HALF,
		                        0xffffffffffff0000ull,
		                        NONCANONICAL,
		                        1ull << 63,
		                        USER_END - 8,
		                        0x00007fffffffffffull };
	return bad[fz_below(&t->rng, sizeof(bad) / sizeof(bad[0]))];
}

/* Bytes of our own memory from `ptr` on (scratch or a mapped region); 0 if it is not ours. */
static size_t ptr_room(const struct fz_thread *t, uint64_t ptr, const void *scratch, size_t len)
{
	if (ptr == (uint64_t)scratch)
		return len;
	for (int i = 0; i < t->nregions; i++) {
		const struct fz_region *r = &t->regions[i];
		if (ptr >= r->addr && ptr < r->addr + r->len)
			return r->addr + r->len - ptr;
	}
	return 0;
}

static uint64_t pick_rights(struct fz_thread *t)
{
	switch (fz_below(&t->rng, 5)) {
	case 0:
		return IRIS_RIGHTS_SAME;
	case 1:
		return fz_next(&t->rng) & 0x7f;
	case 2:
		return edge_int(t);
	default:
		return IRIS_RIGHT_READ | IRIS_RIGHT_TRANSFER | IRIS_RIGHT_DUPLICATE;
	}
}

/*
 * A page-aligned sub-range of one of our regions, or a range the kernel must
 * refuse. Address space an unmap frees may be reused at once by libc (a
 * thread stack, a ring, the heap), so: for an unmap the region leaves the
 * pool at once, whole, and is never touched again; and a region a ring
 * submission points into (it may run, or store its result, much later) is
 * pinned and never unmapped at all.
 */
static void pick_own_range(struct fz_thread *t, uint64_t *addr, uint64_t *len, bool unmap)
{
	uint64_t i = t->nregions ? fz_below(&t->rng, (uint64_t)t->nregions) : 0;
	if (t->nregions && !fz_one_in(&t->rng, 3) && !(unmap && t->regions[i].pinned)) {
		struct fz_region *r = &t->regions[i];
		r->pinned |= t->in_ring && !unmap;
		uint64_t pages = r->len / PAGE;
		uint64_t first = fz_below(&t->rng, pages);
		*addr = r->addr + first * PAGE;
		*len = (1 + fz_below(&t->rng, pages - first)) * PAGE;
		if (fz_one_in(&t->rng, 4)) /* the whole region */
			*addr = r->addr, *len = r->len;
		if (unmap)
			*r = t->regions[--t->nregions];
		return;
	}
	static const uint64_t bad_addr[] = {
		0, 0x1000, 0x10001, KERNEL_HALF, NONCANONICAL, USER_END
	};
	*addr = bad_addr[fz_below(&t->rng, sizeof(bad_addr) / sizeof(bad_addr[0]))];
	*len = fz_one_in(&t->rng, 2) ? 0 : edge_int(t) | (1ull << 47);
	if (*addr == 0x10001) /* unaligned, with a length that would be fine */
		*len = PAGE;
}

static uint64_t pick_prot(struct fz_thread *t)
{
	return fz_one_in(&t->rng, 6) ? edge_int(t) : fz_below(&t->rng, 8);
}

/* What every thread the fuzzer spawns runs: it ends at once, whatever fn and arg say. */
__attribute__((noreturn)) static void fz_thread_exit_at_once(iris_thread_fn fn, void *arg)
{
	(void)fn;
	(void)arg;
	sys_thread_exit(0);
}

static uint64_t pick_bootstrap(struct fz_thread *t)
{
	static const uint64_t bad[] = { 0, KERNEL_HALF, NONCANONICAL, (uint64_t)-1 };
	if (fz_below(&t->rng, 3))
		return (uint64_t)fz_thread_exit_at_once;
	return bad[fz_below(&t->rng, sizeof(bad) / sizeof(bad[0]))];
}

/* Fills `scratch` with a well-formed argument block (argc 1, envc 1). */
static size_t make_args(void *scratch)
{
	static const char block[] = "\1\0\0\0\1\0\0\0fuzzchild\0A=1";
	memcpy(scratch, block, sizeof(block));
	return sizeof(block);
}

static void gen_spawn(struct fz_thread *t, struct fz_call *c, uint8_t *scratch, size_t len)
{
	/* The image: garbage of ours, a region, or a bad pointer; never a runnable program. */
	for (size_t i = 0; i < 64 && i < len; i++)
		scratch[i] = (uint8_t)fz_next(&t->rng);
	if (fz_one_in(&t->rng, 3))
		memcpy(scratch, "\177ELF\2\1\1", 7);
	c->args[0] = pick_ptr(t, scratch, len, 64);
	c->args[1] = fz_one_in(&t->rng, 3) ? edge_int(t) : 64;
	uint8_t *args = scratch + 128;
	c->args[2] = pick_ptr(t, args, len - 128, 32);
	c->args[3] = fz_one_in(&t->rng, 3) ? edge_int(t) : make_args(args);
	iris_handle_t *hs = (iris_handle_t *)(scratch + 256);
	for (int i = 0; i < 4; i++)
		hs[i] = (iris_handle_t)pick_handle(t, 0);
	c->args[4] = pick_ptr(t, hs, len - 256, 16);
	c->args[5] = fz_one_in(&t->rng, 3) ? edge_int(t) : fz_below(&t->rng, 5);
}

static void gen_ring_enter(struct fz_thread *t, struct fz_call *c, bool in_ring)
{
	c->args[0] = pick_handle(t, FZ_RING);
	c->args[1] = fz_one_in(&t->rng, 3) ? edge_int(t) : fz_below(&t->rng, 8);
	c->args[2] = fz_one_in(&t->rng, 3) ? edge_int(t) : fz_below(&t->rng, 4);
	static const uint64_t flags[] = { 0, IRIS_ENTER_GETEVENTS, IRIS_ENTER_SQ_WAKEUP, 3,
		                          4, 1ull << 32 | 1 };
	c->args[3] = flags[fz_below(&t->rng, sizeof(flags) / sizeof(flags[0]))];
	c->args[4] = edge_int(t);
	/* A synchronous wait must end: 1 to 3 ms (0 would mean no timeout). */
	if (!in_ring && (c->args[3] & IRIS_ENTER_GETEVENTS) && c->args[3] >> 32 == 0 &&
	    !(c->args[3] & ~3ull))
		c->args[4] = (1 + fz_below(&t->rng, 3)) * MS;
}

/* A time for SLEEP or TIMEOUT that a synchronous call may wait for: short, or refused. */
static uint64_t short_or_bad_ns(struct fz_thread *t)
{
	static const uint64_t values[] = { 0,         1, 1000, MS, 0x7fffffffffffffff, (uint64_t)-1,
		                           1ull << 63 };
	return values[fz_below(&t->rng, sizeof(values) / sizeof(values[0]))];
}

static void gen_poll(struct fz_thread *t, struct fz_call *c, bool in_ring)
{
	static const uint64_t events[] = {
		IRIS_POLL_IN | IRIS_POLL_HUP, IRIS_POLL_OUT, IRIS_POLL_IN, 0, 8, 1ull << 32 | 1
	};
	c->args[0] = pick_handle(t, 0);
	c->args[1] = events[fz_below(&t->rng, sizeof(events) / sizeof(events[0]))];
	c->args[2] = fz_one_in(&t->rng, 4) ? edge_int(t) : 0;
	if (in_ring) {
		if (fz_one_in(&t->rng, 3))
			c->args[2] = IRIS_POLL_MULTISHOT;
		return;
	}
	/*
	 * Synchronously only what ends soon (a thread or process this thread
	 * started, polled for IN or HUP); anything else gets an unknown flag and
	 * must be refused before it blocks.
	 */
	struct fz_handle *h = handle_of(t, (iris_handle_t)c->args[0]);
	bool soon = h && h->ours && (h->kind == FZ_THREAD || h->kind == FZ_PROCESS) &&
	            (c->args[1] & (IRIS_POLL_IN | IRIS_POLL_HUP));
	if (!soon)
		c->args[2] |= 2;
}

/*
 * Fills *c with a call and typed arguments. `in_ring`: it will be a ring
 * submission, where blocking calls may block (the ring's drain cancels
 * them) and the exits are refused. `scratch` (`len` bytes, at least 512) is
 * memory the kernel may write for this call.
 */
static void generate(struct fz_thread *t, struct fz_call *c, bool in_ring, uint8_t *scratch,
                     size_t len)
{
	memset(c, 0, sizeof(*c));
	uint32_t nr = (uint32_t)fz_below(&t->rng, SYS_COUNT + 2);
	if (nr >= SYS_COUNT) {
		static const uint32_t unknown[] = { SYS_COUNT, SYS_COUNT + 1, 1000, 0x7fffffff,
			                            0xffffffff };
		nr = unknown[fz_below(&t->rng, sizeof(unknown) / sizeof(unknown[0]))];
	}
	c->nr = nr;
	for (int i = 0; i < 6; i++)
		c->args[i] = fz_one_in(&t->rng, 4) ? edge_int(t) : 0;
	switch (nr) {
	case SYS_ECHO:
		c->args[0] = fz_next(&t->rng);
		break;
	case SYS_SPAWN_THREAD:
		c->args[0] = pick_bootstrap(t);
		c->args[1] = fz_next(&t->rng);
		c->args[2] = fz_next(&t->rng);
		c->args[3] = fz_one_in(&t->rng, 2) ? 0 : edge_int(t);
		break;
	case SYS_THREAD_EXIT:
	case SYS_PROCESS_EXIT:
		if (!in_ring)
			c->nr = SYS_NOP; /* would end the thread or the worker */
		break;
	case SYS_PROCESS_SPAWN:
		gen_spawn(t, c, scratch, len);
		break;
	case SYS_WAIT:
		c->args[0] = fz_one_in(&t->rng, 2) ? pick_own_task(t) : pick_handle(t, 0);
		c->args[1] = fz_one_in(&t->rng, 3)
		                     ? 0
		                     : pick_ptr(t, scratch, len, sizeof(struct iris_exit_info));
		c->args[2] = fz_one_in(&t->rng, 4) ? edge_int(t) : IRIS_WAIT_NOHANG;
		if (!in_ring && c->args[2] == 0) {
			struct fz_handle *h = handle_of(t, (iris_handle_t)c->args[0]);
			if (h && !h->ours &&
			    (h->kind == FZ_PROCESS || h->kind == FZ_THREAD || h->kind == FZ_OTHER))
				c->args[2] = IRIS_WAIT_NOHANG;
		}
		break;
	case SYS_KILL:
		c->args[0] = pick_own_task(t);
		break;
	case SYS_CLOCK_GET:
	case SYS_STAT:
		c->args[0] = fz_one_in(&t->rng, 2) ? fz_below(&t->rng, 10) : edge_int(t);
		break;
	case SYS_SLEEP:
		c->args[0] = in_ring && fz_one_in(&t->rng, 2) ? edge_int(t) : short_or_bad_ns(t);
		break;
	case SYS_MAP: {
		uint64_t roll = fz_below(&t->rng, 4);
		c->args[0] = roll == 0   ? fz_below(&t->rng, 1ull << 35) * PAGE
		             : roll == 1 ? edge_int(t)
		                         : 0;
		static const uint64_t lens[] = { PAGE, 2 * PAGE, 16 * PAGE, 1 << 20,
			                         0,    1,        1ull << 47 };
		c->args[1] = lens[fz_below(&t->rng, sizeof(lens) / sizeof(lens[0]))];
		c->args[2] = pick_prot(t);
		c->args[3] = fz_one_in(&t->rng, 4) ? edge_int(t) : fz_below(&t->rng, 2);
		c->args[4] = fz_one_in(&t->rng, 2) ? (uint64_t)-1 : pick_handle(t, FZ_VMO);
		c->args[5] = fz_one_in(&t->rng, 3) ? edge_int(t) : 0;
		break;
	}
	case SYS_UNMAP:
	case SYS_PROTECT:
		pick_own_range(t, &c->args[0], &c->args[1], nr == SYS_UNMAP);
		c->args[2] = pick_prot(t);
		break;
	case SYS_DEBUG_WRITE:
		/* A valid buffer only with length 0: the serial log stays readable. */
		c->args[0] = pick_ptr(t, NULL, 0, 16);
		c->args[1] = c->args[0] >= 0x10000 && c->args[0] < USER_END ? 0 : edge_int(t);
		c->args[2] = fz_one_in(&t->rng, 4) ? edge_int(t) : 0; /* the level */
		break;
	case SYS_HANDLE_CLOSE:
	case SYS_VMO_SIZE:
	case SYS_CHANNEL_RECV_HANDLE:
		c->args[0] = pick_handle(t, nr == SYS_VMO_SIZE ? FZ_VMO : 0);
		break;
	case SYS_HANDLE_DUPLICATE:
		c->args[0] = pick_handle(t, 0);
		c->args[1] = pick_rights(t);
		break;
	case SYS_VMO_CREATE: {
		static const uint64_t sizes[] = {
			0, 1, PAGE, 3 * PAGE, 1 << 20, 4ull << 30, (4ull << 30) + 1, (uint64_t)-1
		};
		c->args[0] = sizes[fz_below(&t->rng, sizeof(sizes) / sizeof(sizes[0]))];
		break;
	}
	case SYS_RING_SETUP:
		c->args[0] = fz_one_in(&t->rng, 3) ? edge_int(t) : 1 + fz_below(&t->rng, 16);
		c->args[1] = fz_one_in(&t->rng, 3) ? edge_int(t) : 0;
		c->args[2] = fz_one_in(&t->rng, 5) ? edge_int(t) : fz_below(&t->rng, 4) == 0;
		c->args[3] = pick_ptr(t, scratch, len, sizeof(struct iris_ring_params));
		break;
	case SYS_RING_ENTER:
		gen_ring_enter(t, c, in_ring);
		break;
	case SYS_TIMEOUT:
	case SYS_LINK_TIMEOUT:
		c->args[0] = in_ring ? edge_int(t) : short_or_bad_ns(t);
		c->args[1] = fz_one_in(&t->rng, 4) ? edge_int(t) : 0;
		if (!in_ring && c->args[1] == IRIS_TIMEOUT_ABS)
			c->args[1] = 0; /* an absolute edge value could lie far in the future */
		break;
	case SYS_CANCEL:
		c->args[0] = fz_next(&t->rng);
		break;
	case SYS_POLL:
		gen_poll(t, c, in_ring);
		break;
	case SYS_CHANNEL_CREATE:
		c->args[0] = fz_one_in(&t->rng, 3) ? edge_int(t) : fz_below(&t->rng, 9);
		c->args[1] = pick_ptr(t, scratch, len, sizeof(struct iris_channel_info));
		break;
	case SYS_CHANNEL_INFO:
	case SYS_DEVICE_INFO:
		c->args[0] = pick_handle(t, nr == SYS_CHANNEL_INFO ? FZ_CHANNEL : 0);
		c->args[1] = pick_ptr(t, scratch, len, sizeof(struct iris_device_info));
		break;
	case SYS_CHANNEL_NOTIFY:
		c->args[0] = pick_handle(t, FZ_CHANNEL);
		c->args[1] = fz_one_in(&t->rng, 3) ? edge_int(t) : 1 + fz_below(&t->rng, 3);
		break;
	case SYS_CHANNEL_SEND_HANDLE:
		c->args[0] = pick_handle(t, FZ_CHANNEL);
		/* Endpoints over endpoints, often: the cycles that must still be freed. */
		c->args[1] = pick_handle(t, fz_one_in(&t->rng, 2) ? FZ_CHANNEL : 0);
		c->args[2] = pick_rights(t);
		break;
	case SYS_DEVICE_OPEN:
	case SYS_DEVICE_BAR:
	case SYS_DEVICE_CONFIG_READ:
	case SYS_DEVICE_CONFIG_WRITE:
	case SYS_DEVICE_BUSMASTER:
	case SYS_DMA_CREATE:
	case SYS_IRQ_BIND:
	case SYS_IRQ_CONTROL:
		/* Workers hold no bus or device: these must fail cleanly on any handle. */
		c->args[0] = pick_handle(t, 0);
		c->args[1] = edge_int(t);
		c->args[2] = nr == SYS_DEVICE_OPEN
		                     ? pick_ptr(t, scratch, len, sizeof(struct iris_device_info))
		                     : edge_int(t);
		c->args[3] = nr == SYS_DMA_CREATE ? pick_ptr(t, scratch, len, 8) : edge_int(t);
		if (nr == SYS_IRQ_BIND)
			c->args[1] = pick_ptr(t, scratch, len, sizeof(struct iris_irq_bind));
		break;
	case SYS_DMA_PIN:
		/* Workers hold no device: refused whatever the memory object and range. */
		c->args[0] = pick_handle(t, 0);
		c->args[1] = pick_handle(t, FZ_VMO);
		c->args[2] = fz_one_in(&t->rng, 2) ? fz_below(&t->rng, 3) * 4096 : edge_int(t);
		c->args[3] = fz_one_in(&t->rng, 2) ? 1 + fz_below(&t->rng, 16384) : edge_int(t);
		c->args[4] = fz_one_in(&t->rng, 2) ? 1 + fz_below(&t->rng, 3) : edge_int(t);
		c->args[5] = pick_ptr(t, scratch, len, 8);
		break;
	case SYS_PROCESS_LIST: {
		uint64_t room;
		c->args[0] = pick_ptr(t, scratch, len, sizeof(struct iris_process_info));
		/* At most as many entries as fit where it points: the kernel fills them all. */
		size_t bytes = ptr_room(t, c->args[0], scratch, len);
		room = bytes / sizeof(struct iris_process_info);
		c->args[1] = bytes ? fz_below(&t->rng, room + 1) : edge_int(t);
		c->args[2] = fz_one_in(&t->rng, 2) ? 0 : edge_int(t);
		break;
	}
	case SYS_PROCESS_OPEN:
		c->args[0] = fz_one_in(&t->rng, 2)
		                     ? (uint64_t)sys_process_self() + fz_below(&t->rng, 3)
		                     : edge_int(t);
		break;
	case SYS_LOG_READ: {
		/* Never IRIS_LOG_CLAIM: a claim would keep the log off the serial port. */
		static const uint64_t flags[] = { 0, IRIS_LOG_SHOWN, IRIS_LOG_RELEASE, 1u << 3,
			                          (uint64_t)-1 };
		c->args[0] = pick_ptr(t, scratch, len, 1);
		/* At most what fits where it points: the kernel fills what it is given. */
		size_t room = ptr_room(t, c->args[0], scratch, len);
		c->args[1] = room ? fz_below(&t->rng, room + 1) : edge_int(t);
		c->args[2] = pick_ptr(t, scratch, len, 8);
		c->args[3] = flags[fz_below(&t->rng, sizeof(flags) / sizeof(flags[0]))];
		break;
	}
	case SYS_POWER: {
		static const uint64_t ops[] = { 0, 3, 0xff, 0xffffffff, (uint64_t)-1 };
		c->args[0] = ops[fz_below(&t->rng, sizeof(ops) / sizeof(ops[0]))];
		break;
	}
	default:
		break;
	}
	c->out = scratch;
}

void calls_generate(struct fz_thread *t, struct fz_call *c, bool in_ring, void *scratch)
{
	t->in_ring = in_ring;
	generate(t, c, in_ring, scratch, 512);
	t->in_ring = false;
}

long calls_make(struct fz_thread *t, const struct fz_call *c)
{
	fz_add(&t->fig->calls, 1);
	/* Every fourth call through the legacy gate, and unknown numbers at full width. */
	long nr = c->nr == 0xffffffff ? -1 : (long)c->nr;
	if (fz_one_in(&t->rng, 4))
		return iris_syscall6_int80(nr, (long)c->args[0], (long)c->args[1], (long)c->args[2],
		                           (long)c->args[3], (long)c->args[4], (long)c->args[5]);
	return iris_syscall6(nr, (long)c->args[0], (long)c->args[1], (long)c->args[2],
	                     (long)c->args[3], (long)c->args[4], (long)c->args[5]);
}

/*
 * Learns from a call that has completed with `result`: new handles and
 * mappings join the pools, moved or closed handles leave them.
 */
void calls_harvest(struct fz_thread *t, const struct fz_call *c, long result)
{
	if (result < 0)
		return;
	switch (c->nr) {
	case SYS_SPAWN_THREAD:
		fz_handle_add(t, (iris_handle_t)result, FZ_THREAD, true);
		break;
	case SYS_PROCESS_SPAWN:
		fz_handle_add(t, (iris_handle_t)result, FZ_PROCESS, true);
		break;
	case SYS_PROCESS_OPEN:
		fz_handle_add(t, (iris_handle_t)result, FZ_PROCESS, false);
		break;
	case SYS_MAP:
		region_add(t, (uintptr_t)result, c->args[1]);
		break;
	case SYS_HANDLE_CLOSE:
	case SYS_CHANNEL_SEND_HANDLE:
		fz_handle_forget(t, (iris_handle_t)c->args[c->nr == SYS_HANDLE_CLOSE ? 0 : 1]);
		break;
	case SYS_HANDLE_DUPLICATE: {
		struct fz_handle *h = handle_of(t, (iris_handle_t)c->args[0]);
		fz_handle_add(t, (iris_handle_t)result, h ? h->kind : FZ_OTHER, false);
		break;
	}
	case SYS_CHANNEL_RECV_HANDLE:
		fz_handle_add(t, (iris_handle_t)result, FZ_OTHER, false);
		break;
	case SYS_VMO_CREATE:
		fz_handle_add(t, (iris_handle_t)result, FZ_VMO, false);
		break;
	case SYS_RING_SETUP:
		fz_handle_add(t, (iris_handle_t)result, FZ_RING, false);
		if (c->out && c->args[3] == (uint64_t)c->out)
			fz_handle_add(t, ((struct iris_ring_params *)c->out)->vmo, FZ_VMO, false);
		break;
	case SYS_CHANNEL_CREATE:
		fz_handle_add(t, (iris_handle_t)result, FZ_CHANNEL, false);
		if (c->out && c->args[1] == (uint64_t)c->out)
			fz_handle_add(t, ((struct iris_channel_info *)c->out)->peer, FZ_CHANNEL,
			              false);
		break;
	default:
		break;
	}
}

void calls_init(struct fz_thread *t)
{
	/* A first region and a first memory object, so the pools are never empty for long. */
	long vmo = sys_vmo_create(4 * PAGE);
	fz_handle_add(t, (iris_handle_t)vmo, FZ_VMO, false);
	long a = sys_map(NULL, 4 * PAGE, IRIS_PROT_READ | IRIS_PROT_WRITE, 0, IRIS_HANDLE_INVALID,
	                 0);
	if (a > 0)
		region_add(t, (uintptr_t)a, 4 * PAGE);
}

/* Ends what this thread started and closes what it holds; its regions are left to the exit. */
void calls_release_all(struct fz_thread *t)
{
	for (int i = 0; i < t->nhandles; i++) {
		struct fz_handle *h = &t->handles[i];
		if (h->ours && (h->kind == FZ_THREAD || h->kind == FZ_PROCESS)) {
			sys_kill(h->h);
			sys_wait(h->h, NULL, 0);
		}
		if (h->kind == FZ_RING)
			rings_ring_closed(t, h->h);
		sys_handle_close(h->h);
	}
	t->nhandles = 0;
}
