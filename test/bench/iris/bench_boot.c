/*
 * Iris side of `boot_to_ready`: the first program init runs with
 * `test=bench run=bench_boot`. Prints the TSC, which under -icount counts
 * guest instructions (plus virtual time spent halted) since QEMU reset:
 * SeaBIOS, GRUB loading the ISO's files, the kernel's boot, init.
 */
#include "../bench.h"

int main(void)
{
	uint64_t now = bench_rdtsc();

	printf("BENCH boot_to_ready ");
	bench_print_hundredths(now * 100);
	printf("\n");
	return 0;
}
