/*
 * Host tests of the packed spawn arguments (common/src/spawnargs.c):
 * spawnargs_check() accepts exactly the well-formed blocks, the initial stack
 * has the layout docs/syscalls.md documents with pointers that are right for
 * the given sp, spawnargs_pack() output round-trips through the check, and
 * the packer keeps arguments whole and ahead of the environment.
 * Every block is copied into a heap buffer of exactly its size, so
 * AddressSanitizer catches any read past its end.
 *
 * clang -std=c11 -Wall -Wextra -Werror -g -fsanitize=address,undefined -fno-sanitize-recover=all \
 *   -I common/include -I include -I test/host test/host/test_spawnargs.c \
 *   common/src/spawnargs.c -o /tmp/t && /tmp/t
 */
#include "check.h"
#include <common/spawnargs.h>
#include <iris/abi/errno.h>
#include <iris/abi/syscall.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HDR       sizeof(struct iris_spawn_args)
#define SP_TOP    0x00007fffff000000ull /* where the kernel puts the main stack's top */
#define BLOCK_MAX (IRIS_SPAWN_ARGS_MAX + 64)

/* A block under construction: the header's counts, then raw string bytes. */
struct block {
	uint8_t bytes[BLOCK_MAX];
	size_t len;
};

static void block_init(struct block *b, uint32_t argc, uint32_t envc)
{
	struct iris_spawn_args hdr = { argc, envc };
	memcpy(b->bytes, &hdr, HDR);
	b->len = HDR;
}

/* Appends n raw bytes (no NUL added). */
static void block_raw(struct block *b, const void *s, size_t n)
{
	memcpy(b->bytes + b->len, s, n);
	b->len += n;
}

/* Appends a string with its NUL. */
static void block_str(struct block *b, const char *s)
{
	block_raw(b, s, strlen(s) + 1);
}

/* spawnargs_check on a heap copy of exactly `len` bytes starting `shift` bytes in. */
static int check_shifted(const void *data, size_t len, size_t shift)
{
	uint8_t *copy = malloc(len + shift ? len + shift : 1);
	memcpy(copy + shift, data, len);
	int r = spawnargs_check(copy + shift, len);
	free(copy);
	return r;
}

static int check_len(const struct block *b, size_t len)
{
	return check_shifted(b->bytes, len, 0);
}

static int check_block(const struct block *b)
{
	return check_len(b, b->len);
}

static uint64_t word_at(const uint8_t *buf, size_t index)
{
	uint64_t v;
	memcpy(&v, buf + index * 8, 8);
	return v;
}

static void test_accepts_well_formed(void)
{
	static struct block b;

	block_init(&b, 0, 0); /* no strings at all */
	CHECK(check_block(&b) == 0);

	block_init(&b, 2, 1);
	block_str(&b, "prog");
	block_str(&b, "-v");
	block_str(&b, "HOME=/");
	CHECK(check_block(&b) == 0);
	for (size_t shift = 1; shift < 8; shift++) /* no alignment needed */
		CHECK(check_shifted(b.bytes, b.len, shift) == 0);

	block_init(&b, 1, 2); /* empty strings are strings */
	block_str(&b, "");
	block_str(&b, "");
	block_str(&b, "A=");
	CHECK(check_block(&b) == 0);

	block_init(&b, 0, 1); /* environment only */
	block_str(&b, "X=1");
	CHECK(check_block(&b) == 0);

	/* Bytes above 0x7f are string bytes like any other. */
	block_init(&b, 1, 0);
	block_raw(&b, "\xff\x80\x01", 4);
	CHECK(check_block(&b) == 0);
}

static void test_refuses_wrong_counts(void)
{
	static struct block b;

	block_init(&b, 3, 0); /* three announced, two present */
	block_str(&b, "a");
	block_str(&b, "b");
	CHECK(check_block(&b) == -EINVAL);

	block_init(&b, 1, 0); /* one announced, two present */
	block_str(&b, "a");
	block_str(&b, "b");
	CHECK(check_block(&b) == -EINVAL);

	block_init(&b, 1, 1); /* argc + envc counts, whichever holds the string */
	block_str(&b, "a");
	CHECK(check_block(&b) == -EINVAL);

	block_init(&b, 0, 1);
	CHECK(check_block(&b) == -EINVAL);

	block_init(&b, 1, 0);
	CHECK(check_block(&b) == -EINVAL);

	block_init(&b, 0, 0); /* strings nobody announced */
	block_str(&b, "x");
	CHECK(check_block(&b) == -EINVAL);
}

static void test_refuses_missing_nul_and_garbage(void)
{
	static struct block b;

	block_init(&b, 1, 0);
	block_raw(&b, "abc", 3); /* no NUL */
	CHECK(check_block(&b) == -EINVAL);

	block_init(&b, 2, 0);
	block_str(&b, "abc");
	block_raw(&b, "de", 2); /* the last string runs off the end */
	CHECK(check_block(&b) == -EINVAL);

	block_init(&b, 1, 0);
	block_str(&b, "abc");
	block_raw(&b, "x", 1); /* garbage after the last string */
	CHECK(check_block(&b) == -EINVAL);

	block_init(&b, 1, 0);
	block_str(&b, "abc");
	block_raw(&b, "\0", 1); /* even a lone NUL is one string too many */
	CHECK(check_block(&b) == -EINVAL);

	/* Every truncation of a valid block is refused, every extension too. */
	block_init(&b, 2, 2);
	block_str(&b, "/bin/sh");
	block_str(&b, "-c");
	block_str(&b, "PATH=/bin");
	block_str(&b, "TERM=vt100");
	CHECK(check_block(&b) == 0);
	size_t full = b.len;
	for (size_t len = 0; len < full; len++)
		CHECK(check_len(&b, len) == -EINVAL);
	for (int c = 0; c < 256; c++) {
		b.bytes[full] = (uint8_t)c;
		CHECK(check_len(&b, full + 1) == -EINVAL);
	}
	/* Turning any NUL into a letter merges or unterminates strings. */
	for (size_t i = HDR; i < full; i++) {
		if (b.bytes[i] != 0)
			continue;
		b.bytes[i] = 'x';
		CHECK(check_len(&b, full) == -EINVAL);
		b.bytes[i] = 0;
	}
	/* Turning a letter into a NUL adds a string. */
	b.bytes[HDR + 1] = 0;
	CHECK(check_len(&b, full) == -EINVAL);
}

static void test_refuses_huge_counts(void)
{
	static struct block b;

	block_init(&b, UINT32_MAX, UINT32_MAX); /* the sum must not wrap */
	block_str(&b, "a");
	CHECK(check_block(&b) == -E2BIG);

	block_init(&b, UINT32_MAX, 1);
	CHECK(check_block(&b) == -E2BIG);

	block_init(&b, 1, UINT32_MAX);
	CHECK(check_block(&b) == -E2BIG);

	block_init(&b, 0x80000000u, 0x80000000u); /* sums to 2^32: wraps to 0 in 32 bits */
	CHECK(check_block(&b) == -E2BIG);

	/* Exactly SPAWNARGS_MAX_STRINGS empty strings are fine, one more is not. */
	block_init(&b, SPAWNARGS_MAX_STRINGS / 2, SPAWNARGS_MAX_STRINGS / 2);
	memset(b.bytes + b.len, 0, SPAWNARGS_MAX_STRINGS);
	b.len += SPAWNARGS_MAX_STRINGS;
	CHECK(check_block(&b) == 0);
	block_init(&b, SPAWNARGS_MAX_STRINGS / 2, SPAWNARGS_MAX_STRINGS / 2 + 1);
	memset(b.bytes + b.len, 0, SPAWNARGS_MAX_STRINGS + 1);
	b.len += SPAWNARGS_MAX_STRINGS + 1;
	CHECK(check_block(&b) == -E2BIG);
}

static void test_refuses_bad_lengths(void)
{
	static struct block b;

	block_init(&b, 0, 0);
	for (size_t len = 0; len < HDR; len++)
		CHECK(check_len(&b, len) == -EINVAL);

	/* The largest block: one string filling IRIS_SPAWN_ARGS_MAX. */
	block_init(&b, 1, 0);
	memset(b.bytes + HDR, 'a', IRIS_SPAWN_ARGS_MAX - HDR - 1);
	b.bytes[IRIS_SPAWN_ARGS_MAX - 1] = 0;
	b.len = IRIS_SPAWN_ARGS_MAX;
	CHECK(check_block(&b) == 0);

	/* One byte longer, however well-formed, is refused. */
	block_init(&b, 1, 0);
	memset(b.bytes + HDR, 'a', IRIS_SPAWN_ARGS_MAX - HDR);
	b.bytes[IRIS_SPAWN_ARGS_MAX] = 0;
	b.len = IRIS_SPAWN_ARGS_MAX + 1;
	CHECK(check_block(&b) == -EINVAL);

	/* A huge length is refused before any byte past the header is read. */
	block_init(&b, 0, 0);
	CHECK(spawnargs_check(b.bytes, SIZE_MAX) == -EINVAL);
	CHECK(spawnargs_check(b.bytes, (size_t)IRIS_SPAWN_ARGS_MAX << 8) == -EINVAL);
}

/*
 * Builds the stack for block b with handles hv[nh] at sp = SP_TOP - size and
 * checks every word and string of it against the block.
 */
static void check_stack(const struct block *b, const iris_handle_t *hv, size_t nh)
{
	struct iris_spawn_args hdr;
	memcpy(&hdr, b->bytes, HDR);
	size_t strings = b->len - HDR;
	size_t words = 1 + hdr.argc + 1 + hdr.envc + 1 + 1 + nh;

	size_t size = spawnargs_stack_size(b->bytes, b->len, nh);
	CHECK(size % 16 == 0);
	CHECK(size >= words * 8 + strings && size < words * 8 + strings + 16);

	uint8_t *buf = malloc(size);
	uintptr_t sp = SP_TOP - size;
	memset(buf, 0xa5, size); /* build_stack must overwrite every byte */
	spawnargs_build_stack(b->bytes, b->len, hv, nh, buf, size, sp);

	size_t w = 0;
	CHECK(word_at(buf, w++) == hdr.argc);
	const char *src = (const char *)b->bytes + HDR;
	for (uint32_t k = 0; k < 2; k++) {
		uint32_t n = k == 0 ? hdr.argc : hdr.envc;
		for (uint32_t i = 0; i < n; i++) {
			uint64_t ptr = word_at(buf, w++);
			/* Points into the string area, at the i-th string of its vector. */
			CHECK(ptr >= sp + words * 8 && ptr < sp + size);
			CHECK(ptr ==
			      sp + words * 8 + (uint64_t)(src - ((const char *)b->bytes + HDR)));
			if (ptr >= sp + words * 8 && ptr < sp + size) {
				const char *s = (const char *)buf + (ptr - sp);
				CHECK(memchr(s, '\0', size - (ptr - sp)) != NULL);
				CHECK(strcmp(s, src) == 0);
			}
			src += strlen(src) + 1;
		}
		CHECK(word_at(buf, w++) == 0); /* the vector's NULL */
	}
	CHECK(word_at(buf, w++) == nh);
	for (size_t i = 0; i < nh; i++)
		CHECK(word_at(buf, w++) == (uint64_t)(int64_t)hv[i]);
	CHECK(w == words);
	CHECK(memcmp(buf + words * 8, b->bytes + HDR, strings) == 0);
	for (size_t i = words * 8 + strings; i < size; i++)
		CHECK(buf[i] == 0); /* padding */
	free(buf);
}

static void test_stack_layout(void)
{
	static struct block b;
	const iris_handle_t hv[] = { 1024, 0x7fffffff, 2049, IRIS_HANDLE_INVALID };

	/* The documented example: argc 2, envc 1, three handles. */
	block_init(&b, 2, 1);
	block_str(&b, "a");
	block_str(&b, "bc");
	block_str(&b, "X=1");
	CHECK(spawnargs_stack_size(b.bytes, b.len, 3) == 96); /* 10 words + 9 bytes, rounded */
	check_stack(&b, hv, 3);

	/* By hand, for one layout: every word where docs/syscalls.md says. */
	uint8_t buf[96];
	uintptr_t sp = SP_TOP - sizeof(buf);
	spawnargs_build_stack(b.bytes, b.len, hv, 3, buf, sizeof(buf), sp);
	CHECK(word_at(buf, 0) == 2);
	CHECK(word_at(buf, 1) == sp + 80);
	CHECK(word_at(buf, 2) == sp + 82);
	CHECK(word_at(buf, 3) == 0);
	CHECK(word_at(buf, 4) == sp + 85);
	CHECK(word_at(buf, 5) == 0);
	CHECK(word_at(buf, 6) == 3);
	CHECK(word_at(buf, 7) == 1024);
	CHECK(word_at(buf, 8) == 0x7fffffff);
	CHECK(word_at(buf, 9) == 2049);
	CHECK(memcmp(buf + 80, "a\0bc\0X=1", 9) == 0);

	/* Nothing at all: argc 0, NULL, NULL, 0 handles. */
	block_init(&b, 0, 0);
	CHECK(spawnargs_stack_size(b.bytes, b.len, 0) == 32);
	check_stack(&b, NULL, 0);

	/* A negative handle value is sign-extended to 64 bits. */
	block_init(&b, 1, 0);
	block_str(&b, "x");
	check_stack(&b, hv, 4);

	/* Empty strings and a size that needs no padding. */
	block_init(&b, 3, 0);
	block_str(&b, "");
	block_str(&b, "");
	block_str(&b, "abcdef");
	check_stack(&b, hv, 1);

	/* The largest: every string, every handle. */
	iris_handle_t many[IRIS_SPAWN_HANDLES_MAX];
	for (size_t i = 0; i < IRIS_SPAWN_HANDLES_MAX; i++)
		many[i] = (iris_handle_t)(1024 * (i + 1) + i);
	block_init(&b, SPAWNARGS_MAX_STRINGS - 1, 1);
	for (size_t i = 0; i < SPAWNARGS_MAX_STRINGS; i++)
		block_str(&b, i % 2 ? "odd" : "e");
	CHECK(check_block(&b) == 0);
	check_stack(&b, many, IRIS_SPAWN_HANDLES_MAX);
}

static void test_pack(void)
{
	static struct block b;
	const char *env[] = { "IRIS_CMDLINE=loglevel=debug run=a", "IRIS_MODULES=init a b", "E=" };

	/* Words split on runs of spaces; the environment follows verbatim. */
	long n = spawnargs_pack("  init  one two   ", env, 3, b.bytes, sizeof(b.bytes));
	CHECK(n > 0);
	b.len = (size_t)n;
	CHECK(check_block(&b) == 0);
	struct iris_spawn_args hdr;
	memcpy(&hdr, b.bytes, HDR);
	CHECK(hdr.argc == 3 && hdr.envc == 3);
	static const char expect[] = "init\0one\0two\0IRIS_CMDLINE=loglevel=debug run=a\0"
	                             "IRIS_MODULES=init a b\0E=";
	CHECK((size_t)n == HDR + sizeof(expect));
	CHECK(memcmp(b.bytes + HDR, expect, sizeof(expect)) == 0);
	check_stack(&b, NULL, 0);

	/* Only spaces separate words: a tab is part of one. */
	n = spawnargs_pack("a\tb c", NULL, 0, b.bytes, sizeof(b.bytes));
	CHECK(n == (long)(HDR + 6));
	b.len = (size_t)n;
	memcpy(&hdr, b.bytes, HDR);
	CHECK(hdr.argc == 2 && hdr.envc == 0 && memcmp(b.bytes + HDR, "a\tb\0c", 6) == 0);
	CHECK(check_block(&b) == 0);

	/* Nothing to pack is a header alone. */
	n = spawnargs_pack("   ", NULL, 0, b.bytes, sizeof(b.bytes));
	CHECK(n == (long)HDR);
	b.len = HDR;
	memcpy(&hdr, b.bytes, HDR);
	CHECK(hdr.argc == 0 && hdr.envc == 0 && check_block(&b) == 0);

	/* Every capacity short of the need is refused without writing past it. */
	long need = spawnargs_pack("init one two", env, 3, b.bytes, sizeof(b.bytes));
	CHECK(need > 0);
	for (long cap = 0; cap <= need; cap++) {
		uint8_t *out = malloc(cap ? (size_t)cap : 1);
		long r = spawnargs_pack("init one two", env, 3, out, (size_t)cap);
		CHECK(cap < need ? r == -E2BIG : r == need);
		if (r > 0)
			CHECK(spawnargs_check(out, (size_t)r) == 0);
		free(out);
	}
	uint8_t small[HDR - 1];
	CHECK(spawnargs_pack("", NULL, 0, small, sizeof(small)) == -E2BIG);

	/* A command line that fills IRIS_SPAWN_ARGS_MAX exactly still checks. */
	static char line[IRIS_SPAWN_ARGS_MAX];
	memset(line, 'w', sizeof(line) - HDR - 1);
	line[sizeof(line) - HDR - 1] = '\0';
	n = spawnargs_pack(line, NULL, 0, b.bytes, IRIS_SPAWN_ARGS_MAX);
	CHECK(n == IRIS_SPAWN_ARGS_MAX);
	b.len = (size_t)n;
	CHECK(check_block(&b) == 0);
}

static void test_packer(void)
{
	static struct block b;
	struct spawnargs_packer pk;
	struct iris_spawn_args hdr;

	/* Arguments go in whole, spaces and all; the environment follows them. */
	spawnargs_begin(&pk, b.bytes, sizeof(b.bytes));
	CHECK(spawnargs_add_arg(&pk, "sh", 2) == 0);
	CHECK(spawnargs_add_arg(&pk, "echo a  b", 9) == 0);
	CHECK(spawnargs_add_words(&pk, " x y ") == 0);
	CHECK(spawnargs_add_env(&pk, "HOME=/xyz", 6) == 0);
	/* Once the environment has begun, no argument may follow it. */
	CHECK(spawnargs_add_arg(&pk, "late", 4) == -EINVAL);
	CHECK(spawnargs_add_words(&pk, "late") == -EINVAL);
	long n = spawnargs_end(&pk);
	static const char expect[] = "sh\0echo a  b\0x\0y\0HOME=/";
	CHECK(n == (long)(HDR + sizeof(expect)));
	b.len = (size_t)n;
	memcpy(&hdr, b.bytes, HDR);
	CHECK(hdr.argc == 4 && hdr.envc == 1);
	CHECK(memcmp(b.bytes + HDR, expect, sizeof(expect)) == 0);
	CHECK(check_block(&b) == 0);

	/* A string that does not fit is refused and leaves the block as it was. */
	uint8_t out[HDR + 4];
	spawnargs_begin(&pk, out, sizeof(out));
	CHECK(spawnargs_add_arg(&pk, "abc", 3) == 0);
	CHECK(spawnargs_add_env(&pk, "", 0) == -E2BIG);
	CHECK(spawnargs_add_arg(&pk, "", 0) == -E2BIG);
	CHECK(spawnargs_end(&pk) == (long)sizeof(out));
	memcpy(&hdr, out, HDR);
	CHECK(hdr.argc == 1 && hdr.envc == 0 && spawnargs_check(out, sizeof(out)) == 0);

	/* No room for the header: nothing is written and the end says so. */
	uint8_t tiny[HDR - 1];
	spawnargs_begin(&pk, tiny, sizeof(tiny));
	CHECK(spawnargs_add_arg(&pk, "", 0) == -E2BIG);
	CHECK(spawnargs_end(&pk) == -E2BIG);
}

int main(void)
{
	test_accepts_well_formed();
	test_refuses_wrong_counts();
	test_refuses_missing_nul_and_garbage();
	test_refuses_huge_counts();
	test_refuses_bad_lengths();
	test_stack_layout();
	test_pack();
	test_packer();
	return check_done("spawnargs");
}
