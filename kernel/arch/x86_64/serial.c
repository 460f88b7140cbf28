#include <x86_64/cpu.h>
#include <x86_64/serial.h>

#define COM1 0x3f8

#define REG_DATA      0
#define REG_IER       1
#define REG_FCR       2
#define REG_LCR       3
#define REG_MCR       4
#define REG_LSR       5
#define REG_SCRATCH   7
#define LSR_THR_EMPTY 0x20

#define WRAP_ON "\033[?7h" /* DECAWM: lines longer than the terminal wrap */

static bool present;

bool serial_init(void)
{
	/* A UART keeps what is written to its scratch register; an empty port floats. */
	outb(COM1 + REG_SCRATCH, 0x5a);
	if (inb(COM1 + REG_SCRATCH) != 0x5a)
		return false;
	outb(COM1 + REG_IER, 0x00);
	outb(COM1 + REG_LCR, 0x80);  /* divisor latch */
	outb(COM1 + REG_DATA, 0x01); /* 115200 baud */
	outb(COM1 + REG_IER, 0x00);
	outb(COM1 + REG_LCR, 0x03); /* 8N1 */
	outb(COM1 + REG_FCR, 0xc7); /* FIFOs on, cleared, 14-byte threshold */
	outb(COM1 + REG_MCR, 0x03); /* DTR, RTS; interrupts stay off */
	present = true;
	/* GRUB's serial terminal turns the terminal's line wrapping off: back on. */
	serial_write(WRAP_ON, sizeof(WRAP_ON) - 1);
	return true;
}

bool serial_present(void)
{
	return present;
}

static void serial_putc(char c)
{
	/* Bounded wait: a wedged UART must not hang the kernel log. */
	for (int spins = 0; spins < 100000; spins++) {
		if (inb(COM1 + REG_LSR) & LSR_THR_EMPTY)
			break;
		cpu_relax();
	}
	outb(COM1 + REG_DATA, (uint8_t)c);
}

void serial_write(const char *s, unsigned long len)
{
	if (!present)
		return;
	for (unsigned long i = 0; i < len; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}
