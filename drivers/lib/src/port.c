/* Port BARs (port.h). */
#include <driver/driver.h>
#include <driver/port.h>
#include <errno.h>
#include <iris/sys.h>

int drv_port_bar(struct drv *d, unsigned bar, unsigned min_ports, uint16_t *base)
{
	if (bar >= IRIS_PCI_BARS)
		return -EINVAL;
	const struct iris_bar *b = &d->info.bar[bar];
	if (b->kind != IRIS_BAR_PORT || b->size < min_ports || b->base > UINT16_MAX ||
	    b->base + min_ports > UINT16_MAX + 1ull)
		return -ENODEV;
	long r = sys_device_bar(d->device, bar);
	if (r < 0)
		return (int)r;
	*base = (uint16_t)b->base;
	return 0;
}
