/*
 * devmgr: the device manager (docs/drivers.md).
 *
 *   1. init starts it with the bus handle (IRIS_BUS) after its channel to
 *      the name service;
 *   2. it reads the driver manifests among the boot modules (catalog.c,
 *      manifest.c);
 *   3. it describes every device of the bus and makes a driver instance for
 *      each one a manifest matches (catalog.c);
 *   4. it registers the management service "devmgr" (service.c);
 *   5. then, for ever, it starts the instances, watches them (heartbeats,
 *      ends) and restarts them with back-off (driver.c), answers the
 *      management service, and sleeps on one ring until the next event or
 *      deadline (waitset.c).
 */
#include "catalog.h"
#include "driver.h"
#include "service.h"
#include "waitset.h"
#include <iris/log.h>
#include <iris/modules.h>
#include <iris/startup.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(2 * DRIVERS_MAX + 1 + SERVICE_CLIENTS_MAX <= WAITSET_MAX,
               "every process, control channel and client fits in the wait set");

int main(void)
{
	static struct manifest manifests[CATALOG_MANIFESTS_MAX];

	iris_handle_t bus = iris_handle_from_env("IRIS_BUS");
	if (iris_modules_init() < 0 || bus == IRIS_HANDLE_INVALID) {
		iris_log(IRIS_LOG_ERROR, "devmgr: started without %s\n",
		         bus == IRIS_HANDLE_INVALID ? "the bus (IRIS_BUS)" : "IRIS_MODULES");
		return 1;
	}
	int r = waitset_init();
	if (r < 0) {
		iris_log(IRIS_LOG_ERROR, "devmgr: no ring: %s\n", strerror(-r));
		return 1;
	}
	driver_setup(bus, iris_module_count());

	size_t nmanifests = catalog_load_manifests(manifests, CATALOG_MANIFESTS_MAX);
	long ndevices = catalog_match_devices(bus, manifests, nmanifests);
	if (ndevices < 0) {
		iris_log(IRIS_LOG_ERROR, "devmgr: cannot read the bus: %s\n",
		         strerror((int)-ndevices));
		return 1;
	}
	iris_log(IRIS_LOG_DEBUG, "devmgr: %zu manifests, %ld devices\n", nmanifests, ndevices);

	r = service_start();
	if (r < 0)
		iris_log(IRIS_LOG_ERROR, "devmgr: no management service: %s\n", strerror(-r));

	for (;;) {
		driver_poll(waitset_now());
		service_poll();
		r = waitset_wait(driver_next_deadline());
		if (r < 0) {
			iris_log(IRIS_LOG_ERROR, "devmgr: waiting failed: %s\n", strerror(-r));
			return 1;
		}
	}
}
