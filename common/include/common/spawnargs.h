/*
 * The packed arguments of SYS_PROCESS_SPAWN (struct iris_spawn_args, then
 * argc + envc NUL-terminated strings) and the initial stack built from them.
 * Pure functions: the packed block is untrusted and checked before use.
 */
#pragma once

#include <iris/abi/handle.h>
#include <iris/abi/syscall.h>
#include <stddef.h>
#include <stdint.h>

#define SPAWNARGS_MAX_STRINGS 4096

/* Returns 0 if args[0, len) is well-formed, else -EINVAL (or -E2BIG for too many strings). */
int spawnargs_check(const void *args, size_t len);

/* Bytes of initial stack for checked `args` and `nhandles` handles (a multiple of 16). */
size_t spawnargs_stack_size(const void *args, size_t len, size_t nhandles);

/*
 * Writes the initial stack into buf[0, size) (size from spawnargs_stack_size),
 * which will live at user address `sp` (16-byte aligned): argc, argv[],
 * NULL, envp[], NULL, nhandles, handles[], then the strings.
 */
void spawnargs_build_stack(const void *args, size_t len, const iris_handle_t *handles,
                           size_t nhandles, uint8_t *buf, size_t size, uintptr_t sp);

/*
 * A block being packed into out[0, cap): the strings written so far end at
 * `pos`, counted in `hdr`, which spawnargs_end() writes at the front. The
 * kernel (the first program's arguments) and libc (every spawn) pack with it.
 */
struct spawnargs_packer {
	char *out;
	size_t cap, pos;
	struct iris_spawn_args hdr;
};

/* Starts an empty block in out[0, cap); nothing is written until a string fits. */
void spawnargs_begin(struct spawnargs_packer *pk, void *out, size_t cap);

/*
 * Appends s[0, n) and a NUL as the next argument: 0, -E2BIG if it does not
 * fit, -EINVAL once an environment string has been added (arguments first).
 */
int spawnargs_add_arg(struct spawnargs_packer *pk, const char *s, size_t n);

/* Appends each word of `line` (separated by spaces only) as an argument, as spawnargs_add_arg. */
int spawnargs_add_words(struct spawnargs_packer *pk, const char *line);

/* Appends s[0, n) and a NUL as the next environment string: 0 or -E2BIG. */
int spawnargs_add_env(struct spawnargs_packer *pk, const char *s, size_t n);

/* Writes the header; returns the block's length, or -E2BIG if not even the header fits. */
long spawnargs_end(struct spawnargs_packer *pk);

/*
 * Packs `line` (words separated by spaces become argv) and the `envc`
 * strings of `env` into out[cap]. Returns the packed length, or -E2BIG.
 */
long spawnargs_pack(const char *line, const char *const *env, size_t envc, void *out, size_t cap);
