/*
 * The scheduler: per-CPU run queues with priorities, preemption of user
 * threads on the LAPIC timer, idle CPUs pulling work from busy ones, and
 * sleeping with a deadline.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct thread;
struct cpu;

#define SCHED_PRIORITIES   4
#define SCHED_PRIO_DEFAULT 1
#define SCHED_SLICE_TICKS  2 /* 20 ms at the 100 Hz tick */

/* Sets up this CPU's run queue and idle thread; the BSP calls it before any thread exists. */
void sched_init_cpu(void);

/* Makes `t` runnable, on the least loaded CPU unless it has one already. */
void sched_start(struct thread *t);

/* Makes a blocked thread runnable again (wait queues, the sleep list). */
void sched_wake(struct thread *t, int reason);

/* Gives the CPU to the next runnable thread; the caller stays runnable. */
void sched_yield(void);

/*
 * Switches away from the calling thread, which has already set its state
 * (BLOCKED or DEAD). Called with interrupts off; returns with them off.
 */
void sched_switch_away(void);

/* The timer tick on every CPU: time slices, wake-ups of sleepers. */
void sched_tick(void);

/* Turns the calling CPU into a scheduler CPU for good (the BSP after boot, each AP). */
__attribute__((noreturn)) void sched_run_idle(void);

/* Adds/removes `t` to/from the deadline list (with its lock held by the caller's waitq). */
void sched_sleep_arm(struct thread *t, uint64_t deadline);
void sched_sleep_disarm(struct thread *t);
