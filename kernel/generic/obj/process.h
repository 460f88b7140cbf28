/*
 * Processes: an address space, a handle table and threads. A process ends
 * when its last thread ends; its exit information stays readable through
 * handles to it (SYS_WAIT) until the last handle is closed.
 */
#pragma once

#include <common/list.h>
#include <iris/abi/syscall.h>
#include <mm/vm.h>
#include <obj/handle.h>
#include <obj/object.h>
#include <obj/waitable.h>
#include <sched/waitq.h>
#include <stdbool.h>
#include <stdint.h>

struct thread;
struct ioperm;

struct process {
	struct kobject obj;
	uint64_t pid;
	uint64_t parent; /* pid of the process that spawned it; 0: the kernel did (init) */
	char name[32];
	uint64_t start_ns; /* time_ns() when it was asked for: the spawn call's entry */
	struct vm_space vm;
	struct handle_table handles;

	spinlock_t lock; /* threads, state, exit */
	struct list_head threads;
	unsigned threads_alive;
	unsigned workers; /* kernel threads running its calls (SQPOLL): its end waits for them */
	bool exiting;
	bool ended; /* its handles and address space are given back */
	struct iris_exit_info exit;
	struct waitable exited;    /* IN|HUP once the process has ended and let go of everything */
	struct list_head rings;    /* its rings (struct ring.owner_link) */
	struct list_head all_link; /* every live process */
	struct ioperm *ioperm;     /* I/O ports it may use, or NULL (arch/cpu.h) */
	uint64_t pinned_pages;     /* pages its pins hold for DMA (obj/pin.c; atomic) */
};

/*
 * Fills out[0..max) with the live processes whose pid is >= first, in pid
 * order; returns how many.
 */
size_t process_list(struct iris_process_info *out, size_t max, uint64_t first);

/*
 * The live process `pid` (a reference) if it descends from the process
 * `ancestor` or `ancestor2` (pids; 0 matches nothing); NULL otherwise.
 */
struct process *process_find_descendant(uint64_t pid, uint64_t ancestor, uint64_t ancestor2);

static inline struct process *process_from(struct kobject *o)
{
	return (struct process *)o;
}

/*
 * Creates a process for the ELF executable `image` (kernel memory, len bytes)
 * with `args` (struct iris_spawn_args + strings, args_len bytes, validated by
 * the caller) and the given initial handles (objects with rights, references
 * taken). Nothing runs until process_start(). On success returns 0 and *out
 * holds one reference for the caller; -ENOEXEC with a reason in err[errlen]
 * for a bad image, -ENOMEM, -E2BIG.
 */
int process_spawn(const char *name, const void *image, size_t len, const void *args,
                  size_t args_len, struct kobject *const *handles, const uint32_t *rights,
                  size_t nhandles, struct process **out, char *err, size_t errlen);

/* Lets a process made by process_spawn() run (its first thread is queued). */
void process_start(struct process *p);

/*
 * Ends `p` with `info` (the first reason given wins): every thread is told to
 * leave. Safe to call from any thread, for any process.
 */
void process_exit(struct process *p, const struct iris_exit_info *info);

/*
 * A kernel thread starts running calls on behalf of `p` (an SQPOLL ring's
 * polling thread): p's handles and address space stay until it calls
 * process_worker_done(). Returns 0, or -ESRCH if p's last thread has ended.
 */
int process_worker_add(struct process *p);
void process_worker_done(struct process *p);

/* The calling thread's process (NULL for kernel threads). */
struct process *process_current(void);

/*
 * Counts `t` (a new thread of p, not started yet) among p's threads.
 * Returns 0, -ESRCH (p is ending) or -EAGAIN (IRIS_THREADS_MAX alive).
 */
int process_thread_add(struct process *p, struct thread *t);

uint64_t process_count_alive(void);

/* Called by the thread code when one of p's threads has died. */
void process_thread_died(struct process *p, struct thread *t);

/*
 * A CPU exception in user mode: ends the current process with a FAULT
 * reason (vector, address, instruction pointer) and logs it. Never returns.
 */
__attribute__((noreturn)) void process_fault(uint64_t vector, uint64_t addr, uint64_t rip);
