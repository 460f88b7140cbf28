/* Streams: the three standard ones, buffered output, and reading. */
#include "file.h"
#include "../internal.h"
#include <errno.h>
#include <string.h>

static char stdout_buf[BUFSIZ], stderr_buf[BUFSIZ];
static unsigned char stdin_buf[BUFSIZ];

static FILE stdout_file = {
	.mode = _IOLBF, .buf = stdout_buf, .size = sizeof(stdout_buf), .sink = libc_console_write
};
/* stderr shares the console with stdout: flushing stdout first keeps their output in order. */
static FILE stderr_file = { .mode = _IONBF,
	                    .buf = stderr_buf,
	                    .size = sizeof(stderr_buf),
	                    .tie = &stdout_file,
	                    .sink = libc_console_write };

/*
 * stdin reads ahead into its buffer (a cooked line at a time on a terminal).
 * Its source is attached at startup by stdio/console.c; without one it is at
 * its end. Reading it first flushes stdout, so a prompt shows before input.
 */
static FILE stdin_file = {
	.mode = _IONBF, .in = stdin_buf, .in_size = sizeof(stdin_buf), .tie = &stdout_file
};
FILE *stdin = &stdin_file;
FILE *stdout = &stdout_file;
FILE *stderr = &stderr_file;

static FILE *const all_files[] = { &stdin_file, &stdout_file, &stderr_file };

/* Hands n bytes straight to the backend, retrying short writes. */
static int write_through(FILE *f, const char *p, size_t n)
{
	while (n) {
		long r = f->sink(p, n);
		if (r <= 0) {
			f->flags |= FILE_ERROR;
			errno = r < 0 ? (int)-r : EIO;
			return EOF;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Writes out what is buffered; the buffer is empty afterwards even on failure. */
static int flush_locked(FILE *f)
{
	size_t n = f->len;
	f->len = 0;
	return n ? write_through(f, f->buf, n) : 0;
}

int file_write_locked(FILE *f, const void *p, size_t n)
{
	if (!f->sink) {
		f->flags |= FILE_ERROR;
		errno = EBADF;
		return EOF;
	}
	if (f->tie && f->tie->len)
		fflush(f->tie);
	if (f->mode == _IONBF || n >= f->size) {
		if (flush_locked(f))
			return EOF;
		return write_through(f, p, n);
	}
	if (n > f->size - f->len && flush_locked(f))
		return EOF;
	memcpy(f->buf + f->len, p, n);
	f->len += n;
	if (f->len == f->size || (f->mode == _IOLBF && memchr(p, '\n', n)))
		return flush_locked(f);
	return 0;
}

int fflush(FILE *f)
{
	if (!f) {
		int r = 0;
		for (size_t i = 0; i < sizeof(all_files) / sizeof(all_files[0]); i++) {
			if (fflush(all_files[i]))
				r = EOF;
		}
		return r;
	}
	libc_lock(&f->lock);
	int r = f->sink ? flush_locked(f) : 0;
	libc_unlock(&f->lock);
	return r;
}

int setvbuf(FILE *restrict f, char *restrict buf, int mode, size_t size)
{
	if ((mode != _IOFBF && mode != _IOLBF && mode != _IONBF) || (buf && size == 0)) {
		errno = EINVAL;
		return -1;
	}
	libc_lock(&f->lock);
	int r = f->sink ? flush_locked(f) : 0;
	if (buf) {
		f->buf = buf;
		f->size = size;
	}
	f->mode = mode;
	libc_unlock(&f->lock);
	return r ? -1 : 0;
}

int fputc(int c, FILE *f)
{
	unsigned char byte = (unsigned char)c;
	libc_lock(&f->lock);
	int r = file_write_locked(f, &byte, 1);
	libc_unlock(&f->lock);
	return r ? EOF : byte;
}

int putc(int c, FILE *f)
{
	return fputc(c, f);
}

int putchar(int c)
{
	return fputc(c, stdout);
}

int fputs(const char *restrict s, FILE *restrict f)
{
	libc_lock(&f->lock);
	int r = file_write_locked(f, s, strlen(s));
	libc_unlock(&f->lock);
	return r ? EOF : 0;
}

int puts(const char *s)
{
	FILE *f = stdout;
	libc_lock(&f->lock);
	int r = file_write_locked(f, s, strlen(s));
	if (!r)
		r = file_write_locked(f, "\n", 1);
	libc_unlock(&f->lock);
	return r ? EOF : 0;
}

/* All-or-nothing per call: returns count, or 0 when the stream failed. */
size_t fwrite(const void *restrict buf, size_t size, size_t count, FILE *restrict f)
{
	size_t n;
	if (size == 0 || count == 0)
		return 0;
	if (__builtin_mul_overflow(size, count, &n)) {
		errno = EINVAL;
		return 0;
	}
	libc_lock(&f->lock);
	int r = file_write_locked(f, buf, n);
	libc_unlock(&f->lock);
	return r ? 0 : count;
}

/*
 * Reads one byte from f (locked), refilling its read-ahead buffer from the
 * source. EOF at the end of input (which sticks until clearerr), or with
 * *error set on failure.
 */
static int getc_locked(FILE *f, bool *error)
{
	if (f->in_pos < f->in_len)
		return f->in[f->in_pos++];
	if (f->flags & FILE_EOF)
		return EOF;
	unsigned char byte;
	long r = 0;
	if (f->source) {
		if (f->tie && f->tie->len)
			fflush(f->tie);
		r = f->in ? f->source(f->in, f->in_size) : f->source(&byte, 1);
	}
	if (r > 0 && f->in) {
		f->in_pos = 1;
		f->in_len = (size_t)r;
		return f->in[0];
	}
	if (r > 0)
		return byte;
	if (r < 0) {
		f->flags |= FILE_ERROR;
		errno = (int)-r;
		*error = true;
	} else {
		f->flags |= FILE_EOF;
	}
	return EOF;
}

int fgetc(FILE *f)
{
	bool error = false;
	libc_lock(&f->lock);
	int c = getc_locked(f, &error);
	libc_unlock(&f->lock);
	return c;
}

int getc(FILE *f)
{
	return fgetc(f);
}

int getchar(void)
{
	return fgetc(stdin);
}

/* Returns NULL at the end of input with nothing read, or on a read error. */
char *fgets(char *restrict s, int size, FILE *restrict f)
{
	bool error = false;
	int n = 0;
	if (size <= 0)
		return NULL;
	libc_lock(&f->lock);
	while (n < size - 1) {
		int c = getc_locked(f, &error);
		if (c == EOF)
			break;
		s[n++] = (char)c;
		if (c == '\n')
			break;
	}
	libc_unlock(&f->lock);
	if (n == 0 || error)
		return NULL;
	s[n] = '\0';
	return s;
}

size_t fread(void *restrict buf, size_t size, size_t count, FILE *restrict f)
{
	size_t n, got = 0;
	if (size == 0 || count == 0)
		return 0;
	if (__builtin_mul_overflow(size, count, &n)) {
		errno = EINVAL;
		return 0;
	}
	bool error = false;
	libc_lock(&f->lock);
	for (int c; got < n && (c = getc_locked(f, &error)) != EOF; got++)
		((unsigned char *)buf)[got] = (unsigned char)c;
	libc_unlock(&f->lock);
	return got / size;
}

int feof(FILE *f)
{
	libc_lock(&f->lock);
	int r = (f->flags & FILE_EOF) != 0;
	libc_unlock(&f->lock);
	return r;
}

int ferror(FILE *f)
{
	libc_lock(&f->lock);
	int r = (f->flags & FILE_ERROR) != 0;
	libc_unlock(&f->lock);
	return r;
}

void clearerr(FILE *f)
{
	libc_lock(&f->lock);
	f->flags = 0;
	libc_unlock(&f->lock);
}
