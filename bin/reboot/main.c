/*
 * reboot: restarts the machine (the kernel tries the ACPI reset register, the i8042, then a triple
 * fault).
 *   reboot       (no arguments: anything else prints the usage and changes nothing)
 */
#include <args.h>
#include <iris/sys.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return args_usage("reboot   (restarts the machine)\n");
	printf("Rebooting.\n");
	fflush(stdout);
	long r = sys_power(IRIS_POWER_REBOOT);
	printf("reboot: %s\n", strerror((int)-r));
	return 1;
}
