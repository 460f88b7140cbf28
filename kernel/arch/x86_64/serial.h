/*
 * The kernel's own polled 16550 output on COM1, for its log and panics.
 * (Interactive serial input belongs to the ring-3 UART driver.)
 */
#pragma once

#include <stdbool.h>

/*
 * Programs COM1 for 115200 8N1 and turns the terminal's line wrapping back on
 * (GRUB's serial terminal turns it off); returns false if no UART answers there.
 */
bool serial_init(void);

/* Whether COM1 answered serial_init(), and its first port. */
bool serial_present(void);
#define SERIAL_COM1_PORT 0x3f8
void serial_write(const char *s, unsigned long len);
