/*
 * What devmgr starts from: the boot modules (their names in IRIS_MODULES,
 * iris/modules.h), the manifests among them, and the kernel's devices.
 */
#pragma once

#include "manifest.h"
#include <iris/abi/handle.h>
#include <stddef.h>

#define CATALOG_MANIFESTS_MAX 32

/*
 * Reads every boot module whose name ends in ".manifest" into out[0..max),
 * in module order. A manifest that does not parse, or whose driver is not a
 * boot module, is reported on the console and left out. Returns how many
 * were read.
 */
size_t catalog_load_manifests(struct manifest *out, size_t max);

/*
 * Describes the bus's devices one by one and adds a driver instance
 * (driver_add) for each one the first matching manifest of ms[0..n) serves.
 * Returns the number of devices seen, or a negative errno when the bus
 * cannot be read at all.
 */
long catalog_match_devices(iris_handle_t bus, const struct manifest *ms, size_t n);
