/*
 * uart: the driver of COM1 (the "com1" platform device, uart.manifest), the
 * console's serial input source and output sink (the kernel log's sink:
 * CONSOLE_ATTACH_LOG). The kernel writes its own log to the same UART with
 * polled output until the console takes the log over.
 *
 *   uart.c     the 16550: receiving through the interrupt, sending through
 *              the FIFO, the console glue
 *   conlink.c  the link to the console server (iris/proto/console.h)
 *   port.c     port BARs and in/out
 *
 * Arguments: --echo  no console: echo what is typed (for debugging).
 */
#include "uart.h"
#include <string.h>

int main(int argc, char **argv)
{
	static struct drv d;
	static struct uart u;

	if (drv_init(&d, argc, argv) < 0)
		return 1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--echo") == 0) {
			u.echo = true;
		} else {
			drv_log(&d, "unknown argument \"%s\" (--echo)", argv[i]);
			return 1;
		}
	}

	/* 1. the UART, its FIFOs on, the baud rate left as the kernel set it */
	if (uart_init(&u, &d) < 0)
		return 1;

	/* 2. the console (or echoing) */
	if (uart_console_start(&u) < 0)
		return 1;

	/* 3. the interrupt (without it, the watchdog polls) and the watchdog */
	uart_irq_start(&u);
	uart_watchdog_start(&u);

	/* 4. tell devmgr */
	drv_ready(&d);

	/* 5. serve until killed */
	int r = drv_loop_run(&d);
	drv_error(&d, "the event loop failed (%s)", strerror(-r));
	return 1;
}
