/*
 * Identify data (NVMe 1.4 figures 247, 249 and 248's list): the controller,
 * a namespace, the active namespace list. Pure: the data is untrusted
 * device output, checked here and host-tested (test/host/test_nvme.c,
 * fuzz_nvme.c).
 */
#include "nvme.h"
#include <string.h>

const char *const NVME_NS_INACTIVE = "inactive";

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

const char *nvme_ctrl_parse(const uint8_t data[NVME_PAGE], struct nvme_ctrl_ident *id)
{
	memset(id, 0, sizeof(*id));
	uint8_t sqes = data[NVME_ID_SQES], cqes = data[NVME_ID_CQES];
	/* a controller may require entries larger than the ones the driver writes */
	if ((sqes & 0xf) > NVME_SQE_LOG || (cqes & 0xf) > NVME_CQE_LOG ||
	    ((sqes >> 4) && (sqes >> 4) < NVME_SQE_LOG) ||
	    ((cqes >> 4) && (cqes >> 4) < NVME_CQE_LOG))
		return "queue entries of 64 and 16 bytes not supported";
	/* MDTS counts minimum pages (4 KiB: CAP.MPSMIN 0) as a power of two; 0: no limit */
	uint8_t mdts = data[NVME_ID_MDTS];
	id->xfer_max = NVME_XFER_MAX;
	if (mdts && mdts < 6 && (NVME_PAGE << mdts) < id->xfer_max)
		id->xfer_max = NVME_PAGE << mdts;
	id->nn = get32(data + NVME_ID_NN);
	size_t n = 40;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = data[NVME_ID_MN + i];
		id->model[i] = c >= 0x20 && c <= 0x7e ? (char)c : '?';
	}
	while (n > 0 && id->model[n - 1] == ' ')
		n--;
	id->model[n] = '\0';
	return NULL;
}

const char *nvme_ns_parse(const uint8_t data[NVME_PAGE], uint32_t xfer_max, uint64_t *sectors,
                          uint32_t *sector_size)
{
	uint64_t nsze = get64(data + NVME_ID_NSZE);
	if (nsze == 0)
		return NVME_NS_INACTIVE;
	if (nsze >> 48)
		return "impossible size";
	unsigned nlbaf = data[NVME_ID_NLBAF], format = data[NVME_ID_FLBAS] & 0xfu;
	if (format > nlbaf)
		return "the LBA format in use is not one of those listed";
	uint32_t lbaf = get32(data + NVME_ID_LBAF + 4 * format);
	if (lbaf & 0xffff)
		return "blocks carry metadata";
	/* iris/proto/blk.h promises sectors of 512..65536 bytes; a request holds one at least */
	unsigned lbads = (lbaf >> 16) & 0xff;
	if (lbads < 9 || lbads > 16 || (1u << lbads) > xfer_max)
		return "unsupported block size";
	*sectors = nsze;
	*sector_size = 1u << lbads;
	return NULL;
}

unsigned nvme_ns_list_parse(const uint8_t data[NVME_PAGE], uint32_t nn,
                            uint32_t list[NVME_NS_LIST_MAX])
{
	unsigned n = 0;
	while (n < NVME_NS_LIST_MAX) {
		uint32_t nsid = get32(data + 4 * n);
		if (nsid == 0 || nsid > nn || (n > 0 && nsid <= list[n - 1]))
			break;
		list[n++] = nsid;
	}
	return n;
}
