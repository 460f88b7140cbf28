/*
 * ps2: the driver of the PS/2 keyboard behind the i8042 controller (the
 * "i8042" platform device, ps2.manifest), a console input source: keys
 * become the bytes a terminal sends (keymap.h) and go to the console
 * server as INPUT.
 *
 *   i8042.c   the controller and the keyboard: setup, the interrupt
 *   keymap.c  scan codes to key events to bytes (pure, host-tested)
 *   the console link and port BARs are drivers/uart's conlink.c and port.c
 */
#include "ps2.h"
#include <string.h>

int main(int argc, char **argv)
{
	static struct drv d;
	static struct ps2 p;

	if (drv_init(&d, argc, argv) < 0)
		return 1;

	/* 1. the controller and the keyboard, with interrupts off */
	if (ps2_init(&p, &d) < 0)
		return 1;

	/* 2. the console (typed keys wait for it) */
	if (ps2_console_start(&p) < 0)
		return 1;

	/* 3. the interrupt (without it, the watchdog polls) and the watchdog */
	ps2_irq_start(&p);
	ps2_watchdog_start(&p);

	/* 4. tell devmgr */
	drv_ready(&d);

	/* 5. serve until killed */
	int r = drv_loop_run(&d);
	drv_error(&d, "the event loop failed (%s)", strerror(-r));
	return 1;
}
