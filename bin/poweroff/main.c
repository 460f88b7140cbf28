/* poweroff: switches the machine off: ACPI S5 (the kernel falls back to QEMU's isa-debug-exit). */
#include <iris/sys.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	printf("Powering off.\n");
	fflush(stdout);
	long r = sys_power(IRIS_POWER_OFF);
	printf("poweroff: %s\n", strerror((int)-r));
	return 1;
}
