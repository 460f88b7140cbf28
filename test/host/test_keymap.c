/*
 * Host unit test of the PS/2 keyboard decoder (drivers/ps2/keymap.c): scan
 * code sets 1 and 2 typing the same text, Shift, Caps Lock, Ctrl, Alt, the
 * escape sequences of the editing keys, the keypad with and without Num
 * Lock, typematic repeats, and what is ignored (key-ups, fake shifts,
 * Pause, keyboard answers, garbage).
 */
#include "../../drivers/ps2/keymap.h"
#include "check.h"
#include <string.h>

static struct keymap k;
static char typed[256];
static size_t ntyped;

/* Feeds codes[0..n) and collects what they type in `typed` (NUL-terminated). */
static void feed(const uint8_t *codes, size_t n)
{
	ntyped = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t out[KEYMAP_OUT_MAX];
		size_t m = keymap_feed(&k, codes[i], out);
		if (ntyped + m < sizeof(typed)) {
			memcpy(typed + ntyped, out, m);
			ntyped += m;
		}
	}
	typed[ntyped] = '\0';
}

#define FEED(...)                                         \
	do {                                              \
		const uint8_t codes_[] = { __VA_ARGS__ }; \
		feed(codes_, sizeof(codes_));             \
	} while (0)

/* Whether the last FEED typed exactly want[0..n). */
static int typed_is(const char *want, size_t n)
{
	if (ntyped == n && memcmp(typed, want, n) == 0)
		return 1;
	printf("# typed %zu bytes:", ntyped);
	for (size_t i = 0; i < ntyped; i++)
		printf(" %02x", (unsigned char)typed[i]);
	printf("\n");
	return 0;
}
#define TYPED(s) typed_is(s, sizeof(s) - 1)

static void test_set1_text(void)
{
	keymap_init(&k, 1);
	/* h i Space Shift-1 Enter, each pressed and released */
	FEED(0x23, 0xa3, 0x17, 0x97, 0x39, 0xb9, 0x2a, 0x02, 0x82, 0xaa, 0x1c, 0x9c);
	CHECK(TYPED("hi !\r"));
	CHECK(k.mods == 0);
	/* every printable sign of the main block, unshifted then shifted */
	FEED(0x29, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1a,
	     0x1b, 0x2b, 0x27, 0x28, 0x33, 0x34, 0x35);
	CHECK(TYPED("`1234567890-=[]\\;',./"));
	FEED(0x36, 0x29, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
	     0x1a, 0x1b, 0x2b, 0x27, 0x28, 0x33, 0x34, 0x35, 0xb6);
	CHECK(TYPED("~!@#$%^&*()_+{}|:\"<>?"));
	FEED(0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1e, 0x1f, 0x20, 0x21,
	     0x22, 0x23, 0x24, 0x25, 0x26, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32);
	CHECK(TYPED("qwertyuiopasdfghjklzxcvbnm"));
	FEED(KEY_BACKSPACE, KEY_TAB, KEY_ESC, KEY_ENTER, 0xe0, 0x1c);
	CHECK(TYPED("\x7f\t\x1b\r\r"));
	/* a held key repeats its make code */
	FEED(0x1e, 0x1e, 0x1e, 0x9e);
	CHECK(TYPED("aaa"));
}

static void test_shift_caps(void)
{
	keymap_init(&k, 1);
	FEED(0x2a, 0x1e, 0x36, 0xaa, 0x1e, 0xb6, 0x1e); /* both shifts: one up, still shifted */
	CHECK(TYPED("AAa"));
	FEED(0x3a, 0xba, 0x1e, 0x02, 0x2a, 0x1e, 0x02, 0xaa); /* Caps: letters only */
	CHECK(k.caps && TYPED("A1a!"));
	FEED(0x3a, 0x3a, 0x3a, 0xba, 0x1e); /* repeats of Caps Lock toggle once */
	CHECK(!k.caps && TYPED("a"));
	FEED(0xe0, 0x2a, 0x1e, 0xe0, 0xaa, 0xe0, 0x36, 0x1e); /* fake shifts change nothing */
	CHECK(k.mods == 0 && TYPED("aa"));
}

static void test_ctrl_alt(void)
{
	keymap_init(&k, 1);
	FEED(0x1d, 0x2e, 0x20, 0x1e, 0x2c, 0x1a, 0x2b, 0x1b, 0x39, 0x9d); /* C D A Z [ \ ] Space */
	CHECK(TYPED("\x03\x04\x01\x1a\x1b\x1c\x1d\0"));
	FEED(0xe0, 0x1d, 0x2a, 0x2e, 0xaa, 0xe0, 0x9d, 0x2e); /* right Ctrl, with Shift */
	CHECK(TYPED("\x03"
	            "c"));
	FEED(0x38, 0x30, 0xb8, 0xe0, 0x38, 0x2a, 0x30, 0xaa, 0xe0, 0xb8, 0x30); /* Alt-b, AltGr-B */
	CHECK(TYPED("\x1b"
	            "b\x1b"
	            "Bb"));
	CHECK(k.mods == 0);
}

static void test_sequences(void)
{
	keymap_init(&k, 1);
	FEED(0xe0, 0x48, 0xe0, 0x50, 0xe0, 0x4d, 0xe0, 0x4b, 0xe0, 0xc8);
	CHECK(TYPED("\x1b[A\x1b[B\x1b[C\x1b[D"));
	FEED(0xe0, 0x47, 0xe0, 0x4f, 0xe0, 0x52, 0xe0, 0x53, 0xe0, 0x49, 0xe0, 0x51);
	CHECK(TYPED("\x1b[H\x1b[F\x1b[2~\x1b[3~\x1b[5~\x1b[6~"));
	FEED(0x3b, 0x3e, 0x3f, 0x44, 0x57, 0x58);
	CHECK(TYPED("\x1bOP\x1bOS\x1b[15~\x1b[21~\x1b[23~\x1b[24~"));
	FEED(0x2a, 0x0f, 0xaa, 0x0f);
	CHECK(TYPED("\x1b[Z\t"));
	/* Num Lock on (the start): digits; off: the keys under them; / * - + either way */
	FEED(0x47, 0x48, 0x49, 0x4b, 0x4c, 0x4d, 0x4f, 0x50, 0x51, 0x52, 0x53);
	CHECK(TYPED("7894561230."));
	FEED(0xe0, 0x35, 0x37, 0x4a, 0x4e);
	CHECK(TYPED("/*-+"));
	FEED(0x45, 0xc5, 0x47, 0x48, 0x4c, 0x53, 0x4e);
	CHECK(!k.num && TYPED("\x1b[H\x1b[A\x1b[3~+"));
}

/* Set 2 types the same as set 1. */
static void test_set2(void)
{
	keymap_init(&k, 2);
	/* h i Space Shift-1 Enter, with F0 key-ups */
	FEED(0x33, 0xf0, 0x33, 0x43, 0xf0, 0x43, 0x29, 0xf0, 0x29, 0x12, 0x16, 0xf0, 0x16, 0xf0,
	     0x12, 0x5a, 0xf0, 0x5a);
	CHECK(TYPED("hi !\r"));
	CHECK(k.mods == 0);
	FEED(0x14, 0x21, 0x23, 0xf0, 0x14, 0x21); /* Ctrl-C Ctrl-D, c */
	CHECK(TYPED("\x03\x04"
	            "c"));
	FEED(0xe0, 0x75, 0xe0, 0xf0, 0x75, 0xe0, 0x6c, 0xe0, 0x69, 0xe0, 0x71, 0x66, 0xe0, 0x5a);
	CHECK(TYPED("\x1b[A\x1b[H\x1b[F\x1b[3~\x7f\r"));
	FEED(0x58, 0xf0, 0x58, 0x1c, 0x05, 0x83, 0x07, 0x7c, 0xe0, 0x4a, 0x69);
	CHECK(k.caps && TYPED("A\x1bOP\x1b[18~\x1b[24~*/1"));
	FEED(0xe0, 0x12, 0xe0, 0x7c, 0x1c, 0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12); /* Print Screen */
	CHECK(k.mods == 0 && TYPED("A"));
	FEED(0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77, 0x1c); /* Pause, then a */
	CHECK(k.mods == 0 && TYPED("A"));
	FEED(0xaa, 0xfa, 0xee, 0xfe, 0x1c); /* BAT, ACK, echo, resend answers */
	CHECK(TYPED("A"));
}

static void test_ignored(void)
{
	keymap_init(&k, 1);
	FEED(0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5, 0x1e); /* Pause, then a */
	CHECK(k.mods == 0 && TYPED("a"));
	FEED(0xe0, 0x2a, 0xe0, 0x37, 0xe0, 0xb7, 0xe0, 0xaa, 0x1e); /* Print Screen */
	CHECK(k.mods == 0 && TYPED("a"));
	FEED(0xfa, 0xfe, 0xee, 0x54, 0x55, 0x56, 0x59, 0x7f, 0xe0, 0x01, 0x1e); /* not keys */
	CHECK(TYPED("a"));
	FEED(0xe0, 0x00, 0x1e, 0xe1, 0xff, 0x1e); /* an error forgets the prefix */
	CHECK(TYPED("aa"));
	FEED(0x1d, 0xff, 0x2e); /* ... but not the keys held */
	CHECK(TYPED("\x03"));
	keymap_init(&k, 7); /* anything but 1 is set 2 */
	CHECK(k.set == 2 && k.num && !k.caps && k.mods == 0);
}

int main(void)
{
	test_set1_text();
	test_shift_caps();
	test_ctrl_alt();
	test_sequences();
	test_set2();
	test_ignored();
	return check_done("keymap");
}
