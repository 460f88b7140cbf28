/*
 * libFuzzer target: arbitrary bytes as the packed arguments of
 * SYS_PROCESS_SPAWN. spawnargs_check() must refuse with -EINVAL or -E2BIG,
 * or accept a block whose initial stack, built into a buffer of exactly the
 * size spawnargs_stack_size() asks for, has every vector pointer inside the
 * buffer's string area, at a NUL-terminated copy of the right string. The
 * number of handles comes from the input's length, their values from its
 * bytes. A broken promise traps.
 *
 * clang -std=c11 -Wall -Wextra -Werror -g -fsanitize=fuzzer,address,undefined \
 *   -fno-sanitize-recover=all -I common/include -I include test/host/fuzz_spawnargs.c \
 *   common/src/spawnargs.c -o /tmp/fuzz_spawnargs && \
 *   /tmp/fuzz_spawnargs -max_total_time=60 -max_len=70000
 */
#include <common/spawnargs.h>
#include <iris/abi/errno.h>
#include <iris/abi/syscall.h>

#define FUZZ_REACHED_MIN 1000
#include "fuzz_reached.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SP_TOP 0x00007fffff000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expect(bool cond)
{
	if (!cond)
		__builtin_trap();
}

static uint64_t word_at(const uint8_t *buf, size_t index)
{
	uint64_t v;
	memcpy(&v, buf + index * 8, 8);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int r = spawnargs_check(data, size);
	if (r != 0) {
		expect(r == -EINVAL || r == -E2BIG);
		return 0;
	}

	struct iris_spawn_args hdr;
	memcpy(&hdr, data, sizeof(hdr));
	const char *src = (const char *)data + sizeof(hdr);
	size_t strings = size - sizeof(hdr);
	expect((uint64_t)hdr.argc + hdr.envc <= SPAWNARGS_MAX_STRINGS);

	iris_handle_t hv[IRIS_SPAWN_HANDLES_MAX];
	size_t nh = size % (IRIS_SPAWN_HANDLES_MAX + 1);
	for (size_t i = 0; i < nh; i++) {
		int32_t v; /* size >= 8 here, so these 4 bytes are inside the input */
		memcpy(&v, data + (i * 4) % (size - 3), 4);
		hv[i] = v;
	}

	size_t words = 1 + hdr.argc + 1 + hdr.envc + 1 + 1 + nh;
	size_t stack = spawnargs_stack_size(data, size, nh);
	expect(stack % 16 == 0 && stack >= words * 8 + strings && stack < words * 8 + strings + 16);

	uint8_t *buf = malloc(stack); /* exactly: AddressSanitizer sees any write past it */
	expect(buf != NULL);
	uintptr_t sp = SP_TOP - stack;
	spawnargs_build_stack(data, size, hv, nh, buf, stack, sp);

	uintptr_t area = sp + words * 8, area_end = area + strings;
	size_t w = 0;
	expect(word_at(buf, w++) == hdr.argc);
	for (uint32_t k = 0; k < 2; k++) {
		uint32_t n = k == 0 ? hdr.argc : hdr.envc;
		for (uint32_t i = 0; i < n; i++) {
			uint64_t ptr = word_at(buf, w++);
			expect(ptr >= area && ptr < area_end);
			const char *s = (const char *)buf + (ptr - sp);
			size_t room = area_end - ptr;
			expect(memchr(s, '\0', room) != NULL); /* terminated inside the area */
			expect(ptr - area == (uint64_t)(src - ((const char *)data + sizeof(hdr))));
			expect(strcmp(s, src) == 0);
			src += strlen(src) + 1;
		}
		expect(word_at(buf, w++) == 0);
	}
	expect(src == (const char *)data + size); /* the vectors used every string */
	expect(word_at(buf, w++) == nh);
	for (size_t i = 0; i < nh; i++)
		expect(word_at(buf, w++) == (uint64_t)(int64_t)hv[i]);
	expect(w == words);
	for (size_t i = words * 8 + strings; i < stack; i++)
		expect(buf[i] == 0);
	free(buf);
	fuzz_reached();
	return 0;
}
