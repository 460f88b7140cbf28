/*
 * What a program received when it was spawned, beyond argc/argv/envp: the
 * handles its parent passed to SYS_PROCESS_SPAWN, in order (init gets one per
 * boot module). libc's crt0 records them before main runs.
 */
#pragma once

#include <iris/handle.h>
#include <stddef.h>

/* Returns how many handles the program started with. */
size_t iris_handle_count(void);

/* Returns initial handle `i`, or IRIS_HANDLE_INVALID when i >= iris_handle_count(). */
iris_handle_t iris_handle_get(size_t i);
