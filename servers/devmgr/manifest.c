/*
 * The manifest parser (manifest.h). It splits the text into lines, each
 * line into words, and checks each directive against a table. It copies
 * nothing it has not measured: every word is checked against the size of
 * its destination first.
 */
#include "manifest.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A line of MANIFEST_LINE_MAX bytes has at most this many words: one byte and a blank each. */
#define MANIFEST_WORDS_MAX (MANIFEST_LINE_MAX / 2 + 1)

/* The parser's state: the current line's words, and which directives came before. */
struct parser {
	size_t line; /* the current line's number, from 1 */
	const char *word[MANIFEST_WORDS_MAX];
	size_t wlen[MANIFEST_WORDS_MAX];
	size_t nwords;
	bool seen_driver, seen_rights, seen_args;
};

static const struct {
	const char *name;
	uint32_t right;
} rights_table[] = {
	{ "mmio", IRIS_RIGHT_DEV_MMIO },     { "ports", IRIS_RIGHT_DEV_PORTS },
	{ "irq", IRIS_RIGHT_DEV_IRQ },       { "dma", IRIS_RIGHT_DEV_DMA },
	{ "config", IRIS_RIGHT_DEV_CONFIG },
};

const char *manifest_right_name(uint32_t right)
{
	for (size_t i = 0; i < sizeof(rights_table) / sizeof(rights_table[0]); i++)
		if (rights_table[i].right == right)
			return rights_table[i].name;
	return NULL;
}

/* Formats "line N: <message>" into err; returns -1 for the caller to pass on. */
__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, size_t line,
                                                      const char *fmt, ...)
{
	if (errlen == 0)
		return -1;
	int n = line ? snprintf(err, errlen, "line %zu: ", line) : 0;
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static bool word_is(const struct parser *p, size_t i, const char *s)
{
	return p->wlen[i] == strlen(s) && memcmp(p->word[i], s, p->wlen[i]) == 0;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* A word shown in a message: at most 32 of its bytes. */
#define SHOW(p, i) (int)((p)->wlen[i] < 32 ? (p)->wlen[i] : 32), (p)->word[i]

/* Parses one hex field of at most `digits` digits, or `*`, into *out. */
static bool parse_field(const char *s, size_t n, size_t digits, int32_t *out)
{
	if (n == 1 && s[0] == '*') {
		*out = MANIFEST_ANY;
		return true;
	}
	if (n == 0 || n > digits)
		return false;
	int32_t v = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
		        : c >= 'a' && c <= 'f' ? c - 'a' + 10
		        : c >= 'A' && c <= 'F' ? c - 'A' + 10
		                               : -1;
		if (d < 0)
			return false;
		v = v * 16 + d;
	}
	*out = v;
	return true;
}

/*
 * Checks word i as a name of at most max - 1 bytes of letters, digits, '_',
 * '-' and '.' (`what` names it in messages) and copies it, terminated, into
 * out[0..max). 0 or -1 with the message.
 */
static int copy_name(struct parser *p, size_t i, const char *what, char *out, size_t max, char *err,
                     size_t errlen)
{
	if (p->wlen[i] >= max)
		return fail(err, errlen, p->line, "%s longer than %zu bytes", what, max - 1);
	for (size_t k = 0; k < p->wlen[i]; k++) {
		char c = p->word[i][k];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
		if (!ok)
			return fail(err, errlen, p->line, "bad character '%c' in the %s", c, what);
	}
	memcpy(out, p->word[i], p->wlen[i]);
	out[p->wlen[i]] = '\0';
	return 0;
}

static int do_driver(struct parser *p, struct manifest *m, char *err, size_t errlen)
{
	if (p->seen_driver)
		return fail(err, errlen, p->line, "a second driver line");
	if (p->nwords != 2)
		return fail(err, errlen, p->line, "driver takes one name");
	if (copy_name(p, 1, "driver name", m->driver, sizeof(m->driver), err, errlen) < 0)
		return -1;
	p->seen_driver = true;
	return 0;
}

static int do_match(struct parser *p, struct manifest *m, char *err, size_t errlen)
{
	if (p->nwords < 2)
		return fail(err, errlen, p->line, "match takes `class`, `id` or `name`");
	if (m->nmatch == MANIFEST_MATCH_MAX)
		return fail(err, errlen, p->line, "more than %d match lines", MANIFEST_MATCH_MAX);
	struct manifest_match mm = { 0, { MANIFEST_ANY, MANIFEST_ANY, MANIFEST_ANY }, "" };
	size_t fields, digits;
	if (word_is(p, 1, "name")) {
		if (p->nwords != 3)
			return fail(err, errlen, p->line, "match name takes one name");
		mm.kind = MANIFEST_MATCH_NAME;
		if (p->wlen[2] == 1 && p->word[2][0] == '*')
			return fail(err, errlen, p->line, "match name takes a name, not *");
		if (copy_name(p, 2, "device name", mm.name, sizeof(mm.name), err, errlen) < 0)
			return -1;
		m->match[m->nmatch++] = mm;
		return 0;
	}
	if (word_is(p, 1, "class")) {
		mm.kind = MANIFEST_MATCH_CLASS;
		fields = 3;
		digits = 2;
	} else if (word_is(p, 1, "id")) {
		mm.kind = MANIFEST_MATCH_ID;
		fields = 2;
		digits = 4;
	} else {
		return fail(err, errlen, p->line, "unknown match \"%.*s\" (class, id or name)",
		            SHOW(p, 1));
	}
	if (p->nwords != 2 + fields)
		return fail(err, errlen, p->line, "match %s takes %zu fields",
		            mm.kind == MANIFEST_MATCH_CLASS ? "class" : "id", fields);
	for (size_t i = 0; i < fields; i++)
		if (!parse_field(p->word[2 + i], p->wlen[2 + i], digits, &mm.v[i]))
			return fail(err, errlen, p->line,
			            "\"%.*s\" is not * or a hex number of at most %zu digits",
			            SHOW(p, 2 + i), digits);
	m->match[m->nmatch++] = mm;
	return 0;
}

static int do_rights(struct parser *p, struct manifest *m, char *err, size_t errlen)
{
	if (p->seen_rights)
		return fail(err, errlen, p->line, "a second rights line");
	if (p->nwords < 2)
		return fail(err, errlen, p->line, "rights takes at least one right");
	for (size_t i = 1; i < p->nwords; i++) {
		uint32_t r = 0;
		for (size_t k = 0; k < sizeof(rights_table) / sizeof(rights_table[0]); k++)
			if (word_is(p, i, rights_table[k].name))
				r = rights_table[k].right;
		if (!r)
			return fail(err, errlen, p->line,
			            "unknown right \"%.*s\" (mmio ports irq dma config)",
			            SHOW(p, i));
		m->rights |= r;
	}
	p->seen_rights = true;
	return 0;
}

static int do_args(struct parser *p, struct manifest *m, char *err, size_t errlen)
{
	if (p->seen_args)
		return fail(err, errlen, p->line, "a second args line");
	size_t pos = 0;
	for (size_t i = 1; i < p->nwords; i++) {
		if (pos + (i > 1) + p->wlen[i] >= MANIFEST_ARGS_MAX)
			return fail(err, errlen, p->line, "args longer than %d bytes",
			            MANIFEST_ARGS_MAX - 1);
		if (i > 1)
			m->args[pos++] = ' ';
		memcpy(m->args + pos, p->word[i], p->wlen[i]);
		pos += p->wlen[i];
	}
	m->args[pos] = '\0';
	p->seen_args = true;
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct parser *p, struct manifest *m, char *err, size_t errlen);
} directives[] = {
	{ "driver", do_driver },
	{ "match", do_match },
	{ "rights", do_rights },
	{ "args", do_args },
};

/* Splits text[0..n) (one line, n <= MANIFEST_LINE_MAX) into p's words; -1 on a bad byte. */
static int split(struct parser *p, const char *text, size_t n, char *err, size_t errlen)
{
	p->nwords = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)text[i];
		if (c == '#')
			break;
		if (blank((char)c)) {
			i++;
			continue;
		}
		if (c < 0x20 || c > 0x7e)
			return fail(err, errlen, p->line, "byte %#x is not printable ASCII", c);
		size_t start = i;
		while (i < n && !blank(text[i]) && text[i] != '#' &&
		       (unsigned char)text[i] >= 0x20 && (unsigned char)text[i] <= 0x7e)
			i++;
		if (p->nwords == MANIFEST_WORDS_MAX)
			return fail(err, errlen, p->line, "more than %d words", MANIFEST_WORDS_MAX);
		p->word[p->nwords] = text + start;
		p->wlen[p->nwords++] = i - start;
	}
	return 0;
}

int manifest_parse(const char *text, size_t len, struct manifest *m, char *err, size_t errlen)
{
	struct parser p = { 0 };
	memset(m, 0, sizeof(*m));
	if (errlen)
		err[0] = '\0';
	if (len > MANIFEST_TEXT_MAX)
		return fail(err, errlen, 0, "longer than %u bytes", MANIFEST_TEXT_MAX);
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		p.line++;
		if (n > MANIFEST_LINE_MAX)
			return fail(err, errlen, p.line, "longer than %d bytes", MANIFEST_LINE_MAX);
		if (split(&p, text + pos, n, err, errlen) < 0)
			return -1;
		pos += n + 1;
		if (p.nwords == 0)
			continue;
		size_t k = 0;
		while (k < sizeof(directives) / sizeof(directives[0]) &&
		       !word_is(&p, 0, directives[k].name))
			k++;
		if (k == sizeof(directives) / sizeof(directives[0]))
			return fail(err, errlen, p.line, "unknown directive \"%.*s\"", SHOW(&p, 0));
		if (directives[k].fn(&p, m, err, errlen) < 0)
			return -1;
	}
	if (!p.seen_driver)
		return fail(err, errlen, 0, "no driver line");
	if (m->nmatch == 0)
		return fail(err, errlen, 0, "no match line");
	return 0;
}

static bool field_ok(int32_t want, unsigned have)
{
	return want == MANIFEST_ANY || (unsigned)want == have;
}

/*
 * Whether the device's name is the match line's: equal up to their NUL, and
 * never read past either array (the kernel's may fill all of its bytes).
 */
static bool name_is(const struct iris_device_info *info, const struct manifest_match *mm)
{
	for (size_t k = 0; k < IRIS_DEVICE_NAME_MAX; k++) {
		if (info->name[k] != mm->name[k])
			return false;
		if (info->name[k] == '\0')
			return true;
	}
	return false; /* 16 bytes, no NUL: not a name a manifest holds */
}

bool manifest_matches(const struct manifest *m, const struct iris_device_info *info)
{
	for (size_t i = 0; i < m->nmatch && i < MANIFEST_MATCH_MAX; i++) {
		const struct manifest_match *mm = &m->match[i];
		bool pci = info->bus_type == IRIS_BUS_PCI;
		if (info->bus_type == IRIS_BUS_PLATFORM && mm->kind == MANIFEST_MATCH_NAME &&
		    mm->name[0] && name_is(info, mm))
			return true;
		if (pci && mm->kind == MANIFEST_MATCH_CLASS &&
		    field_ok(mm->v[0], info->class_code) && field_ok(mm->v[1], info->subclass) &&
		    field_ok(mm->v[2], info->prog_if))
			return true;
		if (pci && mm->kind == MANIFEST_MATCH_ID && field_ok(mm->v[0], info->vendor) &&
		    field_ok(mm->v[1], info->device))
			return true;
	}
	return false;
}
