/*
 * Threads: a kernel stack, saved registers and FPU state, a scheduling
 * state. User threads belong to a process and enter user mode from the trap
 * frame at the top of their kernel stack.
 */
#pragma once

#include <common/list.h>
#include <iris/abi/syscall.h>
#include <obj/object.h>
#include <obj/ring.h>
#include <obj/waitable.h>
#include <sched/waitq.h>
#include <stdbool.h>
#include <stdint.h>

struct process;
struct cpu;
struct trap_frame;

enum thread_state {
	THREAD_NEW,
	THREAD_RUNNABLE, /* on a run queue */
	THREAD_RUNNING,
	THREAD_BLOCKED, /* on a wait queue and/or the sleep list */
	THREAD_WAKING,  /* being woken: about to be queued */
	THREAD_DEAD,
};

#define KSTACK_PAGES 4

struct thread {
	struct kobject obj;
	uint64_t tid;
	char name[24];
	struct process *proc; /* NULL for kernel threads */
	volatile enum thread_state state;
	int priority;         /* 0 (highest) .. SCHED_PRIORITIES-1 */
	struct cpu *cpu;      /* where it runs or is queued */
	volatile bool on_cpu; /* its registers are still live on some CPU */
	bool pinned;          /* never migrated (idle threads) */

	uint64_t ksp; /* saved kernel stack pointer while switched out */
	void *kstack; /* KSTACK_PAGES pages below a guard page */
	uintptr_t kstack_top;
	void *fpu; /* FPU/SSE/AVX save area (64-byte aligned), NULL for kernel threads */
	void *fpu_alloc;

	struct list_head rq_link;   /* run queue */
	struct list_head wait_link; /* a wait queue */
	struct list_head proc_link; /* the process's threads */

	uint64_t deadline;           /* wake by this time_ns() (0: none) */
	struct list_head sleep_link; /* the sleep list while a deadline is set */
	int wake_reason;

	volatile bool kill_pending; /* leave at the next return to user mode */
	uintptr_t stale_addr;       /* the last page fault the page table already allowed ... */
	uint64_t stale_err;         /* ... its error code ... */
	unsigned stale_faults;      /* ... and how many times in a row (arch/x86_64/trap.c) */
	unsigned slice;             /* timer ticks left before preemption */
	uint64_t cpu_ns;            /* CPU time used */
	uint64_t run_start;

	struct iris_exit_info exit;
	struct waitable exited; /* IN|HUP once the thread has ended */
	struct ring sync_ring;  /* where its synchronous blocking calls complete */

	uintptr_t ustack_base; /* a stack SYS_SPAWN_THREAD mapped (guard page included) */
	size_t ustack_len;

	void (*kfn)(void *); /* kernel threads: what to run */
	void *karg;
};

static inline struct thread *thread_from(struct kobject *o)
{
	return (struct thread *)o;
}

/* Allocates stacks for the scheduler; returns NULL on out of memory. */
struct thread *thread_create_kernel(const char *name, void (*fn)(void *), void *arg);

/*
 * Creates a user thread of `proc` that enters user mode at `rip` with `rsp`
 * and rdi/rsi = arg0/arg1. Not started: call sched_start(). NULL if out of memory.
 */
struct thread *thread_create_user(struct process *proc, uintptr_t rip, uintptr_t rsp, uint64_t arg0,
                                  uint64_t arg1);

/* Drops a thread that was created but never started. */
void thread_discard(struct thread *t);

/* The running thread. */
struct thread *thread_current(void);

/* Ends the calling thread with `info`; never returns. */
__attribute__((noreturn)) void thread_exit(const struct iris_exit_info *info);

/* Asks `t` to end (it leaves at its next return to user mode, or when its wait ends). */
void thread_kill(struct thread *t);

/* Counts of live threads, for SYS_STAT. */
uint64_t thread_count_alive(void);

/* Called on the way back to user mode: acts on a pending kill or reschedule. */
void thread_user_return(struct trap_frame *tf);
