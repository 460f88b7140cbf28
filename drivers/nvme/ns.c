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

#define NS_LIST_MAX (NVME_PAGE / 4) /* NSIDs in one active namespace list */
#define NS_SCAN_MAX 256             /* NSIDs tried one by one without the list */
#define NS_INACTIVE "inactive"      /* ns_identify_parse: a size of 0 */

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Decodes Identify Namespace data (untrusted): the size in blocks and the
 * block size of the LBA format in use. Returns NULL, NS_INACTIVE for a
 * namespace of size 0, or why it cannot be served.
 */
const char *ns_identify_parse(const uint8_t data[NVME_PAGE], uint64_t *sectors,
                              uint32_t *sector_size)
{
	uint64_t nsze = get64(data + NVME_ID_NSZE);
	if (nsze == 0)
		return NS_INACTIVE;
	if (nsze >> 48)
		return "impossible size";
	unsigned nlbaf = data[NVME_ID_NLBAF], format = data[NVME_ID_FLBAS] & 0xfu;
	if (format > nlbaf)
		return "the LBA format in use is not one of those listed";
	uint32_t lbaf;
	memcpy(&lbaf, data + NVME_ID_LBAF + 4 * format, sizeof(lbaf));
	if (lbaf & 0xffff)
		return "blocks carry metadata";
	unsigned lbads = (lbaf >> 16) & 0xff;
	/* iris/proto/blk.h promises sectors of 512..65536 bytes */
	if (lbads < 9 || lbads > 16)
		return "unsupported block size";
	*sectors = nsze;
	*sector_size = 1u << lbads;
	return NULL;
}

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
	const char *why = ns_identify_parse(c->data.vaddr, &sectors, &ss);
	if (why == NULL && ss > c->xfer_max)
		why = "blocks larger than a transfer";
	if (why) {
		if (strcmp(why, NS_INACTIVE) != 0)
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
	uint32_t list[NS_LIST_MAX];
	unsigned n = 0;
	if (ns_identify(c, 0, NVME_CNS_ACTIVE_NS) == 0) {
		memcpy(list, c->data.vaddr, sizeof(list));
		/* ascending, non-zero, at most NN: anything else ends the list */
		while (n < NS_LIST_MAX && list[n] != 0 && list[n] <= c->nn &&
		       (n == 0 || list[n] > list[n - 1]))
			n++;
	} else {
		uint32_t last = c->nn < NS_SCAN_MAX ? c->nn : NS_SCAN_MAX;
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
	id->max_sectors = c->xfer_max / ns->sector_size;
	id->queue_depth = c->nio * c->io[0].nslots;
	snprintf(id->model, sizeof(id->model), "%s", c->model);
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
