/*
 * Iris side of `irq_to_driver`: from a device raising an interrupt to the
 * driver's thread running, in guest instructions (../bench.h), with QEMU's
 * `edu` device (`-device edu`; init passes the bus handle: `!bench_irq`).
 *
 * One CPU. The "driver" thread sleeps in SYS_POLL on the IRQ handle. The
 * other thread reads the TSC, makes edu raise its interrupt (one MMIO
 * write) and yields; the kernel takes the MSI, runs the ack program, queues
 * the event and wakes the driver, which reads the TSC as soon as its poll
 * returns. Each sample also includes the raising thread's SYS_YIELD.
 */
#include <errno.h>
#include <iris/startup.h>
#include <iris/sys.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../guest/edu.h"
#include "../bench.h"

#define IRQS_PER_ROUND 2000

static volatile uint8_t *regs;
static iris_handle_t irq;
static struct iris_irq_queue *queue;
static volatile uint64_t raised_at, woken_total, woken;

static int driver(void *arg)
{
	(void)arg;
	for (;;) {
		if (sys_poll(irq, IRIS_POLL_IN, 0) < 0)
			return 1;
		uint64_t now = bench_rdtsc();
		while (queue->head != __atomic_load_n(&queue->tail, __ATOMIC_ACQUIRE))
			__atomic_store_n(&queue->head, queue->head + 1, __ATOMIC_RELEASE);
		woken_total += now - raised_at;
		__atomic_store_n(&woken, woken + 1, __ATOMIC_RELEASE);
	}
}

static int fail(const char *why, long r)
{
	printf("BENCH-FAIL irq_to_driver: %s (%ld)\n", why, r);
	return 1;
}

int main(void)
{
	iris_handle_t bus = iris_handle_from_env("IRIS_BUS");
	struct iris_device_info info;
	long dev = -ENOENT;
	for (uint32_t i = 0; bus >= 0 && sys_device_open(bus, i, &info, IRIS_DEVICE_INFO_ONLY) == 0;
	     i++)
		if (info.vendor == EDU_VENDOR && info.device == EDU_DEVICE)
			dev = sys_device_open(bus, i, &info, 0);
	if (dev < 0)
		return fail("no edu device (or no bus handle)", dev);
	long bar = sys_device_bar((iris_handle_t)dev, 0);
	long map = bar < 0 ? bar
	                   : sys_map(NULL, 1u << 20, IRIS_PROT_READ | IRIS_PROT_WRITE, 0,
	                             (iris_handle_t)bar, 0);
	if (map < 0)
		return fail("mapping BAR0", map);
	regs = (volatile uint8_t *)map;
	struct iris_irq_insn prog[8];
	struct iris_irq_bind bind = { .mode = IRIS_IRQ_MSI, .prog = (uint64_t)(uintptr_t)prog };
	bind.len = edu_ack_program(prog);
	long h = sys_irq_bind((iris_handle_t)dev, &bind);
	long q = h < 0 ? h
	               : sys_map(NULL, 4096, IRIS_PROT_READ | IRIS_PROT_WRITE, 0, (iris_handle_t)h,
	                         0);
	if (q < 0)
		return fail("binding the interrupt", q);
	irq = (iris_handle_t)h;
	queue = (struct iris_irq_queue *)q;
	long t = sys_spawn_thread(iris_thread_bootstrap, driver, NULL, 0);
	if (t < 0)
		return fail("starting the driver thread", t);
	sys_yield(); /* let it go to sleep */

	uint64_t values[BENCH_ROUNDS];
	for (unsigned round = 0; round < BENCH_ROUNDS; round++) {
		woken_total = 0;
		uint64_t start = woken;
		for (unsigned i = 0; i < IRQS_PER_ROUND; i++) {
			uint64_t want = woken + 1;
			raised_at = bench_rdtsc();
			*(volatile uint32_t *)(regs + EDU_IRQ_RAISE) = 1;
			while (__atomic_load_n(&woken, __ATOMIC_ACQUIRE) < want)
				sys_yield();
		}
		values[round] = woken_total * 100 / (woken - start);
		bench_round("irq_to_driver", round, values[round]);
	}
	bench_report("irq_to_driver", values, BENCH_ROUNDS);
	return 0;
}
