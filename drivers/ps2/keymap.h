/*
 * PS/2 keyboard scan codes to key events to bytes, the way a terminal
 * sends them (US layout). Pure: no system calls, no Iris headers, so it is
 * a host unit test and a fuzz target (test/host/test_keymap.c,
 * fuzz_keymap.c).
 *
 * Keys are numbered as scan code set 1 make codes, with KEY_E0 added for
 * the E0-prefixed ones; set 2 codes are turned into those numbers (what an
 * i8042 with translation on does). A key event is a key going down (again
 * on typematic repeat) or up. Then:
 *   - letters, digits, punctuation: ASCII, Shift for the upper signs, Caps
 *     Lock for the letters only (Shift with Caps Lock gives lower case);
 *   - Ctrl with a letter: 0x01..0x1a (Ctrl-C 0x03, Ctrl-D 0x04); with
 *     [ \ ] and Space: 0x1b, 0x1c, 0x1d, 0x00; Alt: ESC before the byte;
 *   - Enter and keypad Enter: '\r' (as a terminal sends it); Backspace:
 *     0x7f; Tab: '\t', Shift-Tab: ESC [ Z; Esc: 0x1b;
 *   - arrows ESC [ A/B/C/D, Home ESC [ H, End ESC [ F, Insert ESC [ 2 ~,
 *     Delete ESC [ 3 ~, Page Up/Down ESC [ 5 ~ / 6 ~, F1..F4 ESC O P..S,
 *     F5..F12 ESC [ 15 ~ .. 24 ~ (xterm's);
 *   - the keypad: digits and '.' with Num Lock on (it starts on), else the
 *     keys printed under them; / * - + always.
 * Key-ups, modifiers and lock keys give no bytes. Pause (E1 sequences),
 * Print Screen, the E0-prefixed "fake shifts", keyboard answers (ACK,
 * BAT) and anything unknown are ignored; 0x00 and 0xff (the keyboard's
 * errors) also forget a prefix half received.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEYMAP_OUT_MAX 8 /* bytes one key event gives at most */

#define KEY_E0 0x80 /* added to the set 1 code of an E0-prefixed key */

enum {
	KEY_ESC = 0x01,
	KEY_BACKSPACE = 0x0e,
	KEY_TAB = 0x0f,
	KEY_ENTER = 0x1c,
	KEY_LCTRL = 0x1d,
	KEY_LSHIFT = 0x2a,
	KEY_RSHIFT = 0x36,
	KEY_KPASTERISK = 0x37,
	KEY_LALT = 0x38,
	KEY_SPACE = 0x39,
	KEY_CAPSLOCK = 0x3a,
	KEY_F1 = 0x3b, /* .. KEY_F10 = 0x44 */
	KEY_NUMLOCK = 0x45,
	KEY_SCROLLLOCK = 0x46,
	KEY_KP7 = 0x47, /* the keypad: 0x47..0x53 */
	KEY_KP8 = 0x48,
	KEY_KP9 = 0x49,
	KEY_KPMINUS = 0x4a,
	KEY_KP4 = 0x4b,
	KEY_KP5 = 0x4c,
	KEY_KP6 = 0x4d,
	KEY_KPPLUS = 0x4e,
	KEY_KP1 = 0x4f,
	KEY_KP2 = 0x50,
	KEY_KP3 = 0x51,
	KEY_KP0 = 0x52,
	KEY_KPDOT = 0x53,
	KEY_F11 = 0x57,
	KEY_F12 = 0x58,
	KEY_KPENTER = KEY_E0 | 0x1c,
	KEY_RCTRL = KEY_E0 | 0x1d,
	KEY_KPSLASH = KEY_E0 | 0x35,
	KEY_RALT = KEY_E0 | 0x38,
	KEY_HOME = KEY_E0 | 0x47,
	KEY_UP = KEY_E0 | 0x48,
	KEY_PGUP = KEY_E0 | 0x49,
	KEY_LEFT = KEY_E0 | 0x4b,
	KEY_RIGHT = KEY_E0 | 0x4d,
	KEY_END = KEY_E0 | 0x4f,
	KEY_DOWN = KEY_E0 | 0x50,
	KEY_PGDN = KEY_E0 | 0x51,
	KEY_INSERT = KEY_E0 | 0x52,
	KEY_DELETE = KEY_E0 | 0x53,
};

/* Modifier keys held (struct keymap.mods). */
#define KEYMAP_LSHIFT (1u << 0)
#define KEYMAP_RSHIFT (1u << 1)
#define KEYMAP_LCTRL  (1u << 2)
#define KEYMAP_RCTRL  (1u << 3)
#define KEYMAP_LALT   (1u << 4)
#define KEYMAP_RALT   (1u << 5)
#define KEYMAP_SHIFT  (KEYMAP_LSHIFT | KEYMAP_RSHIFT)
#define KEYMAP_CTRL   (KEYMAP_LCTRL | KEYMAP_RCTRL)
#define KEYMAP_ALT    (KEYMAP_LALT | KEYMAP_RALT)

struct keymap_event {
	uint8_t key; /* KEY_* (a set 1 code, KEY_E0 for E0-prefixed keys) */
	bool down;   /* pressed (or repeated); false: released */
};

struct keymap {
	unsigned set;   /* scan code set: 1 or 2 */
	bool e0;        /* an E0 came: the next code is an E0-prefixed key */
	bool release;   /* set 2: an F0 came: the next code is a key-up */
	uint8_t skip;   /* codes of a Pause sequence still to swallow */
	uint8_t mods;   /* KEYMAP_* modifier keys held */
	bool caps, num; /* Caps Lock and Num Lock on */
	bool caps_held; /* the Caps Lock key is down: its repeats toggle nothing */
	bool num_held;  /* likewise Num Lock */
};

/* A decoder for scan code set `set` (1, or 2 for anything else), no key held, Num Lock on. */
void keymap_init(struct keymap *k, unsigned set);

/* Takes one byte from the keyboard; true with *ev filled when it ends a key event. */
bool keymap_scan(struct keymap *k, uint8_t code, struct keymap_event *ev);

/*
 * Applies a key event (modifiers, locks) and writes the bytes it types into
 * out[0..KEYMAP_OUT_MAX); returns how many (0 for key-ups, modifiers,
 * unknown keys).
 */
size_t keymap_key(struct keymap *k, const struct keymap_event *ev, uint8_t out[KEYMAP_OUT_MAX]);

/* keymap_scan, then keymap_key: the bytes one scan code byte types. */
size_t keymap_feed(struct keymap *k, uint8_t code, uint8_t out[KEYMAP_OUT_MAX]);
