#include <errno.h>
#include <iris/modules.h>
#include <iris/ns.h>
#include <iris/startup.h>
#include <iris/sys.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MODULES      64
#define ARGS_MAX         8192
#define MODULE_EXTRA_MAX 8

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

/* Packs the words of `line` and the environment as struct iris_spawn_args; -E2BIG if too long. */
static long pack_args(const char *line, char *out, size_t cap)
{
	struct iris_spawn_args hdr = { 0, 0 };
	size_t pos = sizeof(hdr);

	for (const char *p = line + strspn(line, " "); *p; p += strspn(p, " ")) {
		size_t n = strcspn(p, " ");
		if (pos + n + 1 > cap)
			return -E2BIG;
		memcpy(out + pos, p, n);
		out[pos + n] = '\0';
		pos += n + 1;
		hdr.argc++;
		p += n;
	}
	for (char **e = environ; e && *e; e++) {
		size_t n = strlen(*e) + 1;
		if (pos + n > cap)
			return -E2BIG;
		memcpy(out + pos, *e, n);
		pos += n;
		hdr.envc++;
	}
	memcpy(out, &hdr, sizeof(hdr));
	return (long)pos;
}

iris_handle_t iris_module_spawn_handles(const char *name, const char *line,
                                        const iris_handle_t *extra, size_t n)
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
	long len = pack_args(line, args, ARGS_MAX);
	long image = len < 0 ? len : sys_map(NULL, (size_t)size, IRIS_PROT_READ, 0, vmo, 0);
	long r = image;
	if (image >= 0) {
		for (size_t i = 0; i < count; i++)
			handles[i] = iris_handle_get(i);
		for (size_t i = 0; i < n; i++)
			handles[count + i] = extra[i];
		r = sys_process_spawn((const void *)image, (size_t)size, args, (size_t)len, handles,
		                      count + n);
		sys_unmap((void *)image, (size_t)size);
	}
	free(args);
	return (iris_handle_t)r;
}

iris_handle_t iris_module_spawn(const char *name, const char *line)
{
	iris_handle_t ns;
	if (iris_ns_client(&ns) < 0)
		return iris_module_spawn_handles(name, line, NULL, 0);
	iris_handle_t r = iris_module_spawn_handles(name, line, &ns, 1);
	sys_handle_close(ns);
	return r;
}
