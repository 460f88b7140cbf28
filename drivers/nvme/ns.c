/*
 * Namespaces: the active ones (Identify CNS 2, or CNS 0 for each NSID up to
 * NN on a controller without the list), their Identify data, and the block
 * devices they become (blk/<instance>.<nsid>).
 */
#include "nvme.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_SCAN_MAX 256 /* NSIDs tried one by one without the list */

/* Identify Namespace `nsid` into the controller's data page; 0 or -errno. */
static int ns_identify(struct nvme_ctrl *c, uint32_t nsid, uint8_t cns)
{
	struct nvme_sqe cmd = {
		.opcode = NVME_ADMIN_IDENTIFY, .nsid = nsid, .prp1 = c->data.phys, .cdw10 = cns
	};
	return ctrl_admin(c, &cmd, NULL);
}

/* Adds namespace nsid if it is active and usable; 0 or -ENOMEM (a namespace skipped is 0). */
static int ns_add(struct nvme_ctrl *c, uint32_t nsid)
{
	uint64_t sectors;
	uint32_t ss;
	int r = ns_identify(c, nsid, NVME_CNS_NAMESPACE);
	if (r < 0) {
		drv_log(c->d, "namespace %u: Identify failed (%s): skipped", nsid, strerror(-r));
		return 0;
	}
	const char *why = nvme_ns_parse(c->data.vaddr, c->ident.xfer_max, &sectors, &ss);
	if (why) {
		if (why != NVME_NS_INACTIVE)
			drv_log(c->d, "namespace %u: %s: skipped", nsid, why);
		return 0;
	}
	struct nvme_ns *ns = calloc(1, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	ns->c = c;
	ns->nsid = nsid;
	ns->sectors = sectors;
	ns->sector_size = ss;
	ns->pending_tail = &ns->pending;
	c->ns[c->nns++] = ns;
	return 0;
}

int ns_probe(struct nvme_ctrl *c)
{
	uint32_t list[NVME_NS_LIST_MAX];
	unsigned n = 0;
	if (ns_identify(c, 0, NVME_CNS_ACTIVE_NS) == 0) {
		n = nvme_ns_list_parse(c->data.vaddr, c->ident.nn, list);
	} else {
		uint32_t last = c->ident.nn < NS_SCAN_MAX ? c->ident.nn : NS_SCAN_MAX;
		for (uint32_t nsid = 1; nsid <= last; nsid++)
			list[n++] = nsid;
	}
	for (unsigned i = 0; i < n; i++) {
		if (c->nns == NVME_NS_MAX) {
			drv_log(c->d, "namespace %u and beyond: more than the driver serves (%u)",
			        list[i], NVME_NS_MAX);
			break;
		}
		int r = ns_add(c, list[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* blk_disk.submit: queue the request and start what can start. */
static void ns_submit(struct drv_blk_disk *disk, struct drv_blk_request *r)
{
	struct nvme_ns *ns = disk->priv;
	r->next = NULL;
	*ns->pending_tail = r;
	ns->pending_tail = &r->next;
	ctrl_kick(ns->c);
}

int ns_register(struct nvme_ns *ns)
{
	struct nvme_ctrl *c = ns->c;
	struct blk_identify *id = &ns->disk.ident;
	id->sectors = ns->sectors;
	id->sector_size = ns->sector_size;
	id->max_sectors = c->ident.xfer_max / ns->sector_size;
	id->queue_depth = c->nio * c->io[0].nslots;
	snprintf(id->model, sizeof(id->model), "%s", c->ident.model);
	ns->disk.submit = ns_submit;
	ns->disk.priv = ns;
	char name[IRIS_NS_NAME_MAX];
	snprintf(name, sizeof(name), BLK_NAME_PREFIX "%s.%u", c->d->instance, ns->nsid);
	int r = drv_blk_disk_register(c->d, &ns->disk, name);
	if (r < 0)
		drv_error(c->d, "namespace %u: cannot register %s (%s)", ns->nsid, name,
		          strerror(-r));
	else
		drv_debug(c->d, "%s: \"%s\", %llu sectors of %u bytes, %u queues", name, id->model,
		          (unsigned long long)id->sectors, id->sector_size, c->nio);
	return r;
}
