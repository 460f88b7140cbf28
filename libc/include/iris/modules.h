/*
 * Boot modules as programs see them: init received one memory-object handle
 * per GRUB module (its initial handles, in order) and their names in the
 * environment variable IRIS_MODULES; it passes both on to what it starts, so
 * any program can start another boot module by name. The module handles
 * come first among a program's initial handles; others may follow them (the
 * channel to the name service, iris/ns.h).
 */
#pragma once

#include <iris/abi/handle.h>
#include <stddef.h>

/* Reads IRIS_MODULES; returns 0, or -1 if it is missing or names more modules than there are
 * handles. */
int iris_modules_init(void);

/* How many boot modules IRIS_MODULES names (their handles come first). */
size_t iris_module_count(void);

/* The memory-object handle of the module called `name`, or -ENOENT. */
iris_handle_t iris_module_find(const char *name);

/*
 * Starts the module called `name` with the arguments in `line` (words
 * separated by spaces, the first being the program's name), passing on the
 * module handles and this program's environment, and after them a fresh
 * channel to the name service when this program reaches it (iris/ns.h) and
 * a fresh channel to its terminal when it has one (iris/console.h);
 * IRIS_NS and IRIS_CONSOLE in the child's environment name those handles
 * (this program's own values are not passed on). iris_console_spawn is the
 * same with an argv[] instead of a line. Returns the new process's handle
 * or a negative errno.
 */
iris_handle_t iris_module_spawn(const char *name, const char *line);

/*
 * As iris_module_spawn, but the module handles are followed by extra[0..n)
 * (n <= 8; copies: the caller keeps its handles) and nothing else, and the
 * environment is passed on as it is.
 */
iris_handle_t iris_module_spawn_handles(const char *name, const char *line,
                                        const iris_handle_t *extra, size_t n);
