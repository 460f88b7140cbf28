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
#define IRIS_RIGHTS_ALL      0xfffu    /* with the device rights of iris/device.h */
/* Passed to SYS_HANDLE_DUPLICATE: keep the same rights. */
#define IRIS_RIGHTS_SAME 0xffffffffu
