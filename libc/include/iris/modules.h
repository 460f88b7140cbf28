/*
 * Boot modules as programs see them: init received one memory-object handle
 * per GRUB module (its initial handles, in order) and their names in the
 * environment variable IRIS_MODULES; it passes both on to what it starts, so
 * any program can start another boot module by name.
 */
#pragma once

#include <iris/handle.h>

/* Reads IRIS_MODULES; returns 0, or -1 if it is missing or does not match the handles. */
int iris_modules_init(void);

/* The memory-object handle of the module called `name`, or -ENOENT. */
iris_handle_t iris_module_find(const char *name);

/*
 * Starts the module called `name` with the arguments in `line` (words
 * separated by spaces, the first being the program's name), passing on the
 * module handles and this program's environment. Returns the new process's
 * handle or a negative errno.
 */
iris_handle_t iris_module_spawn(const char *name, const char *line);
