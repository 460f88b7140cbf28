/*
 * I/O ports for drivers of port devices (the UART, the i8042): a port BAR
 * made usable (SYS_DEVICE_BAR puts its ports in this process's I/O
 * permission bitmap) and the in/out instructions. Shared by drivers/uart
 * and drivers/ps2; it belongs in libdriver (driver/port.h).
 */
#pragma once

#include <stdint.h>

struct drv;

/*
 * Makes port BAR `bar` of the driver's device usable and stores its first
 * port in *base. It must hold at least `min_ports` ports. 0 or a negative
 * errno: -ENODEV for a missing, memory or too small BAR.
 */
int drv_port_bar(struct drv *d, unsigned bar, unsigned min_ports, uint16_t *base);

static inline uint8_t drv_port_in8(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void drv_port_out8(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
