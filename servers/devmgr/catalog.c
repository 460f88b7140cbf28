/* Boot modules, manifests and devices (catalog.h). */
#include "catalog.h"
#include "driver.h"
#include <errno.h>
#include <iris/log.h>
#include <iris/modules.h>
#include <iris/sys.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_SIZE 4096
#define SUFFIX    ".manifest"

/* Calls fn(name, arg) for each module IRIS_MODULES names (iris_modules_init has checked it). */
static void each_module(void (*fn)(const char *name, void *arg), void *arg)
{
	const char *list = getenv("IRIS_MODULES");
	size_t seen = 0;
	for (const char *p = list ? list : ""; *p && seen < iris_module_count(); seen++) {
		p += strspn(p, " ");
		size_t n = strcspn(p, " ");
		char name[64];
		if (n == 0 || n >= sizeof(name))
			break;
		memcpy(name, p, n);
		name[n] = '\0';
		fn(name, arg);
		p += n;
	}
}

struct loading {
	struct manifest *out;
	size_t max, n;
};

/*
 * Maps module `name` read-only and parses it into *m. The text ends at the
 * module's end or its first NUL (a module's memory may be padded with zeros).
 */
static int load_one(const char *name, struct manifest *m, char *err, size_t errlen)
{
	iris_handle_t vmo = iris_module_find(name);
	long size = vmo < 0 ? vmo : sys_vmo_size(vmo);
	if (size < 0) {
		snprintf(err, errlen, "%s", strerror((int)-size));
		return -1;
	}
	if (size == 0 || size > MANIFEST_TEXT_MAX) {
		snprintf(err, errlen, "%ld bytes long", size);
		return -1;
	}
	size_t len = ((size_t)size + PAGE_SIZE - 1) & ~(size_t)(PAGE_SIZE - 1);
	long text = sys_map(NULL, len, IRIS_PROT_READ, 0, vmo, 0);
	if (text < 0) {
		snprintf(err, errlen, "cannot map it: %s", strerror((int)-text));
		return -1;
	}
	const char *t = (const char *)text;
	const char *nul = memchr(t, '\0', (size_t)size);
	int r = manifest_parse(t, nul ? (size_t)(nul - t) : (size_t)size, m, err, errlen);
	sys_unmap((void *)text, len);
	if (r == 0 && iris_module_find(m->driver) < 0) {
		snprintf(err, errlen, "its driver \"%s\" is not a boot module", m->driver);
		return -1;
	}
	return r;
}

static void load_if_manifest(const char *name, void *arg)
{
	struct loading *l = arg;
	size_t n = strlen(name);
	if (n <= strlen(SUFFIX) || strcmp(name + n - strlen(SUFFIX), SUFFIX) != 0)
		return;
	if (l->n == l->max) {
		iris_log(IRIS_LOG_WARN, "devmgr: %s left out: more than %zu manifests\n", name,
		         l->max);
		return;
	}
	char err[128];
	if (load_one(name, &l->out[l->n], err, sizeof(err)) < 0) {
		iris_log(IRIS_LOG_WARN, "devmgr: %s left out: %s\n", name, err);
		return;
	}
	l->n++;
}

size_t catalog_load_manifests(struct manifest *out, size_t max)
{
	struct loading l = { out, max, 0 };
	each_module(load_if_manifest, &l);
	return l.n;
}

long catalog_match_devices(iris_handle_t bus, const struct manifest *ms, size_t n)
{
	long index;
	for (index = 0;; index++) {
		struct iris_device_info info;
		long r = sys_device_open(bus, (uint32_t)index, &info, IRIS_DEVICE_INFO_ONLY);
		if (r == -ENOENT)
			return index;
		if (r < 0 && index == 0)
			return r;
		if (r < 0) {
			iris_log(IRIS_LOG_ERROR,
			         "devmgr: device %ld cannot be described (%s): the rest are left "
			         "out\n",
			         index, strerror((int)-r));
			return index;
		}
		size_t k = 0;
		while (k < n && !manifest_matches(&ms[k], &info))
			k++;
		if (k == n)
			continue;
		if (driver_add(&ms[k], &info))
			continue;
		if (info.bus_type == IRIS_BUS_PLATFORM)
			iris_log(IRIS_LOG_WARN, "devmgr: %.*s left out: more than %d drivers\n",
			         (int)sizeof(info.name), info.name, DRIVERS_MAX);
		else
			iris_log(IRIS_LOG_WARN,
			         "devmgr: %04x:%04x at %02x:%02x.%x left out: more than %d "
			         "drivers\n",
			         info.vendor, info.device, info.bus, info.dev, info.fn,
			         DRIVERS_MAX);
	}
}
