#include <common/spawnargs.h>
#include <common/string.h>
#include <iris/abi/errno.h>
#include <iris/abi/syscall.h>

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

void spawnargs_begin(struct spawnargs_packer *pk, void *out, size_t cap)
{
	pk->out = out;
	pk->cap = cap;
	pk->pos = sizeof(pk->hdr);
	pk->hdr.argc = 0;
	pk->hdr.envc = 0;
}

/* Appends s[0, n) and a NUL after the strings so far; -E2BIG when it does not fit. */
static int add_string(struct spawnargs_packer *pk, const char *s, size_t n)
{
	if (pk->pos > pk->cap || n >= pk->cap - pk->pos)
		return -E2BIG;
	memcpy(pk->out + pk->pos, s, n);
	pk->out[pk->pos + n] = '\0';
	pk->pos += n + 1;
	return 0;
}

int spawnargs_add_arg(struct spawnargs_packer *pk, const char *s, size_t n)
{
	if (pk->hdr.envc > 0)
		return -EINVAL;
	int r = add_string(pk, s, n);
	if (r == 0)
		pk->hdr.argc++;
	return r;
}

int spawnargs_add_words(struct spawnargs_packer *pk, const char *line)
{
	for (const char *p = line; *p;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t n = 0;
		while (p[n] && p[n] != ' ')
			n++;
		int r = spawnargs_add_arg(pk, p, n);
		if (r < 0)
			return r;
		p += n;
	}
	return 0;
}

int spawnargs_add_env(struct spawnargs_packer *pk, const char *s, size_t n)
{
	int r = add_string(pk, s, n);
	if (r == 0)
		pk->hdr.envc++;
	return r;
}

long spawnargs_end(struct spawnargs_packer *pk)
{
	if (pk->cap < sizeof(pk->hdr))
		return -E2BIG;
	memcpy(pk->out, &pk->hdr, sizeof(pk->hdr));
	return (long)pk->pos;
}

long spawnargs_pack(const char *line, const char *const *env, size_t envc, void *out, size_t cap)
{
	struct spawnargs_packer pk;

	spawnargs_begin(&pk, out, cap);
	int r = spawnargs_add_words(&pk, line);
	for (size_t i = 0; i < envc && r == 0; i++)
		r = spawnargs_add_env(&pk, env[i], strlen(env[i]));
	return r < 0 ? r : spawnargs_end(&pk);
}
