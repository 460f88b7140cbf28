#include <arch/paging.h>
#include <common/fbcon.h>
#include <common/string.h>
#include <console/bootcon.h>
#include <console/log.h>
#include <debug/panic.h>
#include <mm/kwindow.h>
#include <mm/layout.h>

enum bootcon_kind { BOOTCON_NONE, BOOTCON_FB, BOOTCON_TEXT };

static enum bootcon_kind kind;
static struct boot_framebuffer fbdesc;
static struct fbcon fbcon;

/* The EGA text screen: 16-bit cells of character and attribute. */
static struct {
	volatile uint16_t *cells;
	uint32_t cols, rows, x, y;
} text;

static void text_newline(void)
{
	text.x = 0;
	if (++text.y < text.rows)
		return;
	text.y = text.rows - 1;
	for (uint32_t i = 0; i < (text.rows - 1) * text.cols; i++)
		text.cells[i] = text.cells[i + text.cols];
	for (uint32_t i = 0; i < text.cols; i++)
		text.cells[(text.rows - 1) * text.cols + i] = 0x0720;
}

static void text_write(const char *s, unsigned long len)
{
	for (unsigned long i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n') {
			text_newline();
			continue;
		}
		if (c == '\r') {
			text.x = 0;
			continue;
		}
		if (c < 0x20 || c > 0x7e)
			c = '?';
		text.cells[text.y * text.cols + text.x] = (uint16_t)(0x0700 | c);
		if (++text.x == text.cols)
			text_newline();
	}
}

/* A console server owns the screen: the log stays off it, except for a panic. */
static bool handed_over;

static void fb_write(const char *s, unsigned long len)
{
	if (!__atomic_load_n(&handed_over, __ATOMIC_ACQUIRE) || panic_in_progress())
		fbcon_write(&fbcon, s, len);
}

void bootcon_hand_over(bool to_user)
{
	__atomic_store_n(&handed_over, to_user, __ATOMIC_RELEASE);
}

static struct log_sink fb_sink = { .write = fb_write };
static struct log_sink text_sink = { .write = text_write };

static bool fb_attach(void *base)
{
	struct fb_info info = {
		.base = base,
		.width = fbdesc.width,
		.height = fbdesc.height,
		.pitch = fbdesc.pitch,
		.bpp = fbdesc.bpp,
		.red_pos = fbdesc.red_pos,
		.red_size = fbdesc.red_size,
		.green_pos = fbdesc.green_pos,
		.green_size = fbdesc.green_size,
		.blue_pos = fbdesc.blue_pos,
		.blue_size = fbdesc.blue_size,
	};
	return fbcon_init(&fbcon, &info) == 0;
}

static uint64_t fb_bytes(void)
{
	return (uint64_t)fbdesc.pitch * fbdesc.height;
}

void bootcon_init(const struct boot_info *bi)
{
	if (!bi->has_framebuffer)
		return;
	fbdesc = bi->fb;
	bool low =
	        fbdesc.addr + fb_bytes() <= (4ull << 30) && fbdesc.addr + fb_bytes() > fbdesc.addr;

	if (fbdesc.type == 2 && low && fbdesc.width && fbdesc.height) {
		text.cells = phys_to_virt(fbdesc.addr);
		text.cols = fbdesc.width;
		text.rows = fbdesc.height;
		kind = BOOTCON_TEXT;
		log_add_sink(&text_sink);
	} else if (fbdesc.type == 1) {
		kind = BOOTCON_FB;
		if (low && fb_attach(phys_to_virt(fbdesc.addr)))
			log_add_sink(&fb_sink);
	}
}

void bootcon_remap(void)
{
	if (kind == BOOTCON_TEXT) {
		void *cells = kwindow_map_phys(fbdesc.addr, fbdesc.width * fbdesc.height * 2u,
		                               MAP_WRITE | MAP_UC);
		if (cells)
			text.cells = cells;
		return;
	}
	if (kind != BOOTCON_FB)
		return;
	void *base = kwindow_map_phys(fbdesc.addr, fb_bytes(), MAP_WRITE | MAP_WC);
	if (!base) {
		pr_warn("bootcon: cannot map the %ux%u framebuffer\n", fbdesc.width, fbdesc.height);
		return;
	}
	bool attached = fbcon.base != NULL;
	if (attached)
		fbcon_set_base(&fbcon, base);
	else if (fb_attach(base))
		log_add_sink(&fb_sink);
	pr_info("framebuffer %ux%u, %u bpp at %#lx\n", fbdesc.width, fbdesc.height, fbdesc.bpp,
	        (unsigned long)fbdesc.addr);
}
