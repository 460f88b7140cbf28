/*
 * Device handles, DMA and interrupts from ring 3, against QEMU's `edu`
 * device (PCI 1234:11e8): enumeration and opening, BAR mapping, filtered
 * configuration space, rights, the IRQ-ack program verifier's refusals,
 * MSI delivery through the IRQ queue, masking, DMA into DMA memory and into
 * pinned pages of an ordinary memory object, and what closing the device
 * takes back. Needs the bus handle (init: `run=!test_device`)
 * and `-device edu` with -m below 256 MiB (edu's DMA reaches 28 bits).
 */
#include "edu.h"
#include "ktap.h"
#include <errno.h>
#include <iris/startup.h>
#include <iris/sys.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static iris_handle_t bus;
static uint32_t mode = IRIS_IRQ_MSI; /* `test_device intx`: the legacy pin instead */

static volatile uint32_t *reg(volatile uint8_t *bar, uint32_t off)
{
	return (volatile uint32_t *)(bar + off);
}

static int find_edu(struct iris_device_info *info)
{
	for (uint32_t i = 0;; i++) {
		long r = sys_device_open(bus, i, info, IRIS_DEVICE_INFO_ONLY);
		if (r < 0)
			return -1;
		if (info->vendor == EDU_VENDOR && info->device == EDU_DEVICE)
			return (int)i;
	}
}

/* Binds `prog`; returns the result and the verifier's verdict. */
static long bind(iris_handle_t dev, const struct iris_irq_insn *prog, uint32_t len,
                 struct iris_irq_bind *b)
{
	memset(b, 0, sizeof(*b));
	b->mode = mode;
	b->prog = (uint64_t)(uintptr_t)prog;
	b->len = len;
	return sys_irq_bind(dev, b);
}

static bool refused(iris_handle_t dev, const char *what, struct iris_irq_insn *p, uint32_t len,
                    uint32_t error, uint32_t at)
{
	struct iris_irq_bind b;
	long r = bind(dev, p, len, &b);
	if (r >= 0)
		sys_handle_close((iris_handle_t)r);
	return ktap_check(r == -EINVAL && b.error == error && b.error_at == at,
	                  "refused: %s (%ld, \"%s\" at %u)", what, r, iris_irq_strerror(b.error),
	                  b.error_at);
}

static void test_refusals(iris_handle_t dev)
{
	struct iris_irq_insn p[IRIS_IRQ_PROG_MAX + 1];
	uint32_t n = edu_ack_program(p);

	p[1].off = 0; /* backward */
	refused(dev, "backward jump", p, n, IRIS_IRQ_ERR_JUMP, 1);
	edu_ack_program(p);
	p[2].off = 0x100000; /* the BAR is 1 MiB */
	refused(dev, "access outside the BAR", p, n, IRIS_IRQ_ERR_RANGE, 2);
	edu_ack_program(p);
	p[2].bar = 1;
	refused(dev, "a BAR the device does not have", p, n, IRIS_IRQ_ERR_BAR, 2);
	edu_ack_program(p);
	p[2].src = 3;
	refused(dev, "register read before written", p, n, IRIS_IRQ_ERR_UNINIT, 2);
	edu_ack_program(p);
	for (uint32_t i = 0; i <= IRIS_IRQ_PROG_MAX; i++)
		p[i] = edu_insn(IRIS_IRQ_OP_MOV_IMM, 0, 0, 0, 0, i);
	refused(dev, "over-long program", p, IRIS_IRQ_PROG_MAX + 1, IRIS_IRQ_ERR_TOO_LONG,
	        IRIS_IRQ_PROG_MAX);
	edu_ack_program(p);
	p[3].op = 0xee;
	refused(dev, "unknown opcode", p, n, IRIS_IRQ_ERR_OPCODE, 3);
	p[0] = edu_insn(IRIS_IRQ_OP_READ, 0, 0, 4, EDU_IRQ_STATUS, 0);
	p[1] = edu_insn(IRIS_IRQ_OP_JZ, 0, 0, 0, 3, 0);
	p[2] = edu_insn(IRIS_IRQ_OP_CLAIM, 0, 0, 0, 0, 0);
	p[3] = edu_insn(IRIS_IRQ_OP_CAPTURE, 0, 0, 0, 0, 0);
	refused(dev, "missing result", p, 4, IRIS_IRQ_ERR_NO_RESULT, 3);
}

#define PCI_CLASS_BRIDGE 0x06
#define Q35_MCH          0x29c08086 /* the q35 host bridge: vendor and device */
#define Q35_PCIEXBAR     0x60       /* its ECAM base and enable bit */
#define BRIDGE_HOST      0x00
#define BRIDGE_ISA       0x01

/* Index of the first PCI bridge of `subclass`, its description in *info; -1 if none. */
static int find_bridge(uint8_t subclass, struct iris_device_info *info)
{
	for (uint32_t i = 0; sys_device_open(bus, i, info, IRIS_DEVICE_INFO_ONLY) == 0; i++)
		if (info->bus_type == IRIS_BUS_PCI && info->class_code == PCI_CLASS_BRIDGE &&
		    info->subclass == subclass)
			return (int)i;
	return -1;
}

/*
 * Bridges hold the machine's configuration, not a device's: opening the
 * host bridge (00:00.0) or the ISA/LPC bridge (q35 00:1f.0, pc 00:01.0) is
 * refused with -EPERM while INFO_ONLY still describes them. Should the host
 * bridge open, the test writes 0 to q35's PCIEXBAR as an attacker would and
 * shows ECAM no longer reaching edu (`dev`); nothing can put it back then.
 */
static void test_bridges(iris_handle_t dev)
{
	struct iris_device_info host, isa;
	int hi = find_bridge(BRIDGE_HOST, &host), ii = find_bridge(BRIDGE_ISA, &isa);
	bool q35 = hi >= 0 && ((uint32_t)host.device << 16 | host.vendor) == Q35_MCH;
	ktap_check(hi >= 0 && ii >= 0 && host.bus == 0 && host.dev == 0 && host.fn == 0 &&
	                   (!q35 || (isa.bus == 0 && isa.dev == 0x1f && isa.fn == 0)),
	           "bridges described: host %02x:%02x.%u, ISA %02x:%02x.%u", host.bus, host.dev,
	           host.fn, isa.bus, isa.dev, isa.fn);
	if (hi < 0 || ii < 0)
		return;
	long h = sys_device_open(bus, (uint32_t)hi, NULL, 0);
	if (h >= 0 && q35)
		sys_device_config_write((iris_handle_t)h, Q35_PCIEXBAR, 4, 0);
	ktap_check(h == -EPERM, "the host bridge cannot be opened (%ld)", h);
	long l = sys_device_open(bus, (uint32_t)ii, NULL, 0);
	ktap_check(l == -EPERM, "the ISA bridge %04x:%04x cannot be opened (%ld)", isa.vendor,
	           isa.device, l);
	ktap_check(sys_device_config_read(dev, 0, 4) == 0x11e81234,
	           "configuration space still reaches edu: PCIEXBAR untouched");
	if (h >= 0)
		sys_handle_close((iris_handle_t)h);
	if (l >= 0)
		sys_handle_close((iris_handle_t)l);
}

/*
 * Sleeps until the IRQ handle reports an event (the wake-up path drivers
 * use), then takes it; returns its first value, or -1 after `ms`.
 */
static int64_t irq_wait(iris_handle_t irq, struct iris_irq_queue *q, int ms)
{
	struct pollfd pfd = { .fd = irq, .events = POLLIN };
	if (poll(&pfd, 1, ms) != 1 || !(pfd.revents & POLLIN))
		return -1;
	if (q->head == __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE))
		return -2; /* woken with nothing queued */
	struct iris_irq_event *e = &q->event[q->head % IRIS_IRQ_QUEUE_SLOTS];
	int64_t v = (int64_t)e->value[0];
	__atomic_store_n(&q->head, q->head + 1, __ATOMIC_RELEASE);
	return v;
}

/*
 * One edu DMA transfer of `count` bytes between bus address `ram` and the
 * device's buffer (to_ram: buffer -> RAM), with the interrupt edu raises
 * when it is done; returns that event's value (0x100), or < 0.
 */
static int64_t edu_dma(volatile uint8_t *regs, iris_handle_t irq, struct iris_irq_queue *q,
                       uint64_t ram, uint32_t count, bool to_ram)
{
	uint64_t src = to_ram ? EDU_DMA_BUF : ram, dst = to_ram ? ram : EDU_DMA_BUF;
	*reg(regs, EDU_DMA_SRC) = (uint32_t)src;
	*reg(regs, EDU_DMA_SRC + 4) = (uint32_t)(src >> 32);
	*reg(regs, EDU_DMA_DST) = (uint32_t)dst;
	*reg(regs, EDU_DMA_DST + 4) = (uint32_t)(dst >> 32);
	*reg(regs, EDU_DMA_COUNT) = count;
	*reg(regs, EDU_DMA_CMD) = 1 | (to_ram ? 2 : 0) | 4;
	return irq_wait(irq, q, 2000);
}

/* Whether addrs[0, n) are n nonzero page-aligned bus addresses. */
static bool page_addrs(const uint64_t *addrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!addrs[i] || (addrs[i] & 4095))
			return false;
	return true;
}

/*
 * Pinning an ordinary memory object for DMA (SYS_DMA_PIN): what is
 * refused, the process's limit, a pin through a handle that cannot map,
 * DMA into pinned pages the client no longer maps or holds, and the frames
 * coming back when the last pin on them is closed.
 * Bus mastering is off on entry.
 */
static void test_pin(iris_handle_t dev, volatile uint8_t *regs, iris_handle_t irq,
                     struct iris_irq_queue *q, iris_handle_t bar)
{
	static uint64_t addrs[IRIS_PIN_PAGES_MAX + 1];
	const unsigned both = IRIS_PIN_DEVICE_WRITES | IRIS_PIN_DEVICE_READS;
	long objects = sys_stat(IRIS_STAT_OBJECTS);
	long vmo = sys_vmo_create(3 * 4096);
	long ro = vmo < 0 ? vmo : sys_handle_duplicate((iris_handle_t)vmo, IRIS_RIGHT_READ);
	long weak = sys_handle_duplicate(dev, IRIS_RIGHT_READ);
	ktap_check(vmo >= 0 && ro >= 0 && weak >= 0, "a memory object to pin");
	ktap_check(sys_dma_pin(dev, (iris_handle_t)vmo, 0, 4096, 0, addrs) == -EINVAL &&
	                   sys_dma_pin(dev, (iris_handle_t)vmo, 0, 4096, 4, addrs) == -EINVAL &&
	                   sys_dma_pin(dev, (iris_handle_t)vmo, 0, 0, both, addrs) == -EINVAL &&
	                   sys_dma_pin(dev, (iris_handle_t)vmo, 4096, 3 * 4096, both, addrs) ==
	                           -EINVAL &&
	                   sys_dma_pin(dev, (iris_handle_t)vmo, ~0ull, 2, both, addrs) == -EINVAL,
	           "pin: no direction, an unknown flag, an empty range, a range past the end or "
	           "one that wraps: -EINVAL");
	ktap_check(sys_dma_pin(dev, (iris_handle_t)vmo, 0, 4096, both, NULL) == -EFAULT &&
	                   sys_dma_pin(dev, (iris_handle_t)vmo, 0, 4096, both,
	                               (uint64_t *)0xffff800000000000ull) == -EFAULT,
	           "pin: addresses to a bad pointer: -EFAULT");
	ktap_check(sys_dma_pin((iris_handle_t)weak, (iris_handle_t)vmo, 0, 4096, both, addrs) ==
	                           -EPERM &&
	                   sys_dma_pin(dev, (iris_handle_t)ro, 0, 4096, IRIS_PIN_DEVICE_WRITES,
	                               addrs) == -EPERM &&
	                   sys_dma_pin(dev, dev, 0, 4096, both, addrs) == -EBADF,
	           "pin: without the device's DMA right, for device writes without WRITE, of a "
	           "device: refused");
	ktap_check(sys_dma_pin(dev, bar, 0, 4096, both, addrs) == -ENOTSUP,
	           "pin: device registers cannot be pinned (-ENOTSUP)");
	ktap_check(sys_dma_pin(dev, (iris_handle_t)vmo, 1, 4096ull * IRIS_PIN_PAGES_MAX, both,
	                       addrs) == -E2BIG,
	           "pin: more than %u pages at once: -E2BIG", IRIS_PIN_PAGES_MAX);
	ktap_check(sys_stat(IRIS_STAT_OBJECTS) == objects + 1,
	           "no refused pin left an object behind");
	long rp = sys_dma_pin(dev, (iris_handle_t)ro, 100, 5000, IRIS_PIN_DEVICE_READS, addrs);
	ktap_check(rp >= 0 && page_addrs(addrs, 2) && sys_handle_close((iris_handle_t)rp) == 0,
	           "pin: READ is enough for the device to read; 5000 bytes from 100 span 2 pages");

	/* The limit per process: one 4 MiB object pinned again and again. */
	long big = sys_vmo_create(4096ull * IRIS_PIN_PAGES_MAX);
	long pins[IRIS_PIN_PROCESS_PAGES_MAX / IRIS_PIN_PAGES_MAX];
	unsigned n = 0;
	while (big >= 0 && n < sizeof(pins) / sizeof(pins[0])) {
		pins[n] = sys_dma_pin(dev, (iris_handle_t)big, 0, 4096ull * IRIS_PIN_PAGES_MAX,
		                      both, addrs);
		if (pins[n] < 0)
			break;
		n++;
	}
	long over = big < 0 ? big : sys_dma_pin(dev, (iris_handle_t)big, 0, 4096, both, addrs);
	ktap_check(n == sizeof(pins) / sizeof(pins[0]) && over == -ENOSPC,
	           "pin: %u pinned pages per process, then -ENOSPC (%u pins, %ld)",
	           IRIS_PIN_PROCESS_PAGES_MAX, n, over);
	while (n > 0)
		sys_handle_close((iris_handle_t)pins[--n]);
	long again = big < 0 ? big : sys_dma_pin(dev, (iris_handle_t)big, 0, 4096, both, addrs);
	ktap_check(again >= 0, "closing pins gives the pages back to the limit");
	if (again >= 0)
		sys_handle_close((iris_handle_t)again);
	if (big >= 0)
		sys_handle_close((iris_handle_t)big);

	/* Pinned, then DMA through the device into memory the client let go of. */
	long map =
	        sys_map(NULL, 3 * 4096, IRIS_PROT_READ | IRIS_PROT_WRITE, 0, (iris_handle_t)vmo, 0);
	uint8_t *mem = (uint8_t *)map;
	for (int i = 0; map >= 0 && i < 4096; i++)
		mem[i] = (uint8_t)(i * 13 + 5);
	long pin = sys_dma_pin(dev, (iris_handle_t)vmo, 0, 3 * 4096, both, addrs);
	ktap_check(map >= 0 && pin >= 0 && page_addrs(addrs, 3), "pinned 3 pages: %#lx %#lx %#lx",
	           (unsigned long)addrs[0], (unsigned long)addrs[1], (unsigned long)addrs[2]);
	long nomap = sys_handle_duplicate((iris_handle_t)vmo, IRIS_RIGHT_READ | IRIS_RIGHT_WRITE);
	uint64_t last = 0;
	long pin2 = sys_dma_pin(dev, (iris_handle_t)nomap, 2 * 4096, 4096, IRIS_PIN_DEVICE_WRITES,
	                        &last);
	ktap_check(nomap >= 0 &&
	                   sys_map(NULL, 4096, IRIS_PROT_READ, 0, (iris_handle_t)nomap, 0) ==
	                           -EPERM &&
	                   pin2 >= 0 && last == addrs[2],
	           "a handle without MAP cannot be mapped but can be pinned (the same page)");
	sys_device_busmaster(dev, 1);
	int64_t v1 = edu_dma(regs, irq, q, addrs[0], 2048, false);
	int64_t v2 = edu_dma(regs, irq, q, addrs[2], 2048, true);
	ktap_check(v1 == 0x100 && v2 == 0x100 && memcmp(mem, mem + 2 * 4096, 2048) == 0,
	           "the device copied page 0 into page 2 through their bus addresses");
	sys_unmap(mem, 3 * 4096);
	sys_handle_close((iris_handle_t)vmo);
	sys_handle_close((iris_handle_t)nomap);
	sys_handle_close((iris_handle_t)ro);
	sys_handle_close((iris_handle_t)weak);
	ktap_check(edu_dma(regs, irq, q, addrs[1], 2048, true) == 0x100,
	           "DMA into a pinned page after the client unmapped it and closed its handles");
	long held = sys_stat(IRIS_STAT_FRAMES_FREE);
	sys_handle_close((iris_handle_t)pin2);
	long one = sys_stat(IRIS_STAT_FRAMES_FREE);
	sys_handle_close((iris_handle_t)pin);
	long after = sys_stat(IRIS_STAT_FRAMES_FREE);
	sys_device_busmaster(dev, 0);
	ktap_check(one == held && after == held + 3,
	           "the frames come back when their last pin is closed (free: %ld, %ld, then %ld)",
	           held, one, after);
	ktap_check(sys_stat(IRIS_STAT_OBJECTS) == objects, "every object is gone again");
}

/*
 * A program that declines everything on a line the device holds up: the
 * kernel must mask the line and retry with back-off instead of taking the
 * interrupt forever (this test would never get the CPU back).
 */
static void test_stuck_line(iris_handle_t dev, volatile uint8_t *regs)
{
	struct iris_irq_insn p[1] = { edu_insn(IRIS_IRQ_OP_DECLINE, 0, 0, 0, 0, 0) };
	struct iris_irq_bind b;
	long irq = bind(dev, p, 1, &b);
	ktap_check(irq >= 0, "bound a program that declines everything (%ld)", irq);
	*reg(regs, EDU_IRQ_RAISE) = 0x40;
	uint64_t start = (uint64_t)sys_clock_get(IRIS_CLOCK_MONOTONIC);
	sys_sleep(300000000);
	uint64_t slept = (uint64_t)sys_clock_get(IRIS_CLOCK_MONOTONIC) - start;
	*reg(regs, EDU_IRQ_ACK) = 0x40;
	ktap_check(slept < 2000000000ull, "the machine kept running with the line stuck (%lu ms)",
	           (unsigned long)(slept / 1000000));
	if (irq >= 0)
		sys_handle_close((iris_handle_t)irq);
}

int main(int argc, char **argv)
{
	struct iris_device_info info;
	bus = iris_handle_from_env("IRIS_BUS");

	if (argc > 1 && strcmp(argv[1], "intx") == 0)
		mode = IRIS_IRQ_INTX;
	ktap_plan(mode == IRIS_IRQ_INTX ? 64 : 62);
	int index = bus >= 0 ? find_edu(&info) : -1;
	if (!ktap_check(index >= 0, "found edu (1234:11e8) on the bus"))
		return ktap_done();
	ktap_check(info.bar[0].kind == IRIS_BAR_MMIO && info.bar[0].size == (1u << 20),
	           "BAR0: 1 MiB of MMIO at %#lx", (unsigned long)info.bar[0].base);
	ktap_check(info.irq_modes & (1u << mode), "edu offers %s",
	           mode == IRIS_IRQ_MSI ? "MSI" : "INTx");
	ktap_check(sys_device_open(iris_handle_get(0), (uint32_t)index, NULL, 0) == -EBADF,
	           "a handle that is not the bus opens nothing");

	long dev = sys_device_open(bus, (uint32_t)index, &info, 0);
	if (!ktap_check(dev >= 0, "opened edu: handle %ld", dev))
		return ktap_done();
	ktap_check(sys_device_open(bus, (uint32_t)index, NULL, 0) == -EBUSY,
	           "a second open is refused while the first is in use");

	/* Registers. */
	long bar = sys_device_bar((iris_handle_t)dev, 0);
	long map = bar < 0 ? bar
	                   : sys_map(NULL, 1u << 20, IRIS_PROT_READ | IRIS_PROT_WRITE, 0,
	                             (iris_handle_t)bar, 0);
	if (!ktap_check(map >= 0, "BAR0 mapped (%ld)", map))
		return ktap_done();
	volatile uint8_t *regs = (volatile uint8_t *)map;
	ktap_check((*reg(regs, EDU_ID) & 0xffff) == 0x00ed, "edu id register %#x",
	           *reg(regs, EDU_ID));
	*reg(regs, EDU_LIVENESS) = 0x12345678;
	ktap_check(*reg(regs, EDU_LIVENESS) == ~0x12345678u, "liveness register inverts");
	ktap_check(sys_device_bar((iris_handle_t)dev, 1) == -ENOENT, "BAR1 does not exist");
	ktap_check(sys_device_bar((iris_handle_t)dev, 6) == -EINVAL, "BAR6 is no BAR");

	/* Configuration space. */
	ktap_check(sys_device_config_read((iris_handle_t)dev, 0, 4) == 0x11e81234,
	           "config: vendor and device");
	ktap_check(sys_device_config_write((iris_handle_t)dev, 0x10, 4, 0) == -EPERM,
	           "config: BAR0 cannot be moved");
	ktap_check(sys_device_config_read((iris_handle_t)dev, 0x10, 4) ==
	                   (long)(uint32_t)info.bar[0].base,
	           "config: BAR0 unchanged");
	ktap_check(sys_device_config_read((iris_handle_t)dev, 3, 2) == -EINVAL,
	           "config: misaligned read refused");
	ktap_check(sys_device_config_write((iris_handle_t)dev, 4, 2, 0x0006) == 0 &&
	                   !(sys_device_config_read((iris_handle_t)dev, 4, 2) & 4),
	           "config: the bus-master bit is not writable through config space");

	test_bridges((iris_handle_t)dev);

	/* Rights. */
	long weak = sys_handle_duplicate((iris_handle_t)dev, IRIS_RIGHT_READ);
	ktap_check(weak >= 0 && sys_device_bar((iris_handle_t)weak, 0) == -EPERM &&
	                   sys_device_busmaster((iris_handle_t)weak, 1) == -EPERM,
	           "a handle without MMIO/DMA rights maps and masters nothing");
	if (weak >= 0)
		sys_handle_close((iris_handle_t)weak);

	test_refusals((iris_handle_t)dev);
	if (mode == IRIS_IRQ_INTX)
		test_stuck_line((iris_handle_t)dev, regs);

	/* Interrupts: factorial done, and raised by hand. */
	struct iris_irq_insn prog[8];
	struct iris_irq_bind b;
	long irq = bind((iris_handle_t)dev, prog, edu_ack_program(prog), &b);
	if (!ktap_check(irq >= 0, "MSI bound with the ack program (%ld, %s)", irq,
	                iris_irq_strerror(b.error)))
		return ktap_done();
	long qmap = sys_map(NULL, 4096, IRIS_PROT_READ | IRIS_PROT_WRITE, 0, (iris_handle_t)irq, 0);
	struct iris_irq_queue *q = (struct iris_irq_queue *)qmap;
	ktap_check(qmap >= 0, "IRQ queue mapped");
	*reg(regs, EDU_STATUS) = 0x80;
	*reg(regs, EDU_FACTORIAL) = 10;
	int64_t v = irq_wait((iris_handle_t)irq, q, 2000);
	ktap_check(v == 1 && *reg(regs, EDU_FACTORIAL) == 3628800,
	           "factorial interrupt: event value %ld, 10! = %u", (long)v,
	           *reg(regs, EDU_FACTORIAL));
	*reg(regs, EDU_IRQ_RAISE) = 0x5a00;
	v = irq_wait((iris_handle_t)irq, q, 2000);
	ktap_check(v == 0x5a00, "raised interrupt: the program captured %#lx", (long)v);
	ktap_check(*reg(regs, EDU_IRQ_STATUS) == 0, "the program acked the device");
	struct pollfd pfd = { .fd = (int)irq, .events = POLLIN };
	ktap_check(q->head == q->tail && poll(&pfd, 1, 0) == 0, "queue drained, poll says so");
	ktap_check(sys_irq_control((iris_handle_t)irq, IRIS_IRQ_MASK) == 0, "masked");
	*reg(regs, EDU_IRQ_RAISE) = 0x100;
	v = irq_wait((iris_handle_t)irq, q, 100);
	ktap_check(v == -1, "no event while masked");
	*reg(regs, EDU_IRQ_ACK) = 0x100;
	ktap_check(sys_irq_control((iris_handle_t)irq, IRIS_IRQ_UNMASK) == 0, "unmasked");
	*reg(regs, EDU_IRQ_RAISE) = 0x200;
	v = irq_wait((iris_handle_t)irq, q, 2000);
	ktap_check(v == 0x200, "events again after unmasking (%#lx)", (long)v);
	ktap_check(q->event[(q->head - 1) % IRIS_IRQ_QUEUE_SLOTS].seq >= 3,
	           "event sequence numbers count claims");

	/* DMA: RAM -> edu buffer -> RAM (QEMU 7.2 edu refuses a transfer ending at the end of its
	 * buffer). */
	uint64_t phys = 0;
	long dma = sys_dma_create((iris_handle_t)dev, 8192, IRIS_DMA_32BIT, &phys);
	long dmap = dma < 0 ? dma
	                    : sys_map(NULL, 8192, IRIS_PROT_READ | IRIS_PROT_WRITE, 0,
	                              (iris_handle_t)dma, 0);
	ktap_check(dmap >= 0 && phys && !(phys & 4095), "DMA memory at physical %#lx",
	           (unsigned long)phys);
	uint8_t *buf = (uint8_t *)dmap;
	for (int i = 0; i < 4096; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	ktap_check(sys_device_busmaster((iris_handle_t)dev, 1) == 0, "bus mastering on");
	v = edu_dma(regs, (iris_handle_t)irq, q, phys, 2048, false);
	int64_t v2 = edu_dma(regs, (iris_handle_t)irq, q, phys + 4096, 2048, true);
	ktap_check(v == 0x100 && v2 == 0x100 && memcmp(buf, buf + 4096, 2048) == 0,
	           "DMA round trip through the device (events %#lx, %#lx)", (long)v, (long)v2);
	sys_device_busmaster((iris_handle_t)dev, 0);
	test_pin((iris_handle_t)dev, regs, (iris_handle_t)irq, q, (iris_handle_t)bar);

	/* Closing: the device stays in use while a BAR or DMA object lives. */
	sys_handle_close((iris_handle_t)dev);
	ktap_check(sys_device_open(bus, (uint32_t)index, NULL, 0) == -EBUSY,
	           "still in use while its memory objects live");
	pfd.events = POLLIN;
	ktap_check(poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP),
	           "the interrupt was unbound (HUP) when the device closed");
	sys_unmap((void *)map, 1u << 20);
	sys_unmap((void *)dmap, 8192);
	sys_unmap((void *)qmap, 4096);
	sys_handle_close((iris_handle_t)bar);
	sys_handle_close((iris_handle_t)dma);
	sys_handle_close((iris_handle_t)irq);
	dev = sys_device_open(bus, (uint32_t)index, &info, 0);
	ktap_check(dev >= 0, "reopened once everything was let go");
	ktap_check(dev >= 0 && !(sys_device_config_read((iris_handle_t)dev, 4, 2) & 4),
	           "bus mastering was turned off");
	return ktap_done();
}
