/*
 * Scan codes to key events to bytes (keymap.h). Every table is indexed
 * only after a bounds check, so any byte stream is safe.
 */
#include "keymap.h"
#include <string.h>

#define ESC "\x1b"

/* What the keys 0x00..0x39 type, without and with Shift ('\0': nothing, or a modifier). */
static const char plain[] = "\0" ESC "1234567890-=\x7f\t"
                            "qwertyuiop[]\r\0"
                            "asdfghjkl;'`\0\\"
                            "zxcvbnm,./\0*\0 ";
static const char shifted[] = "\0" ESC "!@#$%^&*()_+\x7f\t"
                              "QWERTYUIOP{}\r\0"
                              "ASDFGHJKL:\"~\0|"
                              "ZXCVBNM<>?\0*\0 ";
_Static_assert(sizeof(plain) == KEY_SPACE + 2 && sizeof(shifted) == sizeof(plain),
               "one byte per key up to Space, and the terminating NUL");

/* Keys that type an escape sequence (and the keypad's, with Num Lock off). */
static const struct {
	uint8_t key;
	const char *seq;
} sequences[] = {
	{ KEY_UP, ESC "[A" },       { KEY_DOWN, ESC "[B" },     { KEY_RIGHT, ESC "[C" },
	{ KEY_LEFT, ESC "[D" },     { KEY_HOME, ESC "[H" },     { KEY_END, ESC "[F" },
	{ KEY_INSERT, ESC "[2~" },  { KEY_DELETE, ESC "[3~" },  { KEY_PGUP, ESC "[5~" },
	{ KEY_PGDN, ESC "[6~" },    { KEY_F1, ESC "OP" },       { KEY_F1 + 1, ESC "OQ" },
	{ KEY_F1 + 2, ESC "OR" },   { KEY_F1 + 3, ESC "OS" },   { KEY_F1 + 4, ESC "[15~" },
	{ KEY_F1 + 5, ESC "[17~" }, { KEY_F1 + 6, ESC "[18~" }, { KEY_F1 + 7, ESC "[19~" },
	{ KEY_F1 + 8, ESC "[20~" }, { KEY_F1 + 9, ESC "[21~" }, { KEY_F11, ESC "[23~" },
	{ KEY_F12, ESC "[24~" },
};

/* The keypad 0x47..0x53: with Num Lock on, and the key it is with Num Lock off (0: none). */
static const char keypad_digit[] = "789-456+1230.";
static const uint8_t keypad_key[] = {
	KEY_HOME, KEY_UP,  KEY_PGUP, 0,        KEY_LEFT,   0,          KEY_RIGHT,
	0,        KEY_END, KEY_DOWN, KEY_PGDN, KEY_INSERT, KEY_DELETE,
};
_Static_assert(sizeof(keypad_key) == KEY_KPDOT - KEY_KP7 + 1 &&
                       sizeof(keypad_digit) == sizeof(keypad_key) + 1,
               "one entry per keypad key");

/* Set 2 codes to set 1 numbers (0: not a key); the E0-prefixed ones without KEY_E0. */
static const uint8_t set2[0x84] = {
	[0x01] = 0x43, [0x03] = 0x3f, [0x04] = 0x3d, [0x05] = 0x3b, [0x06] = 0x3c, [0x07] = 0x58,
	[0x09] = 0x44, [0x0a] = 0x42, [0x0b] = 0x40, [0x0c] = 0x3e, [0x0d] = 0x0f, [0x0e] = 0x29,
	[0x11] = 0x38, [0x12] = 0x2a, [0x14] = 0x1d, [0x15] = 0x10, [0x16] = 0x02, [0x1a] = 0x2c,
	[0x1b] = 0x1f, [0x1c] = 0x1e, [0x1d] = 0x11, [0x1e] = 0x03, [0x21] = 0x2e, [0x22] = 0x2d,
	[0x23] = 0x20, [0x24] = 0x12, [0x25] = 0x05, [0x26] = 0x04, [0x29] = 0x39, [0x2a] = 0x2f,
	[0x2b] = 0x21, [0x2c] = 0x14, [0x2d] = 0x13, [0x2e] = 0x06, [0x31] = 0x31, [0x32] = 0x30,
	[0x33] = 0x23, [0x34] = 0x22, [0x35] = 0x15, [0x36] = 0x07, [0x3a] = 0x32, [0x3b] = 0x24,
	[0x3c] = 0x16, [0x3d] = 0x08, [0x3e] = 0x09, [0x41] = 0x33, [0x42] = 0x25, [0x43] = 0x17,
	[0x44] = 0x18, [0x45] = 0x0b, [0x46] = 0x0a, [0x49] = 0x34, [0x4a] = 0x35, [0x4b] = 0x26,
	[0x4c] = 0x27, [0x4d] = 0x19, [0x4e] = 0x0c, [0x52] = 0x28, [0x54] = 0x1a, [0x55] = 0x0d,
	[0x58] = 0x3a, [0x59] = 0x36, [0x5a] = 0x1c, [0x5b] = 0x1b, [0x5d] = 0x2b, [0x66] = 0x0e,
	[0x69] = 0x4f, [0x6b] = 0x4b, [0x6c] = 0x47, [0x70] = 0x52, [0x71] = 0x53, [0x72] = 0x50,
	[0x73] = 0x4c, [0x74] = 0x4d, [0x75] = 0x48, [0x76] = 0x01, [0x77] = 0x45, [0x78] = 0x57,
	[0x79] = 0x4e, [0x7a] = 0x51, [0x7b] = 0x4a, [0x7c] = 0x37, [0x7d] = 0x49, [0x7e] = 0x46,
	[0x83] = 0x41,
};
static const uint8_t set2_e0[0x80] = {
	[0x11] = 0x38, [0x14] = 0x1d, [0x4a] = 0x35, [0x5a] = 0x1c, [0x69] = 0x4f,
	[0x6b] = 0x4b, [0x6c] = 0x47, [0x70] = 0x52, [0x71] = 0x53, [0x72] = 0x50,
	[0x74] = 0x4d, [0x75] = 0x48, [0x7a] = 0x51, [0x7d] = 0x49,
};

/* Whether `key` is one this decoder knows (so its events are worth reporting). */
static bool key_known(uint8_t key)
{
	switch (key) {
	case KEY_KPENTER:
	case KEY_RCTRL:
	case KEY_KPSLASH:
	case KEY_RALT:
	case KEY_HOME:
	case KEY_UP:
	case KEY_PGUP:
	case KEY_LEFT:
	case KEY_RIGHT:
	case KEY_END:
	case KEY_DOWN:
	case KEY_PGDN:
	case KEY_INSERT:
	case KEY_DELETE:
		return true;
	default:
		return (key >= KEY_ESC && key <= KEY_KPDOT) || key == KEY_F11 || key == KEY_F12;
	}
}

void keymap_init(struct keymap *k, unsigned set)
{
	memset(k, 0, sizeof(*k));
	k->set = set == 1 ? 1 : 2;
	k->num = true;
}

static void forget_prefix(struct keymap *k)
{
	k->e0 = false;
	k->release = false;
	k->skip = 0;
}

/* Set 1: E0 prefixes, E1 starts a Pause half (two more codes), bit 7 is key-up. */
static bool scan_set1(struct keymap *k, uint8_t code, struct keymap_event *ev)
{
	if (code == 0xe0) {
		k->e0 = true;
		return false;
	}
	if (code == 0xe1) {
		k->e0 = false;
		k->skip = 2;
		return false;
	}
	if (k->skip) {
		k->skip--;
		return false;
	}
	ev->key = (uint8_t)((code & 0x7f) | (k->e0 ? KEY_E0 : 0));
	ev->down = !(code & 0x80);
	k->e0 = false;
	return key_known(ev->key);
}

/*
 * Set 2: E0 prefixes, F0 makes the next code a key-up, E1 starts a Pause
 * half (two more codes, not counting F0s).
 */
static bool scan_set2(struct keymap *k, uint8_t code, struct keymap_event *ev)
{
	if (code == 0xe1) {
		k->e0 = false;
		k->release = false;
		k->skip = 2;
		return false;
	}
	if (k->skip) {
		if (code != 0xf0)
			k->skip--;
		return false;
	}
	if (code == 0xe0) {
		k->e0 = true;
		return false;
	}
	if (code == 0xf0) {
		k->release = true;
		return false;
	}
	uint8_t key = 0;
	if (k->e0 && code < sizeof(set2_e0) && set2_e0[code])
		key = (uint8_t)(set2_e0[code] | KEY_E0);
	else if (!k->e0 && code < sizeof(set2))
		key = set2[code];
	ev->key = key;
	ev->down = !k->release;
	k->e0 = false;
	k->release = false;
	return key != 0 && key_known(key);
}

bool keymap_scan(struct keymap *k, uint8_t code, struct keymap_event *ev)
{
	if (code == 0x00 || code == 0xff) {
		forget_prefix(k);
		return false;
	}
	return k->set == 1 ? scan_set1(k, code, ev) : scan_set2(k, code, ev);
}

/* The modifier bit of `key`, or 0. */
static uint8_t modifier(uint8_t key)
{
	switch (key) {
	case KEY_LSHIFT:
		return KEYMAP_LSHIFT;
	case KEY_RSHIFT:
		return KEYMAP_RSHIFT;
	case KEY_LCTRL:
		return KEYMAP_LCTRL;
	case KEY_RCTRL:
		return KEYMAP_RCTRL;
	case KEY_LALT:
		return KEYMAP_LALT;
	case KEY_RALT:
		return KEYMAP_RALT;
	default:
		return 0;
	}
}

/* Copies the escape sequence of `key` into out; its length, or 0 when it has none. */
static size_t sequence(uint8_t key, uint8_t out[KEYMAP_OUT_MAX])
{
	for (size_t i = 0; i < sizeof(sequences) / sizeof(sequences[0]); i++) {
		if (sequences[i].key != key)
			continue;
		size_t n = strlen(sequences[i].seq);
		memcpy(out, sequences[i].seq, n);
		return n;
	}
	return 0;
}

/* The byte a key with a character types under the held modifiers and Caps Lock, or -1. */
static int character(const struct keymap *k, uint8_t key)
{
	bool shift = k->mods & KEYMAP_SHIFT;
	int c;
	if (key == KEY_KPENTER)
		c = '\r';
	else if (key == KEY_KPSLASH)
		c = '/';
	else if (key >= KEY_KP7 && key <= KEY_KPDOT)
		c = keypad_digit[key - KEY_KP7];
	else if (key < sizeof(plain) - 1)
		c = (shift ? shifted : plain)[key];
	else
		return -1;
	if (c == 0)
		return -1;
	if (k->caps && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
		c ^= 0x20;
	if (k->mods & KEYMAP_CTRL) {
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			c &= 0x1f;
		else if (c == '[' || c == '\\' || c == ']')
			c &= 0x1f;
		else if (c == ' ')
			c = 0;
	}
	return c;
}

size_t keymap_key(struct keymap *k, const struct keymap_event *ev, uint8_t out[KEYMAP_OUT_MAX])
{
	uint8_t mod = modifier(ev->key);
	if (mod) {
		k->mods = ev->down ? (uint8_t)(k->mods | mod) : (uint8_t)(k->mods & ~mod);
		return 0;
	}
	if (ev->key == KEY_CAPSLOCK || ev->key == KEY_NUMLOCK) {
		bool *held = ev->key == KEY_CAPSLOCK ? &k->caps_held : &k->num_held;
		bool *on = ev->key == KEY_CAPSLOCK ? &k->caps : &k->num;
		if (ev->down && !*held)
			*on = !*on;
		*held = ev->down;
		return 0;
	}
	if (!ev->down || !key_known(ev->key))
		return 0;
	uint8_t key = ev->key;
	if (key >= KEY_KP7 && key <= KEY_KPDOT && !k->num && keypad_key[key - KEY_KP7])
		key = keypad_key[key - KEY_KP7];
	if (key == KEY_TAB && (k->mods & KEYMAP_SHIFT)) {
		memcpy(out, ESC "[Z", 3);
		return 3;
	}
	size_t n = sequence(key, out);
	if (n)
		return n;
	if (key == KEY_KP5 && !k->num)
		return 0;
	int c = character(k, key);
	if (c < 0)
		return 0;
	if (k->mods & KEYMAP_ALT)
		out[n++] = 0x1b;
	out[n++] = (uint8_t)c;
	return n;
}

size_t keymap_feed(struct keymap *k, uint8_t code, uint8_t out[KEYMAP_OUT_MAX])
{
	struct keymap_event ev;
	return keymap_scan(k, code, &ev) ? keymap_key(k, &ev, out) : 0;
}
