/*
 * Boot modules by name (iris/modules.h), and starting them: every way of
 * starting one (iris_module_spawn, iris_module_spawn_handles,
 * iris_console_spawn) packs its arguments and environment with the packer
 * the kernel uses too (common/spawnargs.h) and calls spawn. The inheriting
 * ones pass on, after the module handles, a fresh channel to the name
 * service and one to the terminal, and set IRIS_NS and IRIS_CONSOLE in the
 * child's environment to their indices (the parent's own values of those
 * two are left out).
 */
#include <common/spawnargs.h>
#include <errno.h>
#include <iris/console.h>
#include <iris/modules.h>
#include <iris/ns.h>
#include <iris/startup.h>
#include <iris/sys.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MODULES      64
#define ARGS_MAX         8192
#define MODULE_EXTRA_MAX 8
#define INHERITED_MAX    2 /* handles the inheriting spawns add: ns, terminal */

static char names[MAX_MODULES][32];
static size_t count;
extern char **environ;

int iris_modules_init(void)
{
	const char *list = getenv("IRIS_MODULES");
	count = 0;
	if (!list)
		return -1;
	for (const char *p = list + strspn(list, " "); *p && count < MAX_MODULES;
	     p += strspn(p, " ")) {
		size_t n = strcspn(p, " ");
		if (n >= sizeof(names[0]))
			return -1;
		memcpy(names[count], p, n);
		names[count][n] = '\0';
		count++;
		p += n;
	}
	return count <= iris_handle_count() ? 0 : -1;
}

size_t iris_module_count(void)
{
	return count;
}

iris_handle_t iris_module_find(const char *name)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(names[i], name) == 0)
			return iris_handle_get(i);
	return -ENOENT;
}

/* The arguments: the words of `line` (split at spaces) when argv is NULL, else argv[]. */
static int pack_argv(struct spawnargs_packer *pk, const char *line, char *const argv[])
{
	if (!argv)
		return spawnargs_add_words(pk, line);
	for (size_t i = 0; argv[i]; i++) {
		int r = spawnargs_add_arg(pk, argv[i], strlen(argv[i]));
		if (r < 0)
			return r;
	}
	return 0;
}

/* Whether `var` ("NAME=value") is one the inheriting spawns set themselves. */
static bool is_inherited_var(const char *var)
{
	return strncmp(var, "IRIS_NS=", 8) == 0 || strncmp(var, "IRIS_CONSOLE=", 13) == 0;
}

/* The environment: this program's (without IRIS_NS and IRIS_CONSOLE when `add`), then add[]. */
static int pack_env(struct spawnargs_packer *pk, const char *const *add)
{
	for (char **e = environ; e && *e; e++) {
		if (add && is_inherited_var(*e))
			continue;
		int r = spawnargs_add_env(pk, *e, strlen(*e));
		if (r < 0)
			return r;
	}
	for (size_t i = 0; add && add[i]; i++) {
		int r = spawnargs_add_env(pk, add[i], strlen(add[i]));
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Starts module `name` with the arguments (pack_argv), the environment
 * (pack_env) and the module handles followed by extra[0..n) (copies).
 * Returns the process handle or a negative errno.
 */
static iris_handle_t spawn(const char *name, const char *line, char *const argv[],
                           const char *const *add, const iris_handle_t *extra, size_t n)
{
	iris_handle_t handles[MAX_MODULES + MODULE_EXTRA_MAX];
	if (n > MODULE_EXTRA_MAX)
		return -E2BIG;
	iris_handle_t vmo = iris_module_find(name);
	if (vmo < 0)
		return vmo;
	long size = sys_vmo_size(vmo);
	if (size < 0)
		return (iris_handle_t)size;
	char *args = malloc(ARGS_MAX);
	if (!args)
		return -ENOMEM;
	struct spawnargs_packer pk;
	spawnargs_begin(&pk, args, ARGS_MAX);
	long len = pack_argv(&pk, line, argv);
	if (len == 0)
		len = pack_env(&pk, add);
	if (len == 0)
		len = spawnargs_end(&pk);
	long r = len < 0 ? len : sys_map(NULL, (size_t)size, IRIS_PROT_READ, 0, vmo, 0);
	if (r >= 0) {
		void *image = (void *)r;
		for (size_t i = 0; i < count; i++)
			handles[i] = iris_handle_get(i);
		for (size_t i = 0; i < n; i++)
			handles[count + i] = extra[i];
		r = sys_process_spawn(image, (size_t)size, args, (size_t)len, handles, count + n);
		sys_unmap(image, (size_t)size);
	}
	free(args);
	return (iris_handle_t)r;
}

iris_handle_t iris_module_spawn_handles(const char *name, const char *line,
                                        const iris_handle_t *extra, size_t n)
{
	return spawn(name, line, NULL, NULL, extra, n);
}

/*
 * Starts `name` passing on a fresh ns channel and a fresh terminal channel
 * (those this program can get) after the module handles.
 */
static iris_handle_t spawn_inheriting(const char *name, const char *line, char *const argv[])
{
	iris_handle_t extra[INHERITED_MAX];
	char vars[INHERITED_MAX][32];
	const char *add[INHERITED_MAX + 1];
	size_t n = 0;
	if (iris_ns_client(&extra[n]) == 0) {
		snprintf(vars[n], sizeof(vars[n]), "IRIS_NS=%zu", count + n);
		add[n] = vars[n];
		n++;
	}
	if (iris_console_present() && iris_console_client(&extra[n]) == 0) {
		snprintf(vars[n], sizeof(vars[n]), "IRIS_CONSOLE=%zu", count + n);
		add[n] = vars[n];
		n++;
	}
	add[n] = NULL;
	iris_handle_t proc = spawn(name, line, argv, add, extra, n);
	for (size_t i = 0; i < n; i++)
		sys_handle_close(extra[i]);
	return proc;
}

iris_handle_t iris_module_spawn(const char *name, const char *line)
{
	return spawn_inheriting(name, line, NULL);
}

iris_handle_t iris_console_spawn(const char *name, char *const argv[])
{
	return spawn_inheriting(name, NULL, argv);
}
