/* Handles and rights, shared by the kernel and userspace. */
#pragma once

#include <stdint.h>

/* A handle is a small positive integer naming an object in the caller's table. */
typedef int32_t iris_handle_t;
#define IRIS_HANDLE_INVALID (-1)

/* Rights carried by a handle. A duplicate may only drop rights, never add. */
#define IRIS_RIGHT_DUPLICATE (1u << 0) /* may be duplicated */
#define IRIS_RIGHT_TRANSFER  (1u << 1) /* may be sent to another process */
#define IRIS_RIGHT_READ      (1u << 2) /* read the object (map readable, wait on it) */
#define IRIS_RIGHT_WRITE     (1u << 3) /* write the object (map writable) */
#define IRIS_RIGHT_MAP       (1u << 4) /* map a memory object */
#define IRIS_RIGHT_MANAGE    (1u << 5) /* kill a process or thread, change the object */
#define IRIS_RIGHT_EXEC      (1u << 6) /* map executable */
#define IRIS_RIGHTS_ALL      0xfffu    /* with the device rights of iris/abi/device.h */
/* Passed to SYS_HANDLE_DUPLICATE: keep the same rights. */
#define IRIS_RIGHTS_SAME 0xffffffffu

/*
 * The rights of a handle to a new object, one set per object type: the call
 * that makes or opens the object returns a handle with these (docs/syscalls.md,
 * "Handles"). A holder may only narrow them, with SYS_HANDLE_DUPLICATE.
 */
#define IRIS_DEFAULT_RIGHTS_PROCESS \
	(IRIS_RIGHT_READ | IRIS_RIGHT_MANAGE | IRIS_RIGHT_DUPLICATE | IRIS_RIGHT_TRANSFER)
#define IRIS_DEFAULT_RIGHTS_THREAD IRIS_DEFAULT_RIGHTS_PROCESS
#define IRIS_DEFAULT_RIGHTS_VMO    IRIS_RIGHTS_ALL /* SYS_VMO_CREATE */
#define IRIS_DEFAULT_RIGHTS_CHANNEL                                                   \
	(IRIS_RIGHT_READ | IRIS_RIGHT_WRITE | IRIS_RIGHT_MAP | IRIS_RIGHT_DUPLICATE | \
	 IRIS_RIGHT_TRANSFER)
#define IRIS_DEFAULT_RIGHTS_RING                                                         \
	(IRIS_RIGHT_READ | IRIS_RIGHT_WRITE | IRIS_RIGHT_MANAGE | IRIS_RIGHT_DUPLICATE | \
	 IRIS_RIGHT_TRANSFER)
#define IRIS_DEFAULT_RIGHTS_BUS (IRIS_RIGHT_READ | IRIS_RIGHT_DUPLICATE | IRIS_RIGHT_TRANSFER)
/* The device rights (IRIS_RIGHTS_DEVICE) are in iris/abi/device.h. */
#define IRIS_DEFAULT_RIGHTS_DEVICE                                                       \
	(IRIS_RIGHT_READ | IRIS_RIGHT_WRITE | IRIS_RIGHT_MANAGE | IRIS_RIGHT_DUPLICATE | \
	 IRIS_RIGHT_TRANSFER | IRIS_RIGHTS_DEVICE)
#define IRIS_DEFAULT_RIGHTS_IRQ                                                    \
	(IRIS_RIGHT_READ | IRIS_RIGHT_WRITE | IRIS_RIGHT_MAP | IRIS_RIGHT_MANAGE | \
	 IRIS_RIGHT_DUPLICATE)
/* Memory objects the kernel makes for another object narrow the VMO's set: */
#define IRIS_DEFAULT_RIGHTS_DMA                                                       \
	(IRIS_RIGHT_READ | IRIS_RIGHT_WRITE | IRIS_RIGHT_MAP | IRIS_RIGHT_DUPLICATE | \
	 IRIS_RIGHT_TRANSFER)
/* a memory BAR's registers stay with the process that holds the device */
#define IRIS_DEFAULT_RIGHTS_BAR \
	(IRIS_RIGHT_READ | IRIS_RIGHT_WRITE | IRIS_RIGHT_MAP | IRIS_RIGHT_DUPLICATE)
/* a pin stays with the driver that made it: closing the handle unpins */
#define IRIS_DEFAULT_RIGHTS_PIN IRIS_RIGHT_READ
/* a ring's queues stay with the ring's owner */
#define IRIS_DEFAULT_RIGHTS_RING_VMO (IRIS_RIGHT_READ | IRIS_RIGHT_WRITE | IRIS_RIGHT_MAP)
