/*
 * poweroff: switches the machine off: ACPI S5 (the kernel falls back to QEMU's isa-debug-exit).
 *   poweroff     (no arguments: anything else prints the usage and changes nothing)
 */
#include <args.h>
#include <iris/sys.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return args_usage("poweroff   (switches the machine off)\n");
	printf("Powering off.\n");
	fflush(stdout);
	long r = sys_power(IRIS_POWER_OFF);
	printf("poweroff: %s\n", strerror((int)-r));
	return 1;
}
