#include <common/spawnargs.h>
#include <common/string.h>
#include <iris/errno.h>
#include <iris/syscall.h>

int spawnargs_check(const void *args, size_t len)
{
	struct iris_spawn_args hdr;

	if (len < sizeof(hdr) || len > IRIS_SPAWN_ARGS_MAX)
		return -EINVAL;
	memcpy(&hdr, args, sizeof(hdr));
	if ((uint64_t)hdr.argc + hdr.envc > SPAWNARGS_MAX_STRINGS)
		return -E2BIG;
	const char *p = (const char *)args + sizeof(hdr), *end = (const char *)args + len;
	for (uint64_t i = 0; i < (uint64_t)hdr.argc + hdr.envc; i++) {
		size_t n = strnlen(p, (size_t)(end - p));
		if (p + n == end)
			return -EINVAL; /* unterminated or missing string */
		p += n + 1;
	}
	return p == end ? 0 : -EINVAL;
}

static size_t words(const struct iris_spawn_args *hdr, size_t nhandles)
{
	return 1 + hdr->argc + 1 + hdr->envc + 1 + 1 + nhandles;
}

size_t spawnargs_stack_size(const void *args, size_t len, size_t nhandles)
{
	struct iris_spawn_args hdr;
	memcpy(&hdr, args, sizeof(hdr));
	size_t bytes = words(&hdr, nhandles) * 8 + (len - sizeof(hdr));
	return (bytes + 15) & ~(size_t)15;
}

static void put_word(uint8_t *buf, size_t *off, uint64_t v)
{
	memcpy(buf + *off, &v, 8);
	*off += 8;
}

void spawnargs_build_stack(const void *args, size_t len, const iris_handle_t *handles,
                           size_t nhandles, uint8_t *buf, size_t size, uintptr_t sp)
{
	struct iris_spawn_args hdr;
	memcpy(&hdr, args, sizeof(hdr));
	size_t strings_off = words(&hdr, nhandles) * 8, off = 0;
	const char *s = (const char *)args + sizeof(hdr);

	memset(buf, 0, size);
	memcpy(buf + strings_off, s, len - sizeof(hdr));
	put_word(buf, &off, hdr.argc);
	for (uint32_t k = 0; k < 2; k++) {
		uint32_t n = k == 0 ? hdr.argc : hdr.envc;
		for (uint32_t i = 0; i < n; i++) {
			size_t at = (size_t)(s - ((const char *)args + sizeof(hdr)));
			put_word(buf, &off, sp + strings_off + at);
			s += strlen(s) + 1;
		}
		put_word(buf, &off, 0);
	}
	put_word(buf, &off, nhandles);
	for (size_t i = 0; i < nhandles; i++)
		put_word(buf, &off, (uint64_t)(int64_t)handles[i]);
}

long spawnargs_pack(const char *line, const char *const *env, size_t envc, void *out, size_t cap)
{
	struct iris_spawn_args hdr = { 0, (uint32_t)envc };
	char *o = out;
	size_t pos = sizeof(hdr);

	for (const char *p = line; *p;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t n = 0;
		while (p[n] && p[n] != ' ')
			n++;
		if (pos + n + 1 > cap)
			return -E2BIG;
		memcpy(o + pos, p, n);
		o[pos + n] = '\0';
		pos += n + 1;
		hdr.argc++;
		p += n;
	}
	for (size_t i = 0; i < envc; i++) {
		size_t n = strlen(env[i]);
		if (pos + n + 1 > cap)
			return -E2BIG;
		memcpy(o + pos, env[i], n + 1);
		pos += n + 1;
	}
	if (cap < sizeof(hdr))
		return -E2BIG;
	memcpy(o, &hdr, sizeof(hdr));
	return (long)pos;
}
