/*
 * libFuzzer target for the AHCI driver's IDENTIFY DEVICE parser
 * (drivers/ahci/ata.c): the 256 words a disk answers are untrusted.
 *
 * Input: byte 0 picks the mode, the rest are the words, little-endian
 * (missing ones are 0), those the parser reads coming first (word_order). Mode bit 0 takes them
 * raw; otherwise the words the parser tests first are mostly made to pass (an ATA device with LBA
 * and DMA, 48-bit addressing, a 48-bit sector count), the logical sector size is a power of two of
 * words 128..131072 when mode bit 1 is set, and mode bit 2 signs the data with a correct checksum,
 * so that a fair share of inputs is accepted.
 *
 * Oracle: a refusal is a non-empty message; whether the data is refused is
 * what a reference reading of ACS-3 says; an accepted disk is consistent
 * with its words: 1..2^48-1 sectors, a power-of-two sector size of
 * 512..65536 (the words' size, or 512), NCQ only when word 76 says so, a
 * queue depth of 1..32 (1 without NCQ), and a model of at most 40
 * printable characters, NUL-terminated, without trailing spaces, which is
 * the byte-swapped model field with '?' for anything unprintable followed
 * by nothing but spaces. A broken promise traps. The deep checks counted
 * (fuzz_reached.h) are the accepted disks.
 *
 * clang -std=c11 -Wall -Wextra -Werror -g -fsanitize=fuzzer,address,undefined \
 *   -fno-sanitize-recover=all -I drivers/lib/include -idirafter libc/include -I include \
 *   test/host/fuzz_ata.c drivers/ahci/ata.c -o /tmp/fuzz_ata && /tmp/fuzz_ata -max_total_time=60
 */
#include "../../drivers/ahci/ahci.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_REACHED_MIN 1000
#include "fuzz_reached.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Which word each two bytes of the input fill: those the parser reads first,
 * so that short inputs matter, then the others in order.
 */
static uint8_t word_order[256];

static void word_order_init(void)
{
	static const uint8_t first[] = {
		0, 49, 83, 100, 101, 102, 103, 76, 75, 106, 117, 118, 255
	};
	bool taken[256] = { false };
	size_t n = 0;
	for (size_t i = 0; i < sizeof(first); i++) {
		word_order[n++] = first[i];
		taken[first[i]] = true;
	}
	for (int i = 0; i < 256; i++)
		if (!taken[i])
			word_order[n++] = (uint8_t)i;
}

static void expect(bool cond)
{
	if (!cond)
		__builtin_trap();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	word_order_init();
	return 0;
}

static bool printable(unsigned char c)
{
	return c >= 0x20 && c <= 0x7e;
}

/* The logical sector size the words give, in bytes: 512 unless word 106 says otherwise. */
static uint64_t sector_bytes(const uint16_t *w)
{
	if ((w[106] >> 14) != 1 || !(w[106] & 0x1000))
		return 512;
	return 2 * ((uint64_t)w[118] << 16 | w[117]);
}

static uint64_t sector_count(const uint16_t *w)
{
	return (uint64_t)w[103] << 48 | (uint64_t)w[102] << 32 | (uint64_t)w[101] << 16 | w[100];
}

/* Whether a disk with these words is usable by the driver, read from ACS-3. */
static bool reference_accepts(const uint16_t *w)
{
	if ((w[255] & 0xff) == 0xa5) {
		unsigned sum = 0;
		for (int i = 0; i < 256; i++)
			sum += (w[i] & 0xffu) + (w[i] >> 8);
		if (sum % 256 != 0)
			return false;
	}
	bool ata = !(w[0] & 0x8000);
	bool lba_dma = (w[49] & 0x0200) && (w[49] & 0x0100);
	bool lba48 = (w[83] >> 14) == 1 && (w[83] & 0x0400);
	uint64_t n = sector_count(w);
	uint64_t ss = sector_bytes(w);
	bool size_ok = n >= 1 && n < (1ull << 48);
	bool ss_ok = ss >= 512 && ss <= 65536 && (ss & (ss - 1)) == 0;
	return ata && lba_dma && lba48 && size_ok && ss_ok;
}

static void check_accepted(const uint16_t *w, const struct ata_ident *id)
{
	expect(id->sectors == sector_count(w));
	expect(id->sectors >= 1 && id->sectors < (1ull << 48));
	expect(id->sector_size == sector_bytes(w));
	expect(id->sector_size >= 512 && id->sector_size <= 65536);
	expect((id->sector_size & (id->sector_size - 1)) == 0);
	bool ncq = w[76] != 0 && w[76] != 0xffff && (w[76] & 0x0100);
	expect(id->ncq == ncq);
	expect(id->queue_depth >= 1 && id->queue_depth <= 32);
	expect(ncq ? id->queue_depth == (w[75] & 0x1fu) + 1 : id->queue_depth == 1);

	const char *nul = memchr(id->model, '\0', sizeof(id->model));
	expect(nul != NULL);
	size_t n = (size_t)(nul - id->model);
	expect(n == 0 || id->model[n - 1] != ' ');
	for (size_t i = 0; i < 40; i++) {
		unsigned char c =
		        (unsigned char)(i % 2 ? w[27 + i / 2] & 0xff : w[27 + i / 2] >> 8);
		if (i < n) {
			expect(printable((unsigned char)id->model[i]));
			expect(id->model[i] == (printable(c) ? (char)c : '?'));
		} else {
			expect(c == ' ');
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	uint8_t bytes[512] = { 0 };
	memcpy(bytes, data + 1, size - 1 < sizeof(bytes) ? size - 1 : sizeof(bytes));
	uint16_t w[256];
	for (int i = 0; i < 256; i++)
		w[word_order[i]] = (uint16_t)(bytes[2 * i] | bytes[2 * i + 1] << 8);
	if (!(mode & 1)) {
		w[0] &= 0x7fff;
		w[49] |= 0x0300;
		w[83] = (uint16_t)((w[83] & 0x3fff) | 0x4400);
		w[103] = 0;
		if (mode & 2) {
			w[106] = (uint16_t)((w[106] & 0x3fff) | 0x5000);
			uint32_t words = 128u
			                 << (w[117] % 11); /* 128..131072: some too big or small */
			w[117] = (uint16_t)words;
			w[118] = (uint16_t)(words >> 16);
		}
		if (mode & 4) {
			w[255] = 0x00a5;
			uint8_t sum = 0;
			for (int i = 0; i < 256; i++)
				sum = (uint8_t)(sum + (w[i] & 0xff) + (w[i] >> 8));
			w[255] = (uint16_t)((uint8_t)(0x100 - sum) << 8 | 0xa5);
		} else if ((w[255] & 0xff) == 0xa5) {
			w[255] ^= 0x0001; /* unsigned: no checksum */
		}
	}

	struct ata_ident id;
	memset(&id, 0x5a, sizeof(id));
	const char *why = ata_identify_parse(w, &id);
	expect((why == NULL) == reference_accepts(w));
	if (why) {
		expect(why[0] != '\0');
		return 0;
	}
	check_accepted(w, &id);
	fuzz_reached();
	return 0;
}
