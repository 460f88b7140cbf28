/* reboot: restarts the machine (the kernel tries the ACPI reset register, the i8042, then a triple
 * fault). */
#include <iris/sys.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	printf("Rebooting.\n");
	fflush(stdout);
	long r = sys_power(IRIS_POWER_REBOOT);
	printf("reboot: %s\n", strerror((int)-r));
	return 1;
}
