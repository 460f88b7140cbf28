/* __libc_start: from crt0's _start to main, and the program's initial handles. */
#include "internal.h"
#include <iris/startup.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv, char **envp);
_Noreturn void __libc_start(uint64_t *sp);

/* Bounds of .preinit_array and .init_array, from user.ld. */
extern void (*__preinit_array_start[])(void);
extern void (*__preinit_array_end[])(void);
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);

static size_t handle_count;
static const uint64_t *handles;

/*
 * sp points at the initial stack (iris/abi/syscall.h): argc, argv[argc], NULL,
 * envp[], NULL, nhandles, handles[nhandles], one 64-bit word each.
 */
_Noreturn void __libc_start(uint64_t *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	char **e = envp;
	while (*e)
		e++;
	const uint64_t *tail = (const uint64_t *)(e + 1);
	handle_count = (size_t)tail[0];
	handles = tail + 1;
	environ = envp;

	libc_thread_init();
	for (void (**f)(void) = __preinit_array_start; f < __preinit_array_end; f++)
		(*f)();
	for (void (**f)(void) = __init_array_start; f < __init_array_end; f++)
		(*f)();
	exit(main(argc, argv, envp));
}

size_t iris_handle_count(void)
{
	return handle_count;
}

iris_handle_t iris_handle_get(size_t i)
{
	return i < handle_count ? (iris_handle_t)handles[i] : IRIS_HANDLE_INVALID;
}

iris_handle_t iris_handle_from_env(const char *var)
{
	const char *v = getenv(var);
	char *end;
	long i = v && *v ? strtol(v, &end, 10) : -1;
	if (i < 0 || *end != '\0')
		return IRIS_HANDLE_INVALID;
	return iris_handle_get((size_t)i);
}
