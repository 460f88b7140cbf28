/*
 * Host unit test of the NVMe driver's Identify parsers (drivers/nvme/identify.c):
 * controllers it takes (entry sizes, MDTS, the model string), namespaces
 * (sizes, LBA formats, metadata, inactive ones) and active namespace
 * lists, and what it refuses, each with the reason it gives.
 */
#include "../../drivers/nvme/nvme.h"
#include "check.h"
#include <string.h>

static uint8_t page[NVME_PAGE];

static void put32(size_t off, uint32_t v)
{
	memcpy(page + off, &v, sizeof(v));
}

static void put64(size_t off, uint64_t v)
{
	memcpy(page + off, &v, sizeof(v));
}

/* Identify Controller data shaped like QEMU's: 64/16-byte entries, MDTS 7, 256 namespaces. */
static void controller_init(void)
{
	memset(page, 0, sizeof(page));
	memset(page + NVME_ID_MN, ' ', 40);
	memcpy(page + NVME_ID_MN, "QEMU NVMe Ctrl", 14);
	page[NVME_ID_MDTS] = 7;
	page[NVME_ID_SQES] = 0x66;
	page[NVME_ID_CQES] = 0x44;
	put32(NVME_ID_NN, 256);
}

/* Identify Namespace data: `blocks` blocks of 2^lbads bytes in format `format` of `formats`. */
static void namespace_init(uint64_t blocks, unsigned formats, unsigned format, unsigned lbads)
{
	memset(page, 0, sizeof(page));
	put64(NVME_ID_NSZE, blocks);
	page[NVME_ID_NLBAF] = (uint8_t)(formats - 1);
	page[NVME_ID_FLBAS] = (uint8_t)format;
	for (unsigned i = 0; i < formats; i++)
		put32(NVME_ID_LBAF + 4 * i, 9u << 16);
	put32(NVME_ID_LBAF + 4 * format, lbads << 16);
}

static void test_controller(void)
{
	struct nvme_ctrl_ident id;
	controller_init();
	CHECK(nvme_ctrl_parse(page, &id) == NULL);
	CHECK(id.xfer_max == NVME_XFER_MAX && id.nn == 256);
	CHECK(strcmp(id.model, "QEMU NVMe Ctrl") == 0);

	/* MDTS: 2^n pages of 4 KiB, capped at the bounce buffer; 0 is no limit */
	page[NVME_ID_MDTS] = 1;
	CHECK(nvme_ctrl_parse(page, &id) == NULL && id.xfer_max == 8192);
	page[NVME_ID_MDTS] = 0;
	CHECK(nvme_ctrl_parse(page, &id) == NULL && id.xfer_max == NVME_XFER_MAX);
	page[NVME_ID_MDTS] = 255; /* a shift past 32 bits must not happen */
	CHECK(nvme_ctrl_parse(page, &id) == NULL && id.xfer_max == NVME_XFER_MAX);

	/* entry sizes: a controller that needs bigger ones, or allows only smaller */
	controller_init();
	page[NVME_ID_SQES] = 0x77;
	CHECK(nvme_ctrl_parse(page, &id) != NULL);
	page[NVME_ID_SQES] = 0x55;
	CHECK(nvme_ctrl_parse(page, &id) != NULL);
	page[NVME_ID_SQES] = 0x66;
	page[NVME_ID_CQES] = 0x55;
	const char *why = nvme_ctrl_parse(page, &id);
	CHECK(why != NULL && strstr(why, "16 bytes") != NULL);
	page[NVME_ID_SQES] = 0;
	page[NVME_ID_CQES] = 0; /* before NVMe 1.1: not reported */
	CHECK(nvme_ctrl_parse(page, &id) == NULL);

	/* the model: printable, without trailing spaces, 40 bytes at most */
	controller_init();
	page[NVME_ID_MN + 1] = 0x07;
	page[NVME_ID_MN + 2] = 0xff;
	CHECK(nvme_ctrl_parse(page, &id) == NULL && strcmp(id.model, "Q??U NVMe Ctrl") == 0);
	memset(page + NVME_ID_MN, 'x', 40);
	CHECK(nvme_ctrl_parse(page, &id) == NULL && strlen(id.model) == 40);
	memset(page + NVME_ID_MN, ' ', 40);
	CHECK(nvme_ctrl_parse(page, &id) == NULL && id.model[0] == '\0');
}

static void test_namespace(void)
{
	uint64_t sectors = 0;
	uint32_t ss = 0;
	namespace_init(131072, 1, 0, 9);
	CHECK(nvme_ns_parse(page, NVME_XFER_MAX, &sectors, &ss) == NULL);
	CHECK(sectors == 131072 && ss == 512);
	namespace_init(1ull << 21, 2, 1, 12); /* 8 GiB of 4 KiB blocks */
	CHECK(nvme_ns_parse(page, NVME_XFER_MAX, &sectors, &ss) == NULL);
	CHECK(sectors == 1ull << 21 && ss == 4096);
	page[NVME_ID_FLBAS] |= 0x10; /* bit 4 (where metadata goes) is not part of the index */
	CHECK(nvme_ns_parse(page, NVME_XFER_MAX, &sectors, &ss) == NULL && ss == 4096);
	namespace_init(100, 1, 0, 16);
	CHECK(nvme_ns_parse(page, NVME_XFER_MAX, &sectors, &ss) == NULL && ss == 65536);

	sectors = 7;
	namespace_init(0, 1, 0, 9);
	CHECK(nvme_ns_parse(page, NVME_XFER_MAX, &sectors, &ss) == NVME_NS_INACTIVE);
	CHECK(sectors == 7); /* nothing written for a refusal */
	namespace_init(1ull << 48, 1, 0, 9);
	CHECK(nvme_ns_parse(page, NVME_XFER_MAX, &sectors, &ss) != NULL);
	namespace_init(UINT64_MAX, 1, 0, 9);
	CHECK(nvme_ns_parse(page, NVME_XFER_MAX, &sectors, &ss) != NULL);
	namespace_init(100, 2, 1, 9);
	page[NVME_ID_FLBAS] = 2; /* past NLBAF */
	const char *why = nvme_ns_parse(page, NVME_XFER_MAX, &sectors, &ss);
	CHECK(why != NULL && strstr(why, "LBA format") != NULL);
	namespace_init(100, 1, 0, 9);
	page[NVME_ID_FLBAS] = 15;
	page[NVME_ID_NLBAF] = 255; /* an index of 15 stays inside the 16 formats */
	CHECK(nvme_ns_parse(page, NVME_XFER_MAX, &sectors, &ss) != NULL);
	namespace_init(100, 1, 0, 9);
	put32(NVME_ID_LBAF, 9u << 16 | 8); /* 8 bytes of metadata */
	why = nvme_ns_parse(page, NVME_XFER_MAX, &sectors, &ss);
	CHECK(why != NULL && strstr(why, "metadata") != NULL);
	for (unsigned lbads = 0; lbads < 256; lbads++) {
		namespace_init(100, 1, 0, lbads);
		bool ok = nvme_ns_parse(page, NVME_XFER_MAX, &sectors, &ss) == NULL;
		CHECK(ok == (lbads >= 9 && lbads <= 16));
	}
	namespace_init(100, 1, 0, 14); /* 16 KiB blocks, 8 KiB transfers */
	CHECK(nvme_ns_parse(page, 8192, &sectors, &ss) != NULL);
}

static void test_list(void)
{
	uint32_t list[NVME_NS_LIST_MAX];
	memset(page, 0, sizeof(page));
	CHECK(nvme_ns_list_parse(page, 256, list) == 0);
	put32(0, 1);
	put32(4, 2);
	put32(8, 5);
	CHECK(nvme_ns_list_parse(page, 256, list) == 3 && list[2] == 5);
	CHECK(nvme_ns_list_parse(page, 4, list) == 2); /* above NN */
	put32(8, 2);
	CHECK(nvme_ns_list_parse(page, 256, list) == 2); /* not ascending */
	for (uint32_t i = 0; i < NVME_NS_LIST_MAX; i++)
		put32(4 * i, i + 1);
	CHECK(nvme_ns_list_parse(page, UINT32_MAX, list) == NVME_NS_LIST_MAX);
	CHECK(list[NVME_NS_LIST_MAX - 1] == NVME_NS_LIST_MAX);
}

int main(void)
{
	test_controller();
	test_namespace();
	test_list();
	return check_done("nvme");
}
