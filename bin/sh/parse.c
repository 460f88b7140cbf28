/*
 * The command-line parser (parse.h). One pass over the line with an output
 * cursor into cmd->text: every byte stored goes through put(), which checks
 * the room first, so no input can write past the buffer.
 */
#include "parse.h"
#include <string.h>

struct parser {
	const char *s, *end; /* the input not yet read */
	struct sh_cmd *cmd;
	size_t out;   /* bytes used in cmd->text */
	bool in_word; /* a word has begun (even an empty quoted one) */
	sh_lookup_fn lookup;
	void *ctx;
};

/* Stores a byte of the current word, keeping room for its NUL. */
static int put(struct parser *p, char c)
{
	if (p->out >= SH_TEXT_MAX - 1)
		return SH_PARSE_TOO_LONG;
	p->cmd->text[p->out++] = c;
	return 0;
}

/* Starts a word unless one has begun; there is always room for its NUL. */
static int word_begin(struct parser *p)
{
	if (p->in_word)
		return 0;
	if (p->cmd->argc == SH_WORDS_MAX)
		return SH_PARSE_TOO_MANY;
	if (p->out >= SH_TEXT_MAX)
		return SH_PARSE_TOO_LONG;
	p->cmd->argv[p->cmd->argc++] = &p->cmd->text[p->out];
	p->in_word = true;
	return 0;
}

static void word_end(struct parser *p)
{
	if (!p->in_word)
		return;
	p->cmd->text[p->out++] = '\0'; /* word_begin and put leave room for it */
	p->in_word = false;
}

static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

/*
 * Expands the variable after a '$' (p->s is past the '$'). Starts the word
 * when the value is not empty or `quoted`. Returns 0 or an error.
 */
static int expand(struct parser *p, bool quoted)
{
	const char *name = p->s;
	size_t n = 0;
	if (p->s < p->end && *p->s == '?') {
		n = 1;
		p->s++;
	} else if (p->s < p->end && *p->s == '{') {
		const char *close = memchr(p->s, '}', (size_t)(p->end - p->s));
		if (!close)
			return SH_PARSE_QUOTE;
		name = p->s + 1;
		n = (size_t)(close - name);
		p->s = close + 1;
	} else {
		while (p->s + n < p->end && (n ? is_name_char(p->s[n]) : is_name_start(p->s[n])))
			n++;
		p->s += n;
	}
	int r = 0;
	if (n == 0 && name == p->s) { /* a lone '$' */
		r = word_begin(p);
		return r ? r : put(p, '$');
	}
	const char *v = n ? p->lookup(p->ctx, name, n) : NULL;
	if (quoted || (v && *v))
		r = word_begin(p);
	for (; r == 0 && v && *v; v++)
		r = put(p, *v);
	return r;
}

/* A "..." string (p->s is past the opening quote). */
static int double_quoted(struct parser *p)
{
	int r = word_begin(p);
	while (r == 0) {
		if (p->s == p->end)
			return SH_PARSE_QUOTE;
		char c = *p->s++;
		if (c == '"')
			return 0;
		if (c == '$') {
			r = expand(p, true);
		} else if (c == '\\' && p->s < p->end &&
		           (*p->s == '"' || *p->s == '\\' || *p->s == '$')) {
			r = put(p, *p->s++);
		} else {
			r = put(p, c);
		}
	}
	return r;
}

/* A '...' string (p->s is past the opening quote). */
static int single_quoted(struct parser *p)
{
	const char *close = memchr(p->s, '\'', (size_t)(p->end - p->s));
	if (!close)
		return SH_PARSE_QUOTE;
	int r = word_begin(p);
	while (r == 0 && p->s < close)
		r = put(p, *p->s++);
	p->s = close + 1;
	return r;
}

/* What follows a trailing '&' may only be blanks (or a comment). */
static int after_ampersand(struct parser *p)
{
	while (p->s < p->end && (*p->s == ' ' || *p->s == '\t'))
		p->s++;
	return p->s == p->end || *p->s == '#' ? 0 : SH_PARSE_AMPERSAND;
}

int sh_parse(const char *line, size_t len, struct sh_cmd *cmd, sh_lookup_fn lookup, void *ctx)
{
	struct parser p = { line, line + len, cmd, 0, false, lookup, ctx };
	int r = 0;
	cmd->argc = 0;
	cmd->background = false;
	while (r == 0 && p.s < p.end) {
		char c = *p.s++;
		switch (c) {
		case ' ':
		case '\t':
			word_end(&p);
			break;
		case '\'':
			r = single_quoted(&p);
			break;
		case '"':
			r = double_quoted(&p);
			break;
		case '$':
			r = expand(&p, false);
			break;
		case '\\':
			r = word_begin(&p);
			if (r == 0)
				r = put(&p, p.s < p.end ? *p.s++ : '\\');
			break;
		case '&':
			word_end(&p);
			cmd->background = true;
			r = after_ampersand(&p);
			p.s = p.end;
			break;
		case '|':
		case ';':
		case '<':
		case '>':
			r = SH_PARSE_UNSUPPORTED;
			break;
		default:
			if (c == '#' && !p.in_word) { /* a comment; inside a word, a character */
				p.s = p.end;
				break;
			}
			r = word_begin(&p);
			if (r == 0)
				r = put(&p, c);
		}
	}
	if (r == 0)
		word_end(&p);
	cmd->argv[cmd->argc] = NULL;
	return r;
}

const char *sh_parse_error(int err)
{
	switch (err) {
	case SH_PARSE_QUOTE:
		return "a quote or ${ is not closed";
	case SH_PARSE_TOO_LONG:
		return "the line is too long";
	case SH_PARSE_TOO_MANY:
		return "too many words";
	case SH_PARSE_AMPERSAND:
		return "& can only end the line";
	case SH_PARSE_UNSUPPORTED:
		return "pipes, ';' and redirections are not supported yet";
	default:
		return "bad command line";
	}
}
