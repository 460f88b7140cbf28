/*
 * The i8042 PS/2 controller and its keyboard: setup with polled I/O, then
 * one byte per interrupt.
 *
 * The keyboard's interrupt (ISA IRQ 1) is edge-triggered and the
 * controller holds one byte at a time: the line rises when a byte arrives
 * and falls when it is read. The IRQ-ack program reads the status (DECLINE
 * when the output buffer is empty), then the byte, and captures both
 * (the byte with PS2_CAPTURED set). An edge lost while the line was masked
 * (the kernel masks a line for a while after a declined interrupt) would
 * leave a byte unread and the keyboard silent, so after the events the
 * driver looks at the status, and the watchdog does every PS2_TICK_NS: a
 * byte still waiting is read with the interrupt masked, after the events
 * the program queued, so the bytes keep their order.
 */
#include "ps2.h"
#include <driver/port.h> /* drivers/uart */
#include <errno.h>
#include <iris/sys.h>
#include <string.h>

#define PS2_TICK_NS   100000000ull /* the watchdog, with the interrupt */
#define PS2_POLL_NS   10000000ull  /* the watchdog, without */
#define PS2_WAIT_MS   100          /* for the controller or the keyboard during setup */
#define PS2_FLUSH_MAX 64           /* stale bytes thrown away at setup */
#define PS2_ROUNDS    4            /* masked reads per service before the watchdog's turn */
#define PS2_DRAIN_MAX 16           /* bytes read per masked round */
#define MS            1000000ull

/* Waits until (status & mask) == want, up to PS2_WAIT_MS; whether it happened. */
static bool wait_status(struct ps2 *p, uint8_t mask, uint8_t want)
{
	for (unsigned ms = 0; ms <= PS2_WAIT_MS; ms++) {
		if ((drv_port_in8(p->status) & mask) == want)
			return true;
		sys_sleep(MS);
	}
	return false;
}

static bool write_command(struct ps2 *p, uint8_t cmd)
{
	if (!wait_status(p, I8042_STATUS_IBF, 0))
		return false;
	drv_port_out8(p->status, cmd);
	return true;
}

static bool write_data(struct ps2 *p, uint8_t v)
{
	if (!wait_status(p, I8042_STATUS_IBF, 0))
		return false;
	drv_port_out8(p->data, v);
	return true;
}

/* The next byte from the controller or the keyboard, or -1 after PS2_WAIT_MS. */
static int read_data(struct ps2 *p)
{
	if (!wait_status(p, I8042_STATUS_OBF, I8042_STATUS_OBF))
		return -1;
	return drv_port_in8(p->data);
}

/* Sends a controller command that answers one byte; the answer or -1. */
static int command_answer(struct ps2 *p, uint8_t cmd)
{
	return write_command(p, cmd) ? read_data(p) : -1;
}

static bool write_config(struct ps2 *p, uint8_t config)
{
	return write_command(p, I8042_CMD_WRITE_CONFIG) && write_data(p, config);
}

int ps2_init(struct ps2 *p, struct drv *d)
{
	p->d = d;
	int r = drv_port_bar(d, I8042_DATA_BAR, 1, &p->data);
	if (r == 0)
		r = drv_port_bar(d, I8042_STATUS_BAR, 1, &p->status);
	if (r < 0) {
		drv_error(d, "no data and status port BARs (%s)", strerror(-r));
		return r;
	}
	if (drv_port_in8(p->status) == 0xff) {
		drv_error(d, "no controller answers at port %#x", p->status);
		return -ENODEV;
	}

	/* 1. both ports off, stale bytes gone */
	write_command(p, I8042_CMD_KBD_DISABLE);
	write_command(p, I8042_CMD_AUX_DISABLE);
	for (unsigned i = 0; i < PS2_FLUSH_MAX && (drv_port_in8(p->status) & I8042_STATUS_OBF); i++)
		drv_port_in8(p->data);

	/* 2. interrupts off, translation on, the keyboard's clock on; a self-test */
	int config = command_answer(p, I8042_CMD_READ_CONFIG);
	if (config < 0) {
		drv_error(d, "the controller does not answer: no keyboard");
		return -EIO;
	}
	uint8_t want = (uint8_t)((config & ~(I8042_CONFIG_KBD_IRQ | I8042_CONFIG_AUX_IRQ |
	                                     I8042_CONFIG_KBD_CLOCK)) |
	                         I8042_CONFIG_TRANSLATE);
	write_config(p, want);
	int answer = command_answer(p, I8042_CMD_SELF_TEST);
	if (answer != 0x55)
		drv_log(d, "controller self-test answered %d (not 0x55): going on", answer);
	write_config(p, want); /* a self-test may reset the configuration */
	answer = command_answer(p, I8042_CMD_KBD_TEST);
	if (answer != 0)
		drv_log(d, "keyboard port test answered %d (not 0): going on", answer);

	/* 3. the scan code set the controller hands us */
	config = command_answer(p, I8042_CMD_READ_CONFIG);
	unsigned set = config >= 0 && (config & I8042_CONFIG_TRANSLATE) ? 1 : 2;
	keymap_init(&p->keymap, set);

	/* 4. the keyboard: its port on, scanning */
	write_command(p, I8042_CMD_KBD_ENABLE);
	answer = write_data(p, KBD_CMD_ENABLE) ? read_data(p) : -1;
	drv_debug(d, "i8042 at ports %#x/%#x, ISA IRQ %u, scan code set %u%s", p->data, p->status,
	          d->info.isa_irq, set,
	          answer == KBD_ACK ? "" : " (no keyboard answered: it may be absent)");
	return 0;
}

/* ---- receiving ---- */

/* A byte from the controller: to the keymap, and what it types to the console. */
static void ps2_received(struct ps2 *p, uint8_t status, uint8_t code)
{
	if (status & I8042_STATUS_AUX) {
		p->aux_bytes++;
		return;
	}
	p->bytes++;
	uint8_t out[KEYMAP_OUT_MAX];
	size_t n = keymap_feed(&p->keymap, code, out);
	if (n)
		drv_conlink_input(&p->con, out, n);
}

static void ps2_take_events(struct ps2 *p)
{
	struct iris_irq_event ev;
	bool lost = false;
	while (drv_irq_next(&p->irq, &ev, &lost))
		if (ev.value[0] & PS2_CAPTURED)
			ps2_received(p, (uint8_t)ev.value[1], (uint8_t)ev.value[0]);
	if (lost)
		drv_log(p->d, "keyboard interrupts lost: keys may be missing");
}

/* Reads what the controller holds, at most PS2_DRAIN_MAX bytes. */
static void ps2_drain(struct ps2 *p)
{
	for (unsigned n = 0; n < PS2_DRAIN_MAX; n++) {
		uint8_t status = drv_port_in8(p->status);
		if (!(status & I8042_STATUS_OBF))
			return;
		ps2_received(p, status, drv_port_in8(p->data));
	}
}

/* Everything typed since the last time, to the console; no byte left waiting if it can be. */
static void ps2_service(struct ps2 *p)
{
	if (!p->irq_bound) {
		ps2_drain(p);
	} else {
		ps2_take_events(p);
		for (unsigned round = 0; round < PS2_ROUNDS; round++) {
			if (!(drv_port_in8(p->status) & I8042_STATUS_OBF))
				break;
			drv_irq_control(&p->irq, IRIS_IRQ_MASK);
			ps2_take_events(p); /* what the program read comes first */
			ps2_drain(p);
			drv_irq_control(&p->irq, IRIS_IRQ_UNMASK);
		}
	}
	drv_conlink_flush(&p->con);
}

static void ps2_irq_event(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	struct ps2 *p = w->arg;
	ps2_service(p);
	if (result < 0 || (result & IRIS_POLL_HUP) ||
	    drv_loop_poll(d, w, p->irq.handle, IRIS_POLL_IN) < 0) {
		drv_log(d, "the interrupt is gone (%lld): polling instead", (long long)result);
		p->irq_bound = false;
	}
}

/*
 * The program (9 instructions): r0 = status; output buffer empty: DECLINE.
 * r1 = the byte | PS2_CAPTURED; capture it and the status (for its AUX bit).
 */
static void ps2_irq_program(struct drv_irq_prog *prog)
{
	drv_irq_prog_init(prog);
	int none = drv_irq_label(prog);
	drv_irq_read(prog, 0, I8042_STATUS_BAR, 0, 1);
	drv_irq_mov(prog, 1, 0);
	drv_irq_and_imm(prog, 1, I8042_STATUS_OBF);
	drv_irq_jz(prog, 1, none);
	drv_irq_read(prog, 1, I8042_DATA_BAR, 0, 1);
	drv_irq_or_imm(prog, 1, PS2_CAPTURED);
	drv_irq_capture(prog, 0, 1);
	drv_irq_capture(prog, 1, 0);
	drv_irq_claim(prog);
	drv_irq_place(prog, none);
	drv_irq_decline(prog);
}

int ps2_irq_start(struct ps2 *p)
{
	struct drv *d = p->d;
	if (!(d->info.irq_modes & (1u << IRIS_IRQ_INTX))) {
		drv_log(d, "the device has no interrupt: polling");
		return -ENODEV;
	}
	struct drv_irq_prog prog;
	ps2_irq_program(&prog);
	int r = drv_irq_bind(d, IRIS_IRQ_INTX, &prog, &p->irq);
	if (r < 0) {
		drv_log(d, "cannot bind the interrupt (%s): polling", strerror(-r));
		return r;
	}
	drv_loop_watch_init(&p->irq_watch, ps2_irq_event, p);
	r = drv_loop_poll(d, &p->irq_watch, p->irq.handle, IRIS_POLL_IN);
	if (r < 0) {
		drv_log(d, "cannot wait for the interrupt (%s): polling", strerror(-r));
		return r;
	}
	p->irq_bound = true;
	int config = command_answer(p, I8042_CMD_READ_CONFIG);
	if (config < 0 || !write_config(p, (uint8_t)(config | I8042_CONFIG_KBD_IRQ))) {
		drv_log(d, "cannot turn the keyboard interrupt on: polling");
		p->irq_bound = false;
		return -EIO;
	}
	drv_debug(d, "interrupts: INTx, a %u-instruction ack program", prog.len);
	return 0;
}

static void ps2_tick(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	struct ps2 *p = w->arg;
	(void)result;
	ps2_service(p);
	if (drv_loop_timer(d, w, p->irq_bound ? PS2_TICK_NS : PS2_POLL_NS) < 0)
		drv_log(d, "the watchdog stopped");
}

void ps2_watchdog_start(struct ps2 *p)
{
	drv_loop_watch_init(&p->tick, ps2_tick, p);
	ps2_service(p); /* what came before the interrupt was on */
	if (drv_loop_timer(p->d, &p->tick, p->irq_bound ? PS2_TICK_NS : PS2_POLL_NS) < 0)
		drv_error(p->d, "no watchdog");
}

int ps2_console_start(struct ps2 *p)
{
	return drv_conlink_start(&p->con, p->d, CONSOLE_ATTACH_INPUT, NULL, NULL, p);
}
