/*
 * The UART driver: 16550 registers (offsets in the port BAR) and the
 * driver's state.
 */
#pragma once

#include <driver/conlink.h>
#include <driver/driver.h>
#include <driver/irq.h>
#include <stdbool.h>
#include <stdint.h>

#define UART_BAR   0
#define UART_PORTS 8

#define UART_RBR 0 /* read: the received byte */
#define UART_THR 0 /* write: a byte to send */
#define UART_IER 1
#define UART_IIR 2 /* read */
#define UART_FCR 2 /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6

#define UART_IER_RX 0x01 /* received data available, and its timeout */

#define UART_IIR_NONE    0x01 /* no interrupt pending */
#define UART_IIR_ID      0x0e
#define UART_IIR_MSR     0x00 /* modem status: read MSR */
#define UART_IIR_THRE    0x02 /* transmitter empty: reading IIR acked it */
#define UART_IIR_RX      0x04 /* received data at the trigger level */
#define UART_IIR_LSR     0x06 /* line status: read LSR */
#define UART_IIR_TIMEOUT 0x0c /* received data below the trigger level, idle a while */
#define UART_IIR_FIFO    0xc0 /* both set: a 16550A with its FIFOs on */

#define UART_FCR_ENABLE   0x01
#define UART_FCR_TRIGGER4 0x40 /* receive interrupt at 4 bytes */

#define UART_MCR_DTR  0x01
#define UART_MCR_RTS  0x02
#define UART_MCR_OUT2 0x08 /* gates the interrupt line on PCs */
#define UART_MCR_LOOP 0x10

#define UART_LSR_DR     0x01 /* a received byte is waiting */
#define UART_LSR_OE     0x02 /* overrun: bytes were lost */
#define UART_LSR_PE     0x04
#define UART_LSR_FE     0x08
#define UART_LSR_BI     0x10
#define UART_LSR_THRE   0x20 /* the transmit FIFO is empty */
#define UART_LSR_ERRORS (UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)

#define UART_FIFO     16      /* bytes of a 16550A's transmit FIFO */
#define UART_RX_PROG  4       /* bytes the IRQ-ack program reads per interrupt */
#define UART_CAPTURED 0x100u  /* set in a captured value that holds a byte */
#define UART_TX_MAX   4096    /* bytes of output waiting for the transmitter */
#define UART_BYTE_NS  86806ul /* one 8N1 byte at 115200 baud, the rate the kernel set */

struct uart {
	struct drv *d;
	uint16_t base;  /* first port */
	unsigned fifo;  /* bytes the transmitter takes at once: UART_FIFO, or 1 without FIFOs */
	bool echo;      /* --echo: no console; what is typed is echoed (a debugging mode) */
	bool irq_bound; /* else the watchdog polls */
	bool masked;    /* the interrupt is masked (by the program or by us): polling */
	struct drv_irq irq;
	struct drv_loop_watch irq_watch, burst, tx_watch, tick;
	uint8_t tx[UART_TX_MAX]; /* a ring: bytes [tx_head, tx_tail) */
	uint32_t tx_head, tx_tail;
	uint64_t rx_bytes, rx_errors, overruns; /* overruns: of the FIFO or of the IRQ queue */
	uint64_t rx_errors_told, overruns_told; /* as last logged */
	struct drv_conlink con;
};

/* Checks the port BAR, turns the FIFOs on (4-byte receive trigger) and the interrupt gate. */
int uart_init(struct uart *u, struct drv *d);

/* Binds ISA IRQ 4 with the receive program and enables receive interrupts. 0 or -errno. */
int uart_irq_start(struct uart *u);

/* Looks at the UART now and then: lost edges, and all of the receiving without an IRQ. */
void uart_watchdog_start(struct uart *u);

/* Becomes the console's input source and output sink (or, with --echo, echoes). */
int uart_console_start(struct uart *u);

/* Queues bytes[0..n) for sending, '\n' as "\r\n"; returns how many of them it took. */
size_t uart_write(struct uart *u, const uint8_t *bytes, size_t n);
