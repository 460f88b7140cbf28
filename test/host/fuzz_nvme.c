/*
 * libFuzzer target for the NVMe driver's Identify parsers
 * (drivers/nvme/identify.c): a 4 KiB page the controller writes is untrusted.
 *
 * Input: byte 0 picks the parser (mode % 3: 0 controller, 1 namespace, 2
 * the active namespace list), byte 1 the namespace's transfer limit (4 KiB
 * << byte % 6) and, for mode 1 with bit 2 of byte 0 set, makes the namespace
 * plausible (a size below 2^48, the format in use listed and without
 * metadata); the rest is the page (missing bytes are 0).
 *
 * Oracle: a refusal is a non-empty message; whether the data is refused is
 * what a reference reading of NVMe 1.4 says; what is accepted is consistent
 * with the page: a transfer limit of 4 KiB..128 KiB, a power of two, from
 * MDTS; NN as written; a model of at most 40 printable characters without
 * trailing spaces, the field's with '?' for anything unprintable; a
 * namespace of 1..2^48-1 blocks of 512..65536 bytes within the transfer
 * limit; a list that ascends within 1..NN and stops only where the next
 * entry breaks that. A broken promise traps. The deep checks counted
 * (fuzz_reached.h) are the accepted controllers and namespaces and the
 * non-empty lists.
 *
 * clang -std=c11 -Wall -Wextra -Werror -g -fsanitize=fuzzer,address,undefined \
 *   -fno-sanitize-recover=all -I drivers/lib/include -idirafter libc/include -I include \
 *   test/host/fuzz_nvme.c drivers/nvme/identify.c -o /tmp/fuzz_nvme && /tmp/fuzz_nvme
 */
#include "../../drivers/nvme/nvme.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_REACHED_MIN 1000
#include "fuzz_reached.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expect(bool cond)
{
	if (!cond)
		__builtin_trap();
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static bool printable(uint8_t c)
{
	return c >= 0x20 && c <= 0x7e;
}

static void check_controller(const uint8_t *page)
{
	struct nvme_ctrl_ident id;
	const char *why = nvme_ctrl_parse(page, &id);
	unsigned sq = page[NVME_ID_SQES], cq = page[NVME_ID_CQES];
	bool ok = (sq & 15) <= 6 && (cq & 15) <= 4 && (!(sq >> 4) || (sq >> 4) >= 6) &&
	          (!(cq >> 4) || (cq >> 4) >= 4);
	expect((why == NULL) == ok);
	if (why) {
		expect(why[0] != '\0');
		return;
	}
	unsigned mdts = page[NVME_ID_MDTS];
	uint32_t want = mdts && mdts < 5 ? 4096u << mdts : NVME_XFER_MAX;
	expect(id.xfer_max == want);
	expect(id.xfer_max >= 4096 && id.xfer_max <= NVME_XFER_MAX);
	expect((id.xfer_max & (id.xfer_max - 1)) == 0);
	expect(id.nn == get32(page + NVME_ID_NN));
	const char *nul = memchr(id.model, '\0', sizeof(id.model));
	expect(nul != NULL);
	size_t n = (size_t)(nul - id.model);
	expect(n == 0 || id.model[n - 1] != ' ');
	for (size_t i = 0; i < 40; i++) {
		uint8_t c = page[NVME_ID_MN + i];
		if (i < n)
			expect(id.model[i] == (printable(c) ? (char)c : '?'));
		else
			expect(c == ' ');
	}
	fuzz_reached();
}

static void check_namespace(const uint8_t *page, uint32_t xfer_max)
{
	uint64_t nsze, sectors = 0;
	uint32_t ss = 0;
	memcpy(&nsze, page + NVME_ID_NSZE, sizeof(nsze));
	const char *why = nvme_ns_parse(page, xfer_max, &sectors, &ss);
	unsigned format = page[NVME_ID_FLBAS] & 15;
	uint32_t lbaf = get32(page + NVME_ID_LBAF + 4 * format);
	unsigned lbads = (lbaf >> 16) & 0xff;
	bool ok = nsze != 0 && nsze < (1ull << 48) && format <= page[NVME_ID_NLBAF] &&
	          (lbaf & 0xffff) == 0 && lbads >= 9 && lbads <= 16 && (1u << lbads) <= xfer_max;
	expect((why == NULL) == ok);
	expect((why == NVME_NS_INACTIVE) == (nsze == 0));
	if (why) {
		expect(why[0] != '\0' && sectors == 0 && ss == 0);
		return;
	}
	expect(sectors == nsze && ss == 1u << lbads);
	expect(ss >= 512 && ss <= 65536 && ss <= xfer_max);
	fuzz_reached();
}

static void check_list(const uint8_t *page)
{
	uint32_t list[NVME_NS_LIST_MAX];
	uint32_t nn = get32(page + NVME_PAGE - 4) % 2048; /* the last entry doubles as NN */
	unsigned n = nvme_ns_list_parse(page, nn, list);
	expect(n <= NVME_NS_LIST_MAX);
	for (unsigned i = 0; i < n; i++) {
		expect(list[i] == get32(page + 4 * i));
		expect(list[i] >= 1 && list[i] <= nn && (i == 0 || list[i] > list[i - 1]));
	}
	if (n < NVME_NS_LIST_MAX) {
		uint32_t next = get32(page + 4 * n);
		expect(next == 0 || next > nn || (n > 0 && next <= list[n - 1]));
	}
	if (n)
		fuzz_reached();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	static uint8_t page[NVME_PAGE];
	memset(page, 0, sizeof(page));
	memcpy(page, data + 2, size - 2 < sizeof(page) ? size - 2 : sizeof(page));
	uint8_t mode = data[0];
	uint32_t xfer_max = 4096u << (data[1] % 6);
	switch (mode % 3) {
	case 0:
		check_controller(page);
		break;
	case 1:
		if (mode & 4) {
			page[NVME_ID_NSZE + 6] = page[NVME_ID_NSZE + 7] = 0;
			page[NVME_ID_NLBAF] |= page[NVME_ID_FLBAS] & 15;
			unsigned at = NVME_ID_LBAF + 4 * (page[NVME_ID_FLBAS] & 15u);
			page[at] = page[at + 1] = 0;
			page[at + 2] = (uint8_t)(9 + page[at + 2] % 8);
		}
		check_namespace(page, xfer_max);
		break;
	default:
		check_list(page);
		break;
	}
	return 0;
}
