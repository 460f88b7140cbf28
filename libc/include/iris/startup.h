/*
 * What a program received when it was spawned, beyond argc/argv/envp: the
 * handles its parent passed to SYS_PROCESS_SPAWN, in order (init gets one per
 * boot module). libc's crt0 records them before main runs.
 */
#pragma once

#include <iris/abi/handle.h>
#include <stddef.h>

/* Returns how many handles the program started with. */
size_t iris_handle_count(void);

/* Returns initial handle `i`, or IRIS_HANDLE_INVALID when i >= iris_handle_count(). */
iris_handle_t iris_handle_get(size_t i);

/*
 * The initial handle whose index the environment variable `var` holds
 * (IRIS_NS, IRIS_CONSOLE, IRIS_BUS, IRIS_DEVICE ...), or IRIS_HANDLE_INVALID
 * when it is unset, not a number, or past the last handle.
 */
iris_handle_t iris_handle_from_env(const char *var);
