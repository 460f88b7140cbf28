/*
 * The system-call ABI, shared by the kernel and userspace (docs/syscalls.md).
 *
 * Entry: `syscall` (fast) or `int 0x80` (legacy), same convention:
 *   rax = number; rdi, rsi, rdx, r10, r8, r9 = up to six 64-bit arguments;
 *   rax = result, a negative errno (iris/abi/errno.h) on failure.
 * `syscall` clobbers rcx and r11 (the CPU uses them); `int 0x80` preserves
 * every register but rax. Every call validates all its arguments before it
 * changes any state: a failing call leaves everything as it was.
 */
#pragma once

#include <stdint.h>

/*
 * The numbers, SYS_ECHO to SYS_POWER, from the one table of the calls
 * (iris/abi/syscalls.def: each call's signature and where it may run).
 * SYS_COUNT is one past the last.
 */
enum {
#define SYSCALL(nr, NAME, name, gate, ring, blocks, anywhere) SYS_##NAME = nr,
#include <iris/abi/syscalls.def>
#undef SYSCALL
};
enum {
	SYS_COUNT = 0
#define SYSCALL(nr, NAME, name, gate, ring, blocks, anywhere) +1
#include <iris/abi/syscalls.def>
#undef SYSCALL
};

/* The two ways in. */
#define IRIS_INT_SYSCALL 0x80

/* Protection bits for SYS_MAP / SYS_PROTECT. */
#define IRIS_PROT_NONE  0
#define IRIS_PROT_READ  (1u << 0)
#define IRIS_PROT_WRITE (1u << 1)
#define IRIS_PROT_EXEC  (1u << 2)

/* Flags for SYS_MAP. Without IRIS_MAP_FIXED `addr` is only a hint (0: anywhere). */
#define IRIS_MAP_FIXED (1u << 0)

/* Clocks for SYS_CLOCK_GET. */
#define IRIS_CLOCK_MONOTONIC 0 /* since boot */

/* Flags for SYS_WAIT. */
#define IRIS_WAIT_NOHANG (1u << 0) /* -EAGAIN instead of blocking if still running */

/* Counters for SYS_STAT (for tests and tools such as `mem` and `ps`). */
#define IRIS_STAT_FRAMES_FREE  0
#define IRIS_STAT_FRAMES_TOTAL 1
#define IRIS_STAT_HANDLES      2 /* handles open in the calling process */
#define IRIS_STAT_PROCESSES    3 /* processes alive in the system */
#define IRIS_STAT_THREADS      4 /* threads alive in the system */
#define IRIS_STAT_CPUS         5
#define IRIS_STAT_HEAP_BYTES   6 /* kernel heap bytes allocated (not the pages it keeps) */
#define IRIS_STAT_OBJECTS      7 /* kernel objects alive in the system */

/* What SYS_PROCESS_LIST reports of one process (`ps`). */
#define IRIS_PROCESS_RUNNING  1 /* some thread runs or is ready to */
#define IRIS_PROCESS_EXITING  2 /* its last thread is ending */
#define IRIS_PROCESS_SLEEPING 3 /* every thread waits (on a ring, a sleep, a wait) */

struct iris_process_info {
	uint64_t pid;
	uint64_t parent; /* pid of the process that spawned it, 0 for init */
	char name[32];
	uint32_t state;   /* IRIS_PROCESS_* */
	uint32_t threads; /* alive */
	uint64_t cpu_ns;  /* CPU time its threads used */
	uint64_t pages;   /* memory pages mapped into its address space (resident) */
	uint32_t handles; /* open */
	uint32_t reserved;
	uint64_t start_ns; /* IRIS_CLOCK_MONOTONIC when its spawn call was made */
};

/* Operations of SYS_POWER. */
#define IRIS_POWER_OFF    1 /* ACPI S5 (QEMU: isa-debug-exit as a fallback) */
#define IRIS_POWER_REBOOT 2 /* ACPI reset register, the i8042, then a triple fault */

/*
 * Levels of SYS_DEBUG_WRITE, the kernel's own (docs/syscalls.md): a write
 * always lands in the log that `dmesg` reads, and on the consoles only
 * if the `loglevel=` option lets its level through. IRIS_LOG_ALWAYS is
 * shown whatever the option says (a program's own output).
 */
#define IRIS_LOG_ALWAYS 0
#define IRIS_LOG_ERROR  1
#define IRIS_LOG_WARN   2
#define IRIS_LOG_INFO   3
#define IRIS_LOG_DEBUG  4

/*
 * Flags for SYS_LOG_READ (docs/console.md, "The kernel log"). *pos is a
 * position in the log (bytes written since boot); IRIS_LOG_END is its end.
 * A read starts at *pos (or at the oldest byte the kernel still keeps) and
 * leaves *pos after the bytes it returns.
 */
#define IRIS_LOG_SHOWN    (1u << 0) /* what the log level let through, not everything */
#define IRIS_LOG_CLAIM    (1u << 1) /* the caller prints the log on the serial port; *pos = end */
#define IRIS_LOG_RELEASE  (1u << 2) /* the kernel prints it again, from where the caller was */
#define IRIS_LOG_END      UINT64_MAX
#define IRIS_LOG_READ_MAX 4096 /* bytes one read returns at most */

/* Limits. */
#define IRIS_HANDLES_MAX          1024        /* per process */
#define IRIS_THREADS_MAX          1024        /* threads alive per process */
#define IRIS_REGIONS_MAX          16384       /* mappings per address space */
#define IRIS_SPAWN_ARGS_MAX       (64u << 10) /* bytes of packed arguments + environment */
#define IRIS_SPAWN_HANDLES_MAX    96
#define IRIS_IMAGE_MAX            (64u << 20)
#define IRIS_THREAD_STACK_DEFAULT (64u << 10)
#define IRIS_THREAD_STACK_MAX     (8u << 20)

/*
 * Arguments of SYS_PROCESS_SPAWN: `args` holds argc NUL-terminated argument
 * strings, then the environment strings, packed: a leading
 * struct iris_spawn_args header says how many of each follow.
 */
struct iris_spawn_args {
	uint32_t argc;
	uint32_t envc;
	/* followed by argc + envc NUL-terminated strings */
};

/* How a process or thread ended (SYS_WAIT). */
#define IRIS_EXIT_CODE   1 /* it called exit: `code` */
#define IRIS_EXIT_FAULT  2 /* a CPU exception killed it: vector, fault_addr, rip */
#define IRIS_EXIT_KILLED 3 /* SYS_KILL */

struct iris_exit_info {
	uint32_t reason;
	int32_t code;
	uint32_t vector;
	uint32_t reserved;
	uint64_t fault_addr;
	uint64_t rip;
};

/*
 * The initial stack of a new process, as crt0 finds it at rsp (16-byte aligned):
 *   argc, argv[0..argc-1], NULL, envp[0..], NULL, nhandles, handles[0..nhandles-1]
 * each a 64-bit word; the strings live above. Handles listed here are the
 * ones the parent passed to SYS_PROCESS_SPAWN, in order (init gets one per
 * boot module).
 */
