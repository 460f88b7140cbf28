/*
 * A driver for QEMU's `edu` teaching device (PCI 1234:11e8), built outside
 * the tree against the installed sysroot only (libc and libdriver): with
 * edu.manifest as a boot module beside it, devmgr starts it for the device
 * without knowing anything about it.
 *
 * It maps BAR0, checks the identification and liveness registers, binds
 * the interrupt (MSI when the device offers it, else INTx; `--irq intx`
 * forces the pin) with an IRQ-ack program that reads the interrupt status,
 * declines a zero one, acks it and claims, and registers the service
 * edu/<instance> (edu_proto.h): factorials computed by the device, each
 * one's end signalled by its interrupt.
 *
 * Registers (QEMU's docs/specs/edu.rst): 0x00 identification 0xRRrr00ed,
 * 0x04 liveness (reads back inverted), 0x08 factorial, 0x20 status (bit 0
 * computing, bit 7 interrupt when done), 0x24 interrupt status (bit 0: a
 * factorial is done), 0x64 interrupt acknowledge.
 */
#include "edu_proto.h"
#include <driver/driver.h>
#include <driver/irq.h>
#include <driver/loop.h>
#include <driver/pci.h>
#include <errno.h>
#include <iris/ns.h>
#include <iris/rpc.h>
#include <iris/sys.h>
#include <stdio.h>
#include <string.h>

#define REG_ID          0x00
#define REG_LIVENESS    0x04
#define REG_FACTORIAL   0x08
#define REG_STATUS      0x20
#define REG_IRQ_STATUS  0x24
#define REG_IRQ_ACK     0x64
#define STATUS_IRQ_FACT 0x80u
#define IRQ_FACT        0x01u

#define CLIENTS_MAX 8
#define QUEUE_MAX   16
#define REPLY_NS    100000000LL

struct client {
	bool used;
	uint32_t gen; /* bumped when the slot is let go: queued requests of a gone client */
	struct iris_chan chan;
	struct drv_loop_watch watch;
};

/* A factorial request waiting for the device. */
struct job {
	struct client *client;
	uint32_t gen;
	struct iris_rpc_msg req; /* the header and n */
	uint32_t n;
};

static struct drv drv;
static struct drv_mmio regs;
static struct drv_irq irq;
static struct drv_loop_watch irq_watch, listen_watch;
static struct iris_chan listen;
static struct client clients[CLIENTS_MAX];
static struct job queue[QUEUE_MAX];
static uint32_t queue_head, queue_len;
static bool computing;
static uint32_t irqs;

/* Lets client c go; its watch is not armed (it has just completed, or arming it failed). */
static void client_drop(struct client *c)
{
	iris_chan_close(&c->chan);
	c->used = false;
	c->gen++;
}

static void reply(struct client *c, const struct iris_rpc_msg *req, int status, const void *data,
                  size_t len)
{
	if (iris_rpc_reply(&c->chan, req, status, data, len, IRIS_HANDLE_INVALID, REPLY_NS) < 0)
		drv_log(&drv, "a reply was lost (the client does not read)");
}

/* Starts the factorial at the head of the queue if the device is idle. */
static void compute_next(void)
{
	if (computing || queue_len == 0)
		return;
	computing = true;
	drv_mmio_write32(&regs, REG_STATUS, STATUS_IRQ_FACT);
	drv_mmio_write32(&regs, REG_FACTORIAL, queue[queue_head].n);
}

/* The device signalled the end of the factorial at the head of the queue. */
static void compute_done(void)
{
	struct job *j = &queue[queue_head];
	struct edu_factorial f = { j->n, drv_mmio_read32(&regs, REG_FACTORIAL), irqs };
	if (j->client->used && j->client->gen == j->gen)
		reply(j->client, &j->req, 0, &f, sizeof(f));
	queue_head = (queue_head + 1) % QUEUE_MAX;
	queue_len--;
	computing = false;
	compute_next();
}

static void irq_event(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	struct iris_irq_event ev;
	bool lost = false;
	(void)w;
	if (result < 0) {
		drv_log(d, "waiting for the interrupt failed (%ld)", (long)result);
		return;
	}
	while (drv_irq_next(&irq, &ev, &lost)) {
		irqs++;
		if ((ev.value[0] & IRQ_FACT) && computing)
			compute_done();
	}
	if (lost && computing && !(drv_mmio_read32(&regs, REG_STATUS) & 1))
		compute_done(); /* events were dropped: the device says it is done */
	drv_loop_poll(d, &irq_watch, irq.handle, IRIS_POLL_IN);
}

_Noreturn static void hang(void)
{
	drv_log(&drv, "hanging on request: spinning on the status register");
	for (;;)
		(void)drv_mmio_read32(&regs, REG_STATUS);
}

static void serve(struct client *c, struct iris_rpc_msg *m)
{
	uint32_t n = 0;
	if (m->handle != IRIS_HANDLE_INVALID)
		sys_handle_close(m->handle);
	switch (m->hdr.op) {
	case EDU_OP_FACTORIAL:
		if (m->len != sizeof(n) ||
		    (memcpy(&n, m->data, sizeof(n)), n > EDU_FACTORIAL_MAX)) {
			reply(c, m, -EINVAL, NULL, 0);
			return;
		}
		if (queue_len == QUEUE_MAX) {
			reply(c, m, -EAGAIN, NULL, 0);
			return;
		}
		queue[(queue_head + queue_len++) % QUEUE_MAX] =
		        (struct job){ .client = c, .gen = c->gen, .req = *m, .n = n };
		compute_next();
		return;
	case EDU_OP_STATUS: {
		struct edu_status s = { (int32_t)sys_process_self(), drv.restarts, irqs, irq.mode };
		reply(c, m, 0, &s, sizeof(s));
		return;
	}
	case EDU_OP_HANG:
		reply(c, m, 0, NULL, 0);
		hang();
	case EDU_OP_FAULT: {
		int *volatile nowhere = NULL;
		reply(c, m, 0, NULL, 0);
		drv_log(&drv, "faulting on request");
		*nowhere = 1;
		return;
	}
	default:
		reply(c, m, -ENOSYS, NULL, 0);
		return;
	}
}

static void client_event(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	struct client *c = w->arg;
	(void)result;
	for (;;) {
		struct iris_rpc_msg m;
		int r = iris_rpc_recv(&c->chan, &m, 0);
		if (r == -EAGAIN)
			break;
		if (r < 0) {
			client_drop(c);
			return;
		}
		serve(c, &m);
	}
	if (drv_loop_chan(d, &c->watch, &c->chan) < 0)
		client_drop(c);
}

static void listen_event(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	iris_handle_t h;
	(void)w;
	(void)result;
	while (iris_ns_accept(&listen, &h, 0) == 0) {
		struct client *c = NULL;
		for (size_t i = 0; i < CLIENTS_MAX && !c; i++)
			if (!clients[i].used)
				c = &clients[i];
		if (!c || iris_chan_open(&c->chan, h) < 0) {
			sys_handle_close(h);
			continue;
		}
		c->used = true;
		drv_loop_watch_init(&c->watch, client_event, c);
		if (drv_loop_chan(d, &c->watch, &c->chan) < 0)
			client_drop(c);
	}
	drv_loop_chan(d, &listen_watch, &listen);
}

/* The IRQ-ack program: r0 = interrupt status; 0: decline; else ack it, capture it, claim. */
static int bind_interrupt(uint32_t mode)
{
	struct drv_irq_prog p;
	drv_irq_prog_init(&p);
	int none = drv_irq_label(&p);
	drv_irq_read(&p, 0, 0, REG_IRQ_STATUS, 4);
	drv_irq_jz(&p, 0, none);
	drv_irq_write(&p, 0, 0, REG_IRQ_ACK, 4);
	drv_irq_capture(&p, 0, 0);
	drv_irq_claim(&p);
	drv_irq_place(&p, none);
	drv_irq_decline(&p);
	return drv_irq_bind(&drv, mode, &p, &irq);
}

/* The interrupt mode: `--irq msi|intx`, else MSI when the device offers it. */
static uint32_t irq_mode(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--irq") == 0 && strcmp(argv[i + 1], "intx") == 0)
			return IRIS_IRQ_INTX;
		if (strcmp(argv[i], "--irq") == 0 && strcmp(argv[i + 1], "msi") == 0)
			return IRIS_IRQ_MSI;
	}
	return drv.info.irq_modes & (1u << IRIS_IRQ_MSI) ? IRIS_IRQ_MSI : IRIS_IRQ_INTX;
}

int main(int argc, char **argv)
{
	char name[IRIS_NS_NAME_MAX];
	if (drv_init(&drv, argc, argv) < 0)
		return 1;
	int r = drv_pci_map_bar(&drv, 0, 0x100, &regs);
	if (r < 0) {
		drv_log(&drv, "cannot map BAR0: error %d", r);
		return 1;
	}
	uint32_t id = drv_mmio_read32(&regs, REG_ID);
	drv_mmio_write32(&regs, REG_LIVENESS, 0x5a5aa5a5u);
	if ((id & 0xffff) != 0x00ed || drv_mmio_read32(&regs, REG_LIVENESS) != ~0x5a5aa5a5u) {
		drv_log(&drv, "not an edu device (id %#x) or not alive", id);
		return 1;
	}
	uint32_t mode = irq_mode(argc, argv);
	r = bind_interrupt(mode);
	if (r < 0) {
		drv_log(&drv, "cannot bind the interrupt: error %d", r);
		return 1;
	}
	snprintf(name, sizeof(name), "%s%s", EDU_SERVICE_PREFIX, drv.instance);
	r = iris_ns_register(name, &listen);
	if (r < 0) {
		drv_log(&drv, "cannot register %s: error %d", name, r);
		return 1;
	}
	drv_loop_watch_init(&irq_watch, irq_event, NULL);
	drv_loop_watch_init(&listen_watch, listen_event, NULL);
	if (drv_loop_poll(&drv, &irq_watch, irq.handle, IRIS_POLL_IN) < 0 ||
	    drv_loop_chan(&drv, &listen_watch, &listen) < 0)
		return 1;
	drv_log(&drv, "edu %u.%u, %s, serving %s (restart %u)", id >> 24, (id >> 16) & 0xff,
	        mode == IRIS_IRQ_MSI ? "MSI" : "INTx", name, drv.restarts);
	drv_ready(&drv);
	return drv_loop_run(&drv) < 0;
}
