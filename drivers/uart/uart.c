/*
 * The 16550 UART: receiving through the interrupt, sending through the
 * FIFO, and the console glue.
 *
 * Receiving. The ISA line is edge-triggered: the IOAPIC sees an interrupt
 * only when the UART's line rises, and the line stays up while any source
 * is pending, so an interrupt that leaves a source pending is the last one
 * until the driver clears it. The IRQ-ack program reads IIR (DECLINE when
 * nothing is pending), then up to UART_RX_PROG bytes from RBR while LSR
 * says one is waiting, each captured with UART_CAPTURED set (the count is
 * the number of marked values), and CLAIMs. With the receive trigger at 4
 * bytes that empties the UART at typing speed: the line falls, and the
 * next byte raises it again. When a byte is still waiting after the fourth
 * (a burst, a paste), the program also MASKs the interrupt and the driver
 * switches to polling: it takes the queued events first (no program runs
 * while the line is masked, and every earlier run has queued its event, so
 * the bytes keep their order), empties the UART until IIR says nothing is
 * pending, and looks again every UART_BURST_NS, which is less than the
 * time 16 bytes take at 115200 baud. The first poll that finds nothing
 * unmasks; if something is pending right after (its edge came while the
 * line was masked, and is lost) polling goes on. A watchdog every
 * UART_TICK_NS catches anything else (the kernel also masks a line for a
 * while after a declined interrupt). Without an interrupt the watchdog
 * polls every UART_POLL_NS.
 *
 * Sending. Transmit interrupts stay off: the kernel writes its log to the
 * same UART with polled output (until the console takes the log over, and
 * again for a panic), which would keep raising them. Output
 * waits in a ring; when LSR.THRE says the FIFO is empty the driver writes
 * up to 16 bytes, then sleeps for as long as they take on the wire.
 */
#include "uart.h"
#include <driver/port.h>
#include <errno.h>
#include <iris/sys.h>
#include <string.h>

#define UART_TICK_NS      100000000ull /* the watchdog, with the interrupt */
#define UART_POLL_NS      10000000ull  /* the watchdog, without */
#define UART_BURST_NS     1000000ull   /* polling while bytes keep coming */
#define UART_DRAIN_MAX    64           /* bytes read per drain round */
#define UART_IIR_READS    8            /* sources cleared per drain round */
#define UART_THRE_WAIT_NS 100000ull    /* the FIFO not empty yet: look again after this */

static uint8_t reg_read(const struct uart *u, unsigned reg)
{
	return drv_port_in8((uint16_t)(u->base + reg));
}

static void reg_write(const struct uart *u, unsigned reg, uint8_t v)
{
	drv_port_out8((uint16_t)(u->base + reg), v);
}

int uart_init(struct uart *u, struct drv *d)
{
	u->d = d;
	int r = drv_port_bar(d, UART_BAR, UART_PORTS, &u->base);
	if (r < 0) {
		drv_error(d, "no port BAR of %u ports (%s)", UART_PORTS, strerror(-r));
		return r;
	}
	/* The kernel set 115200 8N1 and keeps writing its log: the divisor stays. */
	reg_write(u, UART_IER, 0);
	reg_write(u, UART_FCR, UART_FCR_ENABLE | UART_FCR_TRIGGER4);
	u->fifo = (reg_read(u, UART_IIR) & UART_IIR_FIFO) == UART_IIR_FIFO ? UART_FIFO : 1;
	uint8_t mcr = reg_read(u, UART_MCR);
	reg_write(u, UART_MCR,
	          (uint8_t)((mcr & ~UART_MCR_LOOP) | UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2));
	drv_debug(d, "16550%s at port %#x, ISA IRQ %u", u->fifo > 1 ? "A" : " (no FIFO)", u->base,
	          d->info.isa_irq);
	return 0;
}

/* ---- receiving ---- */

/* A received byte: to the console, or echoed. */
static void uart_received(struct uart *u, uint8_t c)
{
	u->rx_bytes++;
	if (!u->echo) {
		drv_conlink_input(&u->con, &c, 1);
		return;
	}
	if (c == '\r')
		uart_write(u, (const uint8_t *)"\n", 1);
	else if (c == 0x7f || c == '\b')
		uart_write(u, (const uint8_t *)"\b \b", 3);
	else
		uart_write(u, &c, 1);
}

/* Takes the bytes the program captured, in order; notes whether a run masked the line. */
static void uart_take_events(struct uart *u)
{
	struct iris_irq_event ev;
	bool lost = false;
	while (drv_irq_next(&u->irq, &ev, &lost)) {
		for (unsigned i = 0; i < UART_RX_PROG; i++)
			if (ev.value[i] & UART_CAPTURED)
				uart_received(u, (uint8_t)ev.value[i]);
		if (ev.masked)
			u->masked = true;
	}
	if (lost)
		u->overruns++; /* the queue was full: the bytes of those events are gone */
}

/* Reads received bytes while LSR has one, at most UART_DRAIN_MAX; drops damaged ones. */
static void uart_drain_rx(struct uart *u)
{
	for (unsigned n = 0; n < UART_DRAIN_MAX; n++) {
		uint8_t lsr = reg_read(u, UART_LSR);
		if (lsr & UART_LSR_OE)
			u->overruns++;
		if (!(lsr & UART_LSR_DR))
			return;
		uint8_t c = reg_read(u, UART_RBR);
		if (lsr & UART_LSR_ERRORS)
			u->rx_errors++;
		else
			uart_received(u, c);
	}
}

/* Clears pending sources until IIR says none is (reading bytes on the way); false if it stays. */
static bool uart_settle(struct uart *u)
{
	for (unsigned i = 0; i < UART_IIR_READS; i++) {
		uint8_t iir = reg_read(u, UART_IIR);
		if (iir & UART_IIR_NONE)
			return true;
		switch (iir & UART_IIR_ID) {
		case UART_IIR_LSR:
			if (reg_read(u, UART_LSR) & UART_LSR_OE)
				u->overruns++;
			break;
		case UART_IIR_MSR:
			reg_read(u, UART_MSR);
			break;
		case UART_IIR_THRE:
			break; /* reading IIR acked it */
		default:
			uart_drain_rx(u);
		}
	}
	return false;
}

static void uart_mask(struct uart *u, bool mask)
{
	if (u->masked != mask &&
	    drv_irq_control(&u->irq, mask ? IRIS_IRQ_MASK : IRIS_IRQ_UNMASK) == 0)
		u->masked = mask;
}

/*
 * Everything received since the last time, to the console. Polls with the
 * line masked while bytes keep coming (see the top of this file), and
 * leaves it unmasked and low when they stop.
 */
static void uart_service(struct uart *u)
{
	if (!u->irq_bound) {
		uart_drain_rx(u); /* IIR says nothing with the interrupt off: ask LSR */
	} else {
		uart_take_events(u);
		bool pending = !(reg_read(u, UART_IIR) & UART_IIR_NONE);
		if (u->masked || pending) {
			uart_mask(u, true);
			uint64_t before = u->rx_bytes;
			uart_take_events(u); /* what the program read comes first */
			bool quiet = uart_settle(u) && u->rx_bytes == before;
			if (quiet) {
				uart_mask(u, false);
				quiet = reg_read(u, UART_IIR) & UART_IIR_NONE;
			}
			if (!quiet && !u->burst.armed &&
			    drv_loop_timer(u->d, &u->burst, UART_BURST_NS) < 0)
				drv_log(u->d, "cannot arm the polling timer");
		}
	}
	if (!u->echo)
		drv_conlink_flush(&u->con);
}

static void uart_burst_event(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	(void)d;
	(void)result;
	uart_service(w->arg);
}

static void uart_irq_event(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	struct uart *u = w->arg;
	uart_service(u);
	if (result < 0 || (result & IRIS_POLL_HUP) ||
	    drv_loop_poll(d, w, u->irq.handle, IRIS_POLL_IN) < 0) {
		drv_log(d, "the interrupt is gone (%lld): polling instead", (long long)result);
		u->irq_bound = false;
	}
}

/*
 * The program (33 instructions): r0 = IIR; nothing pending: DECLINE. Then,
 * UART_RX_PROG times: r1 = LSR & DR, none: go to the CLAIM; r2 = RBR |
 * UART_CAPTURED, captured in the next slot. Still a byte after those: MASK.
 */
static void uart_irq_program(struct drv_irq_prog *p)
{
	drv_irq_prog_init(p);
	int none = drv_irq_label(p), done = drv_irq_label(p);
	drv_irq_read(p, 0, UART_BAR, UART_IIR, 1);
	drv_irq_and_imm(p, 0, UART_IIR_NONE);
	drv_irq_jnz(p, 0, none);
	for (unsigned i = 0; i < UART_RX_PROG; i++) {
		drv_irq_read(p, 1, UART_BAR, UART_LSR, 1);
		drv_irq_and_imm(p, 1, UART_LSR_DR);
		drv_irq_jz(p, 1, done);
		drv_irq_read(p, 2, UART_BAR, UART_RBR, 1);
		drv_irq_or_imm(p, 2, UART_CAPTURED);
		drv_irq_capture(p, i, 2);
	}
	drv_irq_read(p, 1, UART_BAR, UART_LSR, 1);
	drv_irq_and_imm(p, 1, UART_LSR_DR);
	drv_irq_jz(p, 1, done);
	drv_irq_mask(p);
	drv_irq_place(p, done);
	drv_irq_claim(p);
	drv_irq_place(p, none);
	drv_irq_decline(p);
}

int uart_irq_start(struct uart *u)
{
	struct drv *d = u->d;
	if (!(d->info.irq_modes & (1u << IRIS_IRQ_INTX))) {
		drv_log(d, "the device has no interrupt: polling");
		return -ENODEV;
	}
	struct drv_irq_prog prog;
	uart_irq_program(&prog);
	int r = drv_irq_bind(d, IRIS_IRQ_INTX, &prog, &u->irq);
	if (r < 0) {
		drv_log(d, "cannot bind the interrupt (%s): polling", strerror(-r));
		return r;
	}
	drv_loop_watch_init(&u->irq_watch, uart_irq_event, u);
	drv_loop_watch_init(&u->burst, uart_burst_event, u);
	r = drv_loop_poll(d, &u->irq_watch, u->irq.handle, IRIS_POLL_IN);
	if (r < 0) {
		drv_log(d, "cannot wait for the interrupt (%s): polling", strerror(-r));
		return r;
	}
	u->irq_bound = true;
	reg_write(u, UART_IER, UART_IER_RX);
	drv_debug(d, "interrupts: INTx, a %u-instruction ack program", prog.len);
	return 0;
}

static void uart_tick(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	struct uart *u = w->arg;
	(void)result;
	uart_service(u);
	if (u->overruns != u->overruns_told || u->rx_errors != u->rx_errors_told)
		drv_log(d, "input lost: %llu overruns, %llu damaged bytes so far (%llu received)",
		        (unsigned long long)u->overruns, (unsigned long long)u->rx_errors,
		        (unsigned long long)u->rx_bytes);
	u->overruns_told = u->overruns;
	u->rx_errors_told = u->rx_errors;
	if (drv_loop_timer(d, w, u->irq_bound ? UART_TICK_NS : UART_POLL_NS) < 0)
		drv_log(d, "the watchdog stopped");
}

void uart_watchdog_start(struct uart *u)
{
	drv_loop_watch_init(&u->tick, uart_tick, u);
	uart_service(u); /* what came before the interrupt was on */
	if (drv_loop_timer(u->d, &u->tick, u->irq_bound ? UART_TICK_NS : UART_POLL_NS) < 0)
		drv_error(u->d, "no watchdog");
}

/* ---- sending ---- */

static uint32_t tx_used(const struct uart *u)
{
	return u->tx_tail - u->tx_head;
}

/* Fills the FIFO when it is empty; comes back when it should be empty again. */
static void uart_tx_kick(struct uart *u)
{
	if (u->tx_watch.armed || tx_used(u) == 0)
		return;
	uint64_t wait = UART_THRE_WAIT_NS;
	if (reg_read(u, UART_LSR) & UART_LSR_THRE) {
		unsigned n = 0;
		while (n < u->fifo && tx_used(u) > 0) {
			reg_write(u, UART_THR, u->tx[u->tx_head++ % UART_TX_MAX]);
			n++;
		}
		wait = (uint64_t)n * UART_BYTE_NS;
	}
	if (tx_used(u) > 0 && drv_loop_timer(u->d, &u->tx_watch, wait) < 0)
		drv_log(u->d, "cannot arm the transmit timer");
}

/* The FIFO should be empty again: refill it, and take output the console left waiting. */
static void uart_tx_event(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	struct uart *u = w->arg;
	(void)d;
	(void)result;
	uart_tx_kick(u);
	if (!u->echo)
		drv_conlink_resume(&u->con);
}

size_t uart_write(struct uart *u, const uint8_t *bytes, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		uint32_t need = bytes[i] == '\n' ? 2 : 1;
		if (UART_TX_MAX - tx_used(u) < need)
			break;
		if (bytes[i] == '\n')
			u->tx[u->tx_tail++ % UART_TX_MAX] = '\r';
		u->tx[u->tx_tail++ % UART_TX_MAX] = bytes[i];
	}
	uart_tx_kick(u);
	return i;
}

/* ---- the console ---- */

static void uart_output(struct drv_conlink *l, const uint8_t *bytes, size_t n)
{
	uart_write(l->arg, bytes, n);
}

/* Room for one OUTPUT message even if every byte of it is a '\n'. */
static bool uart_room(struct drv_conlink *l)
{
	struct uart *u = l->arg;
	return UART_TX_MAX - tx_used(u) >= 2 * CONSOLE_DATA_MAX;
}

int uart_console_start(struct uart *u)
{
	drv_loop_watch_init(&u->tx_watch, uart_tx_event, u);
	if (u->echo) {
		drv_log(u->d, "echo mode: what is typed comes back, no console");
		return 0;
	}
	return drv_conlink_start(&u->con, u->d,
	                         CONSOLE_ATTACH_INPUT | CONSOLE_ATTACH_OUTPUT | CONSOLE_ATTACH_LOG,
	                         uart_output, uart_room, u);
}
