#include <boot/cmdline.h>
#include <common/string.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The next blank-separated word at or after *p (its length in *len, 0 at the end); *p moves past
 * it. */
static const char *next_word(const char **p, size_t *len)
{
	while (is_space(**p))
		(*p)++;
	const char *word = *p;
	while (**p && !is_space(**p))
		(*p)++;
	*len = (size_t)(*p - word);
	return word;
}

bool cmdline_get(const char *cmdline, const char *key, char *val, size_t len)
{
	size_t klen = strlen(key);
	bool found = false;
	const char *p = cmdline;

	while (*p) {
		size_t wlen;
		const char *word = next_word(&p, &wlen);
		if (wlen < klen || memcmp(word, key, klen) != 0)
			continue;
		if (wlen != klen && word[klen] != '=')
			continue;
		found = true;
		if (len == 0)
			continue;
		size_t vlen = wlen == klen ? 0 : wlen - klen - 1;
		if (vlen >= len)
			vlen = len - 1;
		memcpy(val, word + klen + 1, vlen);
		val[vlen] = '\0';
	}
	return found;
}

int cmdline_parse_loglevel(const char *val)
{
	static const char *const names[] = { "panic", "error", "warn", "info", "debug" };

	if (val[0] >= '0' && val[0] <= '4' && val[1] == '\0')
		return val[0] - '0';
	for (int i = 0; i < 5; i++) {
		if (strcmp(val, names[i]) == 0)
			return i;
	}
	return -1;
}

bool cmdline_append(char *cmdline, size_t size, const char *extra)
{
	size_t cur = strlen(cmdline), add = strlen(extra);
	size_t sep = cur > 0 ? 1 : 0;

	if (add == 0)
		return true;
	if (cur + sep + add + 1 > size)
		return false;
	if (sep)
		cmdline[cur++] = ' ';
	memcpy(cmdline + cur, extra, add + 1);
	return true;
}

/* The keys the kernel and init read: see cmdline.h. */
static const char *const known_keys[] = { "loglevel", "test", "run" };

const char *cmdline_next_unknown(const char *p, size_t *len)
{
	while (*p) {
		size_t wlen, klen = 0;
		const char *word = next_word(&p, &wlen);
		while (klen < wlen && word[klen] != '=')
			klen++;
		bool known = false;
		for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
			known = known || (strlen(known_keys[i]) == klen &&
			                  memcmp(word, known_keys[i], klen) == 0);
		if (wlen && !known) {
			*len = wlen;
			return word;
		}
	}
	return NULL;
}
