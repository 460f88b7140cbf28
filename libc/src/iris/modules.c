/*
 * Boot modules by name (iris/modules.h), and starting them: every way of
 * starting one (iris_module_spawn, iris_module_spawn_handles,
 * iris_console_spawn) packs its arguments and environment and calls
 * spawn_packed. The inheriting ones pass on, after the module handles, a
 * fresh channel to the name service and one to the terminal, and set
 * IRIS_NS and IRIS_CONSOLE in the child's environment to their indices
 * (the parent's own values of those two are left out).
 */
#include <errno.h>
#include <iris/console_client.h>
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

/* The struct iris_spawn_args being built in out[0..cap): `pos` bytes so far. */
struct packer {
	char *out;
	size_t cap, pos;
	struct iris_spawn_args hdr;
};

/* Appends s[0..n) and a NUL; -E2BIG when it does not fit. */
static int pack_str(struct packer *pk, const char *s, size_t n)
{
	if (n >= pk->cap - pk->pos)
		return -E2BIG;
	memcpy(pk->out + pk->pos, s, n);
	pk->out[pk->pos + n] = '\0';
	pk->pos += n + 1;
	return 0;
}

/* The arguments: the words of `line` (split at spaces) when argv is NULL, else argv[]. */
static int pack_argv(struct packer *pk, const char *line, char *const argv[])
{
	int r = 0;
	if (argv) {
		for (size_t i = 0; argv[i] && r == 0; i++, pk->hdr.argc++)
			r = pack_str(pk, argv[i], strlen(argv[i]));
		return r;
	}
	for (const char *p = line + strspn(line, " "); *p && r == 0; p += strspn(p, " ")) {
		size_t n = strcspn(p, " ");
		r = pack_str(pk, p, n);
		pk->hdr.argc++;
		p += n;
	}
	return r;
}

/* Whether `var` ("NAME=value") is one the inheriting spawns set themselves. */
static bool is_inherited_var(const char *var)
{
	return strncmp(var, "IRIS_NS=", 8) == 0 || strncmp(var, "IRIS_CONSOLE=", 13) == 0;
}

/* The environment: this program's (without IRIS_NS and IRIS_CONSOLE when `add`), then add[]. */
static int pack_env(struct packer *pk, const char *const *add)
{
	for (char **e = environ; e && *e; e++) {
		if (add && is_inherited_var(*e))
			continue;
		int r = pack_str(pk, *e, strlen(*e));
		if (r < 0)
			return r;
		pk->hdr.envc++;
	}
	for (size_t i = 0; add && add[i]; i++) {
		int r = pack_str(pk, add[i], strlen(add[i]));
		if (r < 0)
			return r;
		pk->hdr.envc++;
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
	struct packer pk = { .out = malloc(ARGS_MAX), .cap = ARGS_MAX, .pos = sizeof(pk.hdr) };
	if (!pk.out)
		return -ENOMEM;
	long r = pack_argv(&pk, line, argv);
	if (r == 0)
		r = pack_env(&pk, add);
	if (r == 0)
		r = sys_map(NULL, (size_t)size, IRIS_PROT_READ, 0, vmo, 0);
	if (r >= 0) {
		void *image = (void *)r;
		memcpy(pk.out, &pk.hdr, sizeof(pk.hdr));
		for (size_t i = 0; i < count; i++)
			handles[i] = iris_handle_get(i);
		for (size_t i = 0; i < n; i++)
			handles[count + i] = extra[i];
		r = sys_process_spawn(image, (size_t)size, pk.out, pk.pos, handles, count + n);
		sys_unmap(image, (size_t)size);
	}
	free(pk.out);
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
