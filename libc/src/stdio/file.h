/* The FILE structure, shared by libc's stdio sources. */
#pragma once

#include <stddef.h>
#include <stdio.h>

#define FILE_ERROR (1u << 0)
#define FILE_EOF   (1u << 1)

struct libc_file {
	int lock;       /* libc_lock word, held across each stdio call */
	int mode;       /* _IOFBF, _IOLBF or _IONBF */
	unsigned flags; /* FILE_ERROR, FILE_EOF */
	char *buf;      /* output buffer of `size` bytes, `len` of them waiting */
	size_t size, len;
	/* Input read ahead: in[in_pos..in_len) of in_size bytes; in NULL: a byte at a time. */
	unsigned char *in;
	size_t in_size, in_pos, in_len;
	FILE *tie; /* flushed before each write to, or read from, this stream (stderr, stdin:
	              stdout) */
	/* Output: writes some of buf, returning how much, or -errno; NULL: not writable. */
	long (*sink)(const void *buf, size_t len);
	/*
	 * Input: reads up to len bytes, returning how many (0 at the end) or -errno; NULL: none.
	 * stdin's is attached at startup by stdio/console.c.
	 */
	long (*source)(void *buf, size_t len);
};

/*
 * Writes n bytes to f, which the caller holds locked, through its buffer
 * according to its mode. Returns 0, or EOF with FILE_ERROR set if the
 * backend failed (bytes may have been lost).
 */
int file_write_locked(FILE *f, const void *p, size_t n);
