/*
 * Pins: pages of a memory object held for one device's DMA
 * (SYS_DMA_PIN, docs/devices.md "Pinning memory for DMA"). A pin keeps a
 * reference to the object, so its frames outlive every mapping and handle
 * of the client's. When the driver closes the pin's handle they are let go
 * at once; when it ends with the pin open (a crash mid-transfer) they wait
 * in the device's quarantine, as dying DMA memory does, until bus
 * mastering is off.
 */
#pragma once

#include <obj/device.h>
#include <obj/object.h>
#include <obj/vmo.h>
#include <stddef.h>
#include <stdint.h>

struct process;

struct pin {
	struct kobject obj;    /* KOBJ_PIN */
	struct device *dev;    /* in use while the pin lives */
	struct vmo *vmo;       /* a reference, handed to the device when the pin ends */
	struct process *owner; /* charged for npages (a reference) */
	size_t npages;
};

/*
 * Pins the pages of `vmo` that [offset, offset + len) touches for device
 * `d`, charging them to process `p`, and writes each page's bus address to
 * addrs[0, npages) (npages: what the range spans, at most
 * IRIS_PIN_PAGES_MAX). Pages never touched get zeroed frames. Returns 0
 * with a reference in *out, or -EINVAL (an empty range or one past the
 * object's end), -ENOTSUP (not an ordinary memory object: device registers
 * and DMA memory have bus addresses already), -E2BIG (too many pages),
 * -ENOSPC (p would hold more than IRIS_PIN_PROCESS_PAGES_MAX pinned),
 * -ENOMEM.
 */
int pin_create(struct device *d, struct vmo *vmo, uint64_t offset, uint64_t len, struct process *p,
               uint64_t *addrs, struct pin **out);

/* The number of pages [offset, offset + len) touches; 0 if len is 0 or the range wraps. */
uint64_t pin_span(uint64_t offset, uint64_t len);
