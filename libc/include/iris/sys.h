/*
 * The Iris system calls, one inline function each (the numbers, flags and
 * structures come from iris/abi/syscall.h, shared with the kernel).
 *
 * Every wrapper returns what the kernel returns: a result >= 0, or a negative
 * errno (iris/abi/errno.h) on failure. They do not touch `errno`; the POSIX-style
 * functions of libc do that.
 */
#pragma once

#include <iris/abi/channel.h>
#include <iris/abi/device.h>
#include <iris/abi/handle.h>
#include <iris/abi/irq.h>
#include <iris/abi/ring.h>
#include <iris/abi/syscall.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The `syscall` gate: rax = number, rdi, rsi, rdx, r10, r8, r9 = arguments,
 * rax = result. The CPU clobbers rcx and r11; the kernel preserves the rest.
 */
static inline long iris_syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;
	__asm__ volatile("syscall"
	                 : "=a"(ret)
	                 : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
	                 : "rcx", "r11", "memory");
	return ret;
}

/* The legacy `int $0x80` gate: the same convention, every register but rax preserved. */
static inline long iris_syscall6_int80(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;
	__asm__ volatile("int $0x80"
	                 : "=a"(ret)
	                 : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
	                 : "memory");
	return ret;
}

/* What a new thread runs (see sys_spawn_thread). */
typedef int (*iris_thread_fn)(void *arg);
typedef void (*iris_thread_bootstrap_fn)(iris_thread_fn fn, void *arg);

/*
 * libc's thread bootstrap: calls fn(arg), then sys_thread_exit() with its
 * result. Pass it to sys_spawn_thread unless you bring your own.
 */
_Noreturn void iris_thread_bootstrap(iris_thread_fn fn, void *arg);

static inline long sys_echo(long value)
{
	return iris_syscall6(SYS_ECHO, value, 0, 0, 0, 0, 0);
}

static inline long sys_yield(void)
{
	return iris_syscall6(SYS_YIELD, 0, 0, 0, 0, 0, 0);
}

/*
 * Starts a thread in this process. The kernel allocates a stack of
 * `stack_size` bytes (with a guard page below it) and enters
 * bootstrap(fn, arg) with rsp 16-byte aligned minus 8, as after a call.
 * `bootstrap` must never return: it ends with sys_thread_exit().
 * Returns a handle to the thread (for sys_wait, sys_kill) or -errno.
 */
static inline long sys_spawn_thread(iris_thread_bootstrap_fn bootstrap, iris_thread_fn fn,
                                    void *arg, size_t stack_size)
{
	return iris_syscall6(SYS_SPAWN_THREAD, (long)bootstrap, (long)fn, (long)arg,
	                     (long)stack_size, 0, 0);
}

/* Ends the calling thread with `code` (reported by sys_wait). */
_Noreturn static inline void sys_thread_exit(int code)
{
	iris_syscall6(SYS_THREAD_EXIT, code, 0, 0, 0, 0, 0);
	__builtin_trap(); /* the kernel never returns here */
}

/*
 * Starts a process from the ELF image in memory. `args` is a
 * struct iris_spawn_args followed by the packed strings (args_len bytes in
 * all); `handles` are passed to the child, which finds them on its initial
 * stack. Returns a process handle or -errno.
 */
static inline long sys_process_spawn(const void *image, size_t image_len, const void *args,
                                     size_t args_len, const iris_handle_t *handles, size_t nhandles)
{
	return iris_syscall6(SYS_PROCESS_SPAWN, (long)image, (long)image_len, (long)args,
	                     (long)args_len, (long)handles, (long)nhandles);
}

/* Ends the whole process (every thread) with `code`. */
_Noreturn static inline void sys_process_exit(int code)
{
	iris_syscall6(SYS_PROCESS_EXIT, code, 0, 0, 0, 0, 0);
	__builtin_trap(); /* the kernel never returns here */
}

/* Waits for a process or thread to end (IRIS_WAIT_NOHANG: -EAGAIN if it has not). */
static inline long sys_wait(iris_handle_t handle, struct iris_exit_info *info, unsigned flags)
{
	return iris_syscall6(SYS_WAIT, handle, (long)info, flags, 0, 0, 0);
}

static inline long sys_kill(iris_handle_t handle)
{
	return iris_syscall6(SYS_KILL, handle, 0, 0, 0, 0, 0);
}

/* Returns the time of `clock` (IRIS_CLOCK_*) in nanoseconds, or -errno. */
static inline long sys_clock_get(unsigned clock)
{
	return iris_syscall6(SYS_CLOCK_GET, clock, 0, 0, 0, 0, 0);
}

static inline long sys_sleep(uint64_t nanoseconds)
{
	return iris_syscall6(SYS_SLEEP, (long)nanoseconds, 0, 0, 0, 0, 0);
}

/*
 * Maps `len` bytes with `prot` (IRIS_PROT_*): the memory object `vmo` from
 * `offset`, or fresh zero-filled anonymous memory when vmo is
 * IRIS_HANDLE_INVALID (-1). `addr` is a hint (0: anywhere) unless flags has
 * IRIS_MAP_FIXED. Returns the address or -errno.
 */
static inline long sys_map(void *addr, size_t len, unsigned prot, unsigned flags, iris_handle_t vmo,
                           uint64_t offset)
{
	return iris_syscall6(SYS_MAP, (long)addr, (long)len, prot, flags, vmo, (long)offset);
}

static inline long sys_unmap(void *addr, size_t len)
{
	return iris_syscall6(SYS_UNMAP, (long)addr, (long)len, 0, 0, 0, 0);
}

static inline long sys_protect(void *addr, size_t len, unsigned prot)
{
	return iris_syscall6(SYS_PROTECT, (long)addr, (long)len, prot, 0, 0, 0);
}

/*
 * Writes to the kernel log at `level` (IRIS_LOG_*); returns the bytes written
 * or -errno (-EINVAL: no such level).
 */
static inline long sys_debug_write_level(const void *buf, size_t len, unsigned level)
{
	return iris_syscall6(SYS_DEBUG_WRITE, (long)buf, (long)len, level, 0, 0, 0);
}

/* Writes to the kernel log, shown whatever its level (IRIS_LOG_ALWAYS). */
static inline long sys_debug_write(const void *buf, size_t len)
{
	return sys_debug_write_level(buf, len, IRIS_LOG_ALWAYS);
}

static inline long sys_handle_close(iris_handle_t handle)
{
	return iris_syscall6(SYS_HANDLE_CLOSE, handle, 0, 0, 0, 0, 0);
}

/* Returns a new handle to the same object with `rights` (or IRIS_RIGHTS_SAME), or -errno. */
static inline long sys_handle_duplicate(iris_handle_t handle, uint32_t rights)
{
	return iris_syscall6(SYS_HANDLE_DUPLICATE, handle, rights, 0, 0, 0, 0);
}

static inline long sys_vmo_create(size_t size)
{
	return iris_syscall6(SYS_VMO_CREATE, (long)size, 0, 0, 0, 0, 0);
}

/* The size in bytes of a memory object (needs the READ right). */
static inline long sys_vmo_size(iris_handle_t vmo)
{
	return iris_syscall6(SYS_VMO_SIZE, vmo, 0, 0, 0, 0, 0);
}

/* Returns the counter `what` (IRIS_STAT_*) or -errno. */
static inline long sys_stat(unsigned what)
{
	return iris_syscall6(SYS_STAT, what, 0, 0, 0, 0, 0);
}

static inline long sys_thread_self(void)
{
	return iris_syscall6(SYS_THREAD_SELF, 0, 0, 0, 0, 0, 0);
}

static inline long sys_process_self(void)
{
	return iris_syscall6(SYS_PROCESS_SELF, 0, 0, 0, 0, 0, 0);
}

/*
 * Creates a submission/completion ring (docs/rings.md) of `sq_entries` and
 * `cq_entries` (0: twice sq_entries) entries, rounded up to powers of two,
 * with `flags` (IRIS_RING_SQPOLL). Fills *params (map params->vmo read-write,
 * params->size bytes) and returns the ring handle, or -errno.
 */
static inline long sys_ring_setup(uint32_t sq_entries, uint32_t cq_entries, unsigned flags,
                                  struct iris_ring_params *params)
{
	return iris_syscall6(SYS_RING_SETUP, sq_entries, cq_entries, flags, (long)params, 0, 0);
}

/*
 * Lets the kernel take up to `to_submit` published submissions; with
 * IRIS_ENTER_GETEVENTS in `flags`, then waits until `min_complete`
 * completions are in the CQ or `timeout_ns` (relative; 0: none) has passed.
 * IRIS_ENTER_SQ_WAKEUP wakes an SQPOLL ring's polling thread. Returns the
 * number of submissions taken, or -errno.
 */
static inline long sys_ring_enter(iris_handle_t ring, uint32_t to_submit, uint32_t min_complete,
                                  unsigned flags, uint64_t timeout_ns)
{
	return iris_syscall6(SYS_RING_ENTER, ring, to_submit, min_complete, flags, (long)timeout_ns,
	                     0);
}

/* Does nothing: 0. Measures the cost of a submission in a ring. */
static inline long sys_nop(void)
{
	return iris_syscall6(SYS_NOP, 0, 0, 0, 0, 0, 0);
}

/*
 * Waits until `ns` from now (or the monotonic time `ns` with
 * IRIS_TIMEOUT_ABS in `flags`), then returns -ETIMEDOUT.
 */
static inline long sys_timeout(uint64_t ns, unsigned flags)
{
	return iris_syscall6(SYS_TIMEOUT, (long)ns, flags, 0, 0, 0, 0);
}

/*
 * Waits until one of `events` (IRIS_POLL_*) is ready on `handle` and returns
 * the ready ones, or -errno. IRIS_POLL_MULTISHOT in `flags` is for rings only.
 */
static inline long sys_poll(iris_handle_t handle, unsigned events, unsigned flags)
{
	return iris_syscall6(SYS_POLL, handle, events, flags, 0, 0, 0);
}

/*
 * Creates a channel (iris/abi/channel.h; iris/chan.h is the library over it) of
 * `slots` message slots per direction (0: IRIS_CHANNEL_SLOTS_DEFAULT),
 * rounded up to a power of two, at most IRIS_CHANNEL_SLOTS_MAX. Fills *info
 * (info->peer: the side-1 endpoint) and returns the side-0 endpoint handle,
 * or -errno. Either endpoint maps the channel memory (sys_map with it,
 * info->size bytes).
 */
static inline long sys_channel_create(uint32_t slots, struct iris_channel_info *info)
{
	return iris_syscall6(SYS_CHANNEL_CREATE, slots, (long)info, 0, 0, 0, 0);
}

/* Describes an endpoint's channel (info->peer is -1): 0 or -errno. */
static inline long sys_channel_info(iris_handle_t endpoint, struct iris_channel_info *info)
{
	return iris_syscall6(SYS_CHANNEL_INFO, endpoint, (long)info, 0, 0, 0, 0);
}

/*
 * Tells the peer of `endpoint` that there is data (IRIS_POLL_IN) or space
 * (IRIS_POLL_OUT) in the queues, waking it if it waits. Only needed when the
 * peer's consumer_sleeping or producer_waiting flag is set. 0 or -errno.
 */
static inline long sys_channel_notify(iris_handle_t endpoint, unsigned events)
{
	return iris_syscall6(SYS_CHANNEL_NOTIFY, endpoint, events, 0, 0, 0, 0);
}

/*
 * Moves `handle` (it needs TRANSFER) into the kernel's FIFO toward the peer
 * with `rights` (a subset of its own, or IRIS_RIGHTS_SAME); it is closed here.
 * Send the handles first, then the message that counts them. 0 or -errno:
 * ENOSPC (IRIS_CHANNEL_HANDLES_MAX in flight), EPIPE (the peer is closed).
 */
static inline long sys_channel_send_handle(iris_handle_t endpoint, iris_handle_t handle,
                                           uint32_t rights)
{
	return iris_syscall6(SYS_CHANNEL_SEND_HANDLE, endpoint, handle, rights, 0, 0, 0);
}

/* Takes the oldest handle the peer sent: a new handle, or -EAGAIN if none (or -errno). */
static inline long sys_channel_recv_handle(iris_handle_t endpoint)
{
	return iris_syscall6(SYS_CHANNEL_RECV_HANDLE, endpoint, 0, 0, 0, 0, 0);
}

/*
 * Devices (iris/abi/device.h, docs/devices.md). Opens PCI function `index` of
 * the bus: a device handle with every right, and its description in `info`
 * (may be NULL). With IRIS_DEVICE_INFO_ONLY only describes it (returns 0).
 * -ENOENT past the last function, -EBUSY while another handle has it open,
 * -EPERM for a bridge (class 0x06 or a bridge header: only INFO_ONLY works).
 */
static inline long sys_device_open(iris_handle_t bus, uint32_t index, struct iris_device_info *info,
                                   unsigned flags)
{
	return iris_syscall6(SYS_DEVICE_OPEN, bus, index, (long)info, flags, 0, 0);
}

static inline long sys_device_info(iris_handle_t device, struct iris_device_info *info)
{
	return iris_syscall6(SYS_DEVICE_INFO, device, (long)info, 0, 0, 0, 0);
}

/*
 * A memory BAR: a memory object to SYS_MAP (uncached). An I/O port BAR:
 * opens its ports to this process (in/out from ring 3) and returns 0.
 */
static inline long sys_device_bar(iris_handle_t device, unsigned bar)
{
	return iris_syscall6(SYS_DEVICE_BAR, device, bar, 0, 0, 0, 0);
}

/* Reads `width` (1, 2, 4) bytes of configuration space at `offset` (aligned). */
static inline long sys_device_config_read(iris_handle_t device, unsigned offset, unsigned width)
{
	return iris_syscall6(SYS_DEVICE_CONFIG_READ, device, offset, width, 0, 0, 0);
}

/* Writes configuration space; -EPERM for the BARs, the MSI/MSI-X capabilities and other fields the
 * kernel owns. */
static inline long sys_device_config_write(iris_handle_t device, unsigned offset, unsigned width,
                                           uint32_t value)
{
	return iris_syscall6(SYS_DEVICE_CONFIG_WRITE, device, offset, width, value, 0, 0);
}

static inline long sys_device_busmaster(iris_handle_t device, int on)
{
	return iris_syscall6(SYS_DEVICE_BUSMASTER, device, on, 0, 0, 0, 0);
}

/*
 * Physically contiguous, pinned memory for the device's DMA: a memory
 * object handle; its physical (bus) address in *phys.
 */
static inline long sys_dma_create(iris_handle_t device, size_t size, unsigned flags, uint64_t *phys)
{
	return iris_syscall6(SYS_DMA_CREATE, device, (long)size, flags, (long)phys, 0, 0);
}

/*
 * Pins the pages [offset, offset + len) of memory object `vmo` touches for
 * the device's DMA (IRIS_PIN_DEVICE_WRITES and/or _READS) and writes each
 * page's bus address to addrs[] (room for every page the range spans): a
 * pin handle; closing it unpins (docs/devices.md).
 */
static inline long sys_dma_pin(iris_handle_t device, iris_handle_t vmo, uint64_t offset,
                               uint64_t len, unsigned flags, uint64_t *addrs)
{
	return iris_syscall6(SYS_DMA_PIN, device, vmo, (long)offset, (long)len, flags, (long)addrs);
}

/*
 * Binds the device's interrupt with an IRQ-ack program (iris/abi/irq.h): an IRQ
 * handle to SYS_MAP (its event queue, one page) and to poll for IRIS_POLL_IN.
 * A refused program: -EINVAL with bind->error and bind->error_at set.
 */
static inline long sys_irq_bind(iris_handle_t device, struct iris_irq_bind *bind)
{
	return iris_syscall6(SYS_IRQ_BIND, device, (long)bind, 0, 0, 0, 0);
}

static inline long sys_irq_control(iris_handle_t irq, unsigned op)
{
	return iris_syscall6(SYS_IRQ_CONTROL, irq, op, 0, 0, 0, 0);
}

/*
 * Fills info[0..max) with the live processes whose pid is >= first, in pid
 * order (at most 64 per call); returns how many.
 */
static inline long sys_process_list(struct iris_process_info *info, size_t max, uint64_t first)
{
	return iris_syscall6(SYS_PROCESS_LIST, (long)info, (long)max, (long)first, 0, 0, 0);
}

/*
 * A handle (IRIS_DEFAULT_RIGHTS_PROCESS) to process `pid`, which must descend
 * from the caller or from the caller's parent (a shell's other children); -ESRCH.
 */
static inline long sys_process_open(uint64_t pid)
{
	return iris_syscall6(SYS_PROCESS_OPEN, (long)pid, 0, 0, 0, 0, 0);
}

/*
 * Reads the kernel log from *pos (IRIS_LOG_* flags, iris/abi/syscall.h); returns
 * the bytes read and leaves *pos after them, or -errno.
 */
static inline long sys_log_read(void *buf, size_t len, uint64_t *pos, unsigned flags)
{
	return iris_syscall6(SYS_LOG_READ, (long)buf, (long)len, (long)pos, flags, 0, 0);
}

/* IRIS_POWER_OFF or IRIS_POWER_REBOOT: does not return (-EINVAL for anything else). */
static inline long sys_power(unsigned op)
{
	return iris_syscall6(SYS_POWER, op, 0, 0, 0, 0, 0);
}

/*
 * SYS_CANCEL and SYS_LINK_TIMEOUT act on other entries of a ring, so they
 * only make sense as submissions (iris/ringbuf.h); they have no wrapper here.
 * Every other call of iris/abi/syscalls.def has one: this fails to compile
 * when a call the gate takes (gate 1) has no sys_ function above.
 */
#define IRIS_SYS_WRAPPER_1(name) (void)sys_##name;
#define IRIS_SYS_WRAPPER_0(name)
static inline void iris_sys_wrappers_exist(void)
{
#define SYSCALL(nr, NAME, name, gate, ring, blocks, anywhere) IRIS_SYS_WRAPPER_##gate(name)
#include <iris/abi/syscalls.def>
#undef SYSCALL
}
#undef IRIS_SYS_WRAPPER_1
#undef IRIS_SYS_WRAPPER_0
