#include <common/printf.h>
#include <stdbool.h>
#include <stdint.h>

/* An output cursor that counts everything but stores only what fits. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void out_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_repeat(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

struct spec {
	bool left, zero, plus, space, alt;
	int width;
	int precision; /* -1 when absent */
};

/* Writes the digits of `v` in `base`, with sign/prefix, precision and padding from `sp`. */
static void out_number(struct out *o, uint64_t v, bool negative, unsigned base, bool upper,
                       const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	while (v) {
		tmp[n++] = digits[v % base];
		v /= base;
	}
	int ndigits = n;
	if (sp->precision < 0 && ndigits == 0)
		ndigits = 1;
	if (sp->precision > ndigits)
		ndigits = sp->precision;

	const char *prefix = "";
	if (negative)
		prefix = "-";
	else if (sp->plus)
		prefix = "+";
	else if (sp->space)
		prefix = " ";
	if (sp->alt && base == 16 && n > 0)
		prefix = upper ? "0X" : "0x";
	if (sp->alt && base == 8 && ndigits <= n)
		ndigits = n + 1;
	int plen = 0;
	while (prefix[plen])
		plen++;

	int pad = sp->width - ndigits - plen;
	bool zero_pad = sp->zero && !sp->left && sp->precision < 0;
	if (!sp->left && !zero_pad)
		out_repeat(o, ' ', pad);
	for (int i = 0; i < plen; i++)
		out_char(o, prefix[i]);
	if (zero_pad)
		out_repeat(o, '0', pad);
	out_repeat(o, '0', ndigits - n);
	while (n > 0)
		out_char(o, tmp[--n]);
	if (sp->left)
		out_repeat(o, ' ', pad);
}

static void out_string(struct out *o, const char *s, const struct spec *sp)
{
	if (!s)
		s = "(null)";
	int len = 0;
	while (s[len] && (sp->precision < 0 || len < sp->precision))
		len++;
	if (!sp->left)
		out_repeat(o, ' ', sp->width - len);
	for (int i = 0; i < len; i++)
		out_char(o, s[i]);
	if (sp->left)
		out_repeat(o, ' ', sp->width - len);
}

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE, LEN_PTRDIFF, LEN_MAX };

static const char *parse_length(const char *f, enum length *len)
{
	*len = LEN_INT;
	switch (*f) {
	case 'h':
		*len = LEN_SHORT;
		if (*++f == 'h') {
			*len = LEN_CHAR;
			f++;
		}
		break;
	case 'l':
		*len = LEN_LONG;
		if (*++f == 'l') {
			*len = LEN_LLONG;
			f++;
		}
		break;
	case 'z':
		*len = LEN_SIZE;
		f++;
		break;
	case 't':
		*len = LEN_PTRDIFF;
		f++;
		break;
	case 'j':
		*len = LEN_MAX;
		f++;
		break;
	}
	return f;
}

static int64_t arg_signed(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_CHAR:
		return (signed char)va_arg(*ap, int);
	case LEN_SHORT:
		return (short)va_arg(*ap, int);
	case LEN_INT:
		return va_arg(*ap, int);
	case LEN_LONG:
		return va_arg(*ap, long);
	case LEN_LLONG:
		return va_arg(*ap, long long);
	case LEN_SIZE:
	case LEN_PTRDIFF:
		return va_arg(*ap, ptrdiff_t);
	case LEN_MAX:
		return va_arg(*ap, intmax_t);
	}
	return 0;
}

static uint64_t arg_unsigned(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_CHAR:
		return (unsigned char)va_arg(*ap, unsigned);
	case LEN_SHORT:
		return (unsigned short)va_arg(*ap, unsigned);
	case LEN_INT:
		return va_arg(*ap, unsigned);
	case LEN_LONG:
		return va_arg(*ap, unsigned long);
	case LEN_LLONG:
		return va_arg(*ap, unsigned long long);
	case LEN_SIZE:
	case LEN_PTRDIFF:
		return va_arg(*ap, size_t);
	case LEN_MAX:
		return va_arg(*ap, uintmax_t);
	}
	return 0;
}

/* Parses flags, width and precision after '%'; returns the position of the length modifier. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .precision = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '+')
			sp->plus = true;
		else if (*f == ' ')
			sp->space = true;
		else if (*f == '#')
			sp->alt = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = sp->width == INT32_MIN ? 0 : -sp->width;
		}
		f++;
	} else {
		while (*f >= '0' && *f <= '9') {
			if (sp->width < 100000)
				sp->width = sp->width * 10 + (*f - '0');
			f++;
		}
	}
	if (*f == '.') {
		f++;
		sp->precision = 0;
		if (*f == '*') {
			sp->precision = va_arg(*ap, int);
			if (sp->precision < 0)
				sp->precision = -1;
			f++;
		} else {
			while (*f >= '0' && *f <= '9') {
				if (sp->precision < 100000)
					sp->precision = sp->precision * 10 + (*f - '0');
				f++;
			}
		}
	}
	return f;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
	struct out o = { buf, size, 0 };
	va_list ap;
	va_copy(ap, ap_in);

	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			out_char(&o, *f);
			continue;
		}
		struct spec sp;
		enum length len;
		f = parse_spec(f + 1, &sp, &ap);
		f = parse_length(f, &len);
		switch (*f) {
		case 'd':
		case 'i': {
			int64_t v = arg_signed(&ap, len);
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			out_number(&o, mag, v < 0, 10, false, &sp);
			break;
		}
		case 'u':
			out_number(&o, arg_unsigned(&ap, len), false, 10, false, &sp);
			break;
		case 'x':
		case 'X':
			out_number(&o, arg_unsigned(&ap, len), false, 16, *f == 'X', &sp);
			break;
		case 'o':
			out_number(&o, arg_unsigned(&ap, len), false, 8, false, &sp);
			break;
		case 'p':
			sp.alt = true;
			out_number(&o, (uintptr_t)va_arg(ap, void *), false, 16, false, &sp);
			break;
		case 'c':
			sp.precision = -1;
			out_repeat(&o, ' ', sp.left ? 0 : sp.width - 1);
			out_char(&o, (char)va_arg(ap, int));
			out_repeat(&o, ' ', sp.left ? sp.width - 1 : 0);
			break;
		case 's':
			out_string(&o, va_arg(ap, const char *), &sp);
			break;
		case '%':
			out_char(&o, '%');
			break;
		case '\0':
			f--; /* a lone '%' at the end: stop at the terminator */
			break;
		default:
			/* Unknown conversion: print it as written, consume nothing. */
			out_char(&o, '%');
			out_char(&o, *f);
			break;
		}
	}
	va_end(ap);
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > INT32_MAX ? INT32_MAX : (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
