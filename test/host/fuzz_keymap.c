/*
 * libFuzzer target: arbitrary bytes as a PS/2 keyboard's scan codes
 * (drivers/ps2/keymap.c); the first byte picks the set (odd: 1, even: 2).
 * The oracle:
 *  - no key event gives more than KEYMAP_OUT_MAX bytes, key-ups and
 *    modifier keys give none, and every byte is 7-bit ASCII;
 *  - the modifier state is what the events say: a modifier's bit is set
 *    exactly when its last event was a key-down, and Caps Lock and Num
 *    Lock toggle only on a key-down that is not a repeat;
 *  - keymap_feed types exactly what keymap_scan then keymap_key does;
 *  - after the keyboard's error code (0xff) and the key-ups of every
 *    modifier, nothing is held any more.
 * A broken promise traps.
 *
 * clang -std=c11 -Wall -Wextra -Werror -g -fsanitize=fuzzer,address,undefined \
 *   -fno-sanitize-recover=all test/host/fuzz_keymap.c drivers/ps2/keymap.c \
 *   -o /tmp/fuzz_keymap && /tmp/fuzz_keymap -max_total_time=60
 */
#include "../../drivers/ps2/keymap.h"
#include <string.h>

#define FUZZ_REACHED_MIN 1000
#include "fuzz_reached.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expect(bool cond)
{
	if (!cond)
		__builtin_trap();
}

static const struct {
	uint8_t key, bit;
} modifiers[] = {
	{ KEY_LSHIFT, KEYMAP_LSHIFT }, { KEY_RSHIFT, KEYMAP_RSHIFT }, { KEY_LCTRL, KEYMAP_LCTRL },
	{ KEY_RCTRL, KEYMAP_RCTRL },   { KEY_LALT, KEYMAP_LALT },     { KEY_RALT, KEYMAP_RALT },
};

/* The key-ups of every modifier, per set, after the error code that forgets any prefix. */
static const uint8_t release_set1[] = { 0xff, 0xaa, 0xb6, 0x9d, 0xe0, 0x9d, 0xb8, 0xe0, 0xb8 };
static const uint8_t release_set2[] = { 0xff, 0xf0, 0x12, 0xf0, 0x59, 0xf0, 0x14, 0xe0,
	                                0xf0, 0x14, 0xf0, 0x11, 0xe0, 0xf0, 0x11 };

/* What the state should be, from the events alone. */
struct model {
	uint8_t mods;
	bool caps, num, caps_held, num_held;
};

static void model_apply(struct model *m, const struct keymap_event *ev, size_t typed)
{
	bool modifier = false;
	for (size_t i = 0; i < sizeof(modifiers) / sizeof(modifiers[0]); i++) {
		if (modifiers[i].key != ev->key)
			continue;
		modifier = true;
		m->mods = ev->down ? (uint8_t)(m->mods | modifiers[i].bit)
		                   : (uint8_t)(m->mods & ~modifiers[i].bit);
	}
	if (ev->key == KEY_CAPSLOCK) {
		if (ev->down && !m->caps_held)
			m->caps = !m->caps;
		m->caps_held = ev->down;
	}
	if (ev->key == KEY_NUMLOCK) {
		if (ev->down && !m->num_held)
			m->num = !m->num;
		m->num_held = ev->down;
	}
	if (!ev->down || modifier || ev->key == KEY_CAPSLOCK || ev->key == KEY_NUMLOCK)
		expect(typed == 0);
}

/* Feeds one byte to both decoders and checks everything above; returns the model's mods. */
static void step(struct keymap *k, struct keymap *fed, struct model *m, uint8_t code)
{
	uint8_t out[KEYMAP_OUT_MAX + 8], fed_out[KEYMAP_OUT_MAX + 8];
	memset(out, 0xaa, sizeof(out));
	struct keymap_event ev;
	size_t n = 0;
	if (keymap_scan(k, code, &ev)) {
		n = keymap_key(k, &ev, out);
		model_apply(m, &ev, n);
	}
	expect(n <= KEYMAP_OUT_MAX);
	for (size_t i = KEYMAP_OUT_MAX; i < sizeof(out); i++)
		expect(out[i] == 0xaa);
	for (size_t i = 0; i < n; i++)
		expect(out[i] < 0x80);
	if (n > 0)
		fuzz_reached(); /* a key typed something */
	size_t fed_n = keymap_feed(fed, code, fed_out);
	expect(fed_n == n && memcmp(fed_out, out, n) == 0);
	expect(memcmp(fed, k, sizeof(*k)) == 0);
	expect(k->mods == m->mods && k->caps == m->caps && k->num == m->num);
	expect(k->skip <= 2 && (k->set == 1 || k->set == 2));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	unsigned set = data[0] & 1 ? 1 : 2;
	struct keymap k, fed;
	keymap_init(&k, set);
	keymap_init(&fed, set);
	struct model m = { .num = true };
	for (size_t i = 1; i < size; i++)
		step(&k, &fed, &m, data[i]);
	const uint8_t *rel = set == 1 ? release_set1 : release_set2;
	size_t nrel = set == 1 ? sizeof(release_set1) : sizeof(release_set2);
	for (size_t i = 0; i < nrel; i++)
		step(&k, &fed, &m, rel[i]);
	expect(k.mods == 0 && !k.e0 && !k.release && k.skip == 0);
	return 0;
}
