/*
 * Linux side of `boot_to_ready`: the first thing /init runs. Prints the TSC,
 * which under -icount is the number of guest instructions since QEMU reset
 * (SeaBIOS, QEMU's -kernel loader, the kernel's boot, the start of /init).
 *
 *   bench_boot [METRIC]
 */
#include "../bench.h"

int main(int argc, char **argv)
{
	uint64_t now = bench_rdtsc();

	printf("BENCH %s ", argc > 1 ? argv[1] : "boot_to_ready");
	bench_print_hundredths(now * 100);
	printf("\n");
	return 0;
}
