#include <sync/spinlock.h>
#include <x86_64/cpu.h>
#include <x86_64/pit.h>

#define PIT_CH2     0x42
#define PIT_CMD     0x43
#define PORT_B      0x61 /* system control port B: channel 2 gate and output */
#define PORTB_GATE2 0x01
#define PORTB_SPKR  0x02
#define PORTB_OUT2  0x20

/* Channel 2, low then high byte, mode 0 (interrupt on terminal count), binary. */
#define PIT_CMD_CH2_ONESHOT 0xb0

#define PIT_MAX_CHUNK_US 50000 /* 59659 counts: fits the 16-bit counter */

static spinlock_t pit_lock = SPINLOCK_INIT;

/* One countdown of at most PIT_MAX_CHUNK_US; the caller holds pit_lock. */
static void pit_wait_chunk(uint32_t us)
{
	uint32_t count = (uint32_t)(((uint64_t)us * PIT_HZ + 999999) / 1000000);
	if (count == 0)
		count = 1;

	/* Gate low and speaker off while the count is loaded; counting starts at gate high. */
	uint8_t b = inb(PORT_B) & ~(PORTB_GATE2 | PORTB_SPKR);
	outb(PORT_B, b);
	outb(PIT_CMD, PIT_CMD_CH2_ONESHOT);
	outb(PIT_CH2, (uint8_t)count);
	outb(PIT_CH2, (uint8_t)(count >> 8));
	outb(PORT_B, b | PORTB_GATE2);
	while (!(inb(PORT_B) & PORTB_OUT2))
		cpu_relax();
	outb(PORT_B, b);
}

void pit_delay_us(uint32_t us)
{
	bool irq = spin_lock_irqsave(&pit_lock);
	while (us > 0) {
		uint32_t chunk = us < PIT_MAX_CHUNK_US ? us : PIT_MAX_CHUNK_US;
		pit_wait_chunk(chunk);
		us -= chunk;
	}
	spin_unlock_irqrestore(&pit_lock, irq);
}
