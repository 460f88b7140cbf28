/*
 * The PS/2 keyboard driver: the i8042 controller's ports, commands and
 * configuration byte, and the driver's state.
 */
#pragma once

#include "keymap.h"
#include <driver/conlink.h> /* drivers/uart */
#include <driver/driver.h>
#include <driver/irq.h>
#include <stdbool.h>
#include <stdint.h>

#define I8042_DATA_BAR   0 /* port 0x60: data to and from the keyboard and the controller */
#define I8042_STATUS_BAR 1 /* port 0x64: status (read), command (write) */

#define I8042_STATUS_OBF 0x01 /* output buffer full: a byte for us at the data port */
#define I8042_STATUS_IBF 0x02 /* input buffer full: do not write yet */
#define I8042_STATUS_AUX 0x20 /* the byte is from the second (mouse) port */

#define I8042_CMD_READ_CONFIG  0x20
#define I8042_CMD_WRITE_CONFIG 0x60
#define I8042_CMD_AUX_DISABLE  0xa7
#define I8042_CMD_SELF_TEST    0xaa /* answers 0x55 */
#define I8042_CMD_KBD_TEST     0xab /* answers 0x00 */
#define I8042_CMD_KBD_DISABLE  0xad
#define I8042_CMD_KBD_ENABLE   0xae

#define I8042_CONFIG_KBD_IRQ   0x01 /* interrupt for keyboard bytes */
#define I8042_CONFIG_AUX_IRQ   0x02
#define I8042_CONFIG_KBD_CLOCK 0x10 /* set: the keyboard port's clock is off */
#define I8042_CONFIG_TRANSLATE 0x40 /* set 2 from the keyboard reaches us as set 1 */

#define KBD_CMD_ENABLE 0xf4 /* start scanning */
#define KBD_ACK        0xfa

#define PS2_CAPTURED 0x100u /* set in a captured value that holds a byte */

struct ps2 {
	struct drv *d;
	uint16_t data, status; /* ports */
	bool irq_bound;        /* else the watchdog polls */
	struct drv_irq irq;
	struct drv_loop_watch irq_watch, tick;
	struct keymap keymap;
	uint64_t bytes, aux_bytes; /* bytes from the keyboard; stray ones from the mouse port */
	struct drv_conlink con;
};

/*
 * Finds the controller's ports and sets it up with its interrupts off:
 * both ports disabled, the output buffer flushed, translation on (scan code
 * set 1, or set 2 when the controller keeps translation off), a self-test,
 * the keyboard port enabled and scanning. 0 or a negative errno.
 */
int ps2_init(struct ps2 *p, struct drv *d);

/* Binds ISA IRQ 1 with the ack program and turns the keyboard interrupt on. 0 or -errno. */
int ps2_irq_start(struct ps2 *p);

/* Looks at the controller now and then: lost edges, and all of the input without an IRQ. */
void ps2_watchdog_start(struct ps2 *p);

/* Becomes a console input source. 0 or a negative errno. */
int ps2_console_start(struct ps2 *p);
