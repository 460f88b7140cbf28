/*
 * Submission/completion rings (docs/rings.md), shared by the kernel and
 * userspace. A ring is one memory object the process maps: a header page,
 * then the submission queue (SQ) of struct iris_sqe, then the completion
 * queue (CQ) of struct iris_cqe, each a power of two long.
 *
 * The process produces SQ entries (it writes sq_tail) and consumes CQ
 * entries (it writes cq_head); the kernel consumes SQ entries and produces
 * CQ entries, keeping its own copy of sq_head and cq_tail: it never trusts
 * what the process writes there. Indices run freely (wrapping at 2^32); an
 * entry's slot is index & mask.
 */
#pragma once

#include <stdint.h>

/* A submission: a system-call number and its six arguments, exactly as the synchronous call. */
struct iris_sqe {
	uint32_t nr;        /* SYS_* */
	uint32_t flags;     /* IRIS_SQE_* */
	uint64_t user_data; /* copied to the completion */
	uint64_t args[6];
};

/* This entry and the next form a chain: the next starts only if this one succeeds. */
#define IRIS_SQE_LINK (1u << 0)

struct iris_cqe {
	uint64_t user_data;
	int64_t result; /* what the synchronous call would return (negative errno on failure) */
	uint32_t flags; /* IRIS_CQE_* */
	uint32_t reserved;
	uint64_t reserved2;
};

/* A multishot operation will post more completions. */
#define IRIS_CQE_MORE (1u << 0)

/* The header at offset 0 of the ring memory. Heads and tails sit on their own cache lines. */
struct iris_ring_header {
	uint32_t sq_tail; /* written by the process */
	uint32_t pad0[15];
	uint32_t sq_head; /* written by the kernel: the next entry it will take */
	uint32_t pad1[15];
	uint32_t cq_head; /* written by the process */
	uint32_t pad2[15];
	uint32_t cq_tail; /* written by the kernel */
	uint32_t pad3[15];
	uint32_t flags;      /* IRIS_RING_NEED_WAKEUP: the polling thread sleeps */
	uint32_t sq_entries; /* copies of the sizes, for the process's convenience */
	uint32_t cq_entries;
	uint32_t overflow; /* completions the kernel is holding back for lack of CQ space */
};

/* Header flags. */
#define IRIS_RING_NEED_WAKEUP (1u << 0)

/* SYS_RING_SETUP flags. */
#define IRIS_RING_SQPOLL (1u << 0) /* a kernel thread takes submissions without system calls */

/* SYS_RING_ENTER flags. */
#define IRIS_ENTER_GETEVENTS (1u << 0) /* wait until min_complete completions are in the CQ */
#define IRIS_ENTER_SQ_WAKEUP (1u << 1) /* wake the polling thread */

/* What SYS_RING_SETUP tells the process (it maps `vmo`, `size` bytes, read-write). */
struct iris_ring_params {
	int32_t vmo;         /* memory-object handle of the ring */
	uint32_t size;       /* bytes */
	uint32_t sq_offset;  /* of the first struct iris_sqe */
	uint32_t cq_offset;  /* of the first struct iris_cqe */
	uint32_t sq_entries; /* powers of two */
	uint32_t cq_entries;
};

#define IRIS_RING_MAX_ENTRIES 4096

/* SYS_TIMEOUT flags. */
#define IRIS_TIMEOUT_ABS (1u << 0) /* the time is an absolute IRIS_CLOCK_MONOTONIC value */

/* SYS_POLL events and flags. */
#define IRIS_POLL_IN        (1u << 0) /* readable (a process or thread: it has ended) */
#define IRIS_POLL_OUT       (1u << 1) /* writable */
#define IRIS_POLL_HUP       (1u << 2) /* the peer or object is gone */
#define IRIS_POLL_MULTISHOT (1u << 0) /* flags: keep reporting, one completion per change */
