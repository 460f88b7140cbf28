/*
 * Host unit test of the AHCI driver's IDENTIFY DEVICE parser and command FIS
 * builder (drivers/ahci/ata.c): disks it takes (48-bit sizes, logical sector
 * sizes, NCQ, the model string) and IDENTIFY data it refuses, each with the
 * reason it gives.
 */
#include "../../drivers/ahci/ahci.h"
#include "check.h"
#include <string.h>

static uint16_t w[256];
static struct ata_ident id;

/* A plain 48-bit disk of `sectors` 512-byte sectors, without NCQ, model "QEMU HARDDISK". */
static void identify_init(uint64_t sectors)
{
	memset(w, 0, sizeof(w));
	w[0] = 0x0040;  /* fixed ATA device */
	w[49] = 0x0b00; /* IORDY, LBA, DMA */
	w[83] = 0x7400; /* valid, 48-bit addressing, FLUSH CACHE EXT */
	w[60] = 0xffff; /* the 28-bit size: unused by the parser */
	w[61] = 0x0fff;
	for (int i = 0; i < 4; i++)
		w[100 + i] = (uint16_t)(sectors >> (16 * i));
	const char *model = "QEMU HARDDISK";
	for (int i = 0; i < 40; i++) {
		size_t n = strlen(model);
		uint8_t c = (size_t)i < n ? (uint8_t)model[i] : ' ';
		if (i % 2 == 0)
			w[27 + i / 2] = (uint16_t)(c << 8);
		else
			w[27 + i / 2] |= c;
	}
}

/* Puts the 40 bytes of `field` into the model words, two per word, high byte first. */
static void model_set(const char field[40])
{
	for (int i = 0; i < 20; i++)
		w[27 + i] = (uint16_t)((uint8_t)field[2 * i] << 8 | (uint8_t)field[2 * i + 1]);
}

/* Signs the data: signature 0xa5 and the checksum that makes all 512 bytes sum to 0. */
static void checksum_set(void)
{
	w[255] = 0x00a5;
	uint8_t sum = 0;
	for (int i = 0; i < 256; i++)
		sum = (uint8_t)(sum + (w[i] & 0xff) + (w[i] >> 8));
	w[255] = (uint16_t)((uint8_t)(0x100 - sum) << 8 | 0xa5);
}

static const char *parse(void)
{
	return ata_identify_parse(w, &id);
}

/* Whether the current words are refused with a message containing `want`. */
static int refused(const char *want)
{
	const char *why = parse();
	if (!why)
		return 0;
	if (!strstr(why, want)) {
		printf("#   got \"%s\", wanted \"%s\"\n", why, want);
		return 0;
	}
	return 1;
}

static void test_plain_disk(void)
{
	identify_init(131072);
	CHECK(parse() == NULL);
	CHECK(id.sectors == 131072);
	CHECK(id.sector_size == 512);
	CHECK(!id.ncq);
	CHECK(id.queue_depth == 1);
	CHECK(strcmp(id.model, "QEMU HARDDISK") == 0);
}

static void test_lba48_sizes(void)
{
	identify_init(1);
	CHECK(parse() == NULL && id.sectors == 1);
	/* every one of the four words counts, low word first */
	identify_init(0x0000123456789abcull);
	CHECK(parse() == NULL && id.sectors == 0x0000123456789abcull);
	identify_init(0x0000000100000000ull); /* 2 TiB: past 32 bits */
	CHECK(parse() == NULL && id.sectors == 0x100000000ull);
	identify_init(0x0000ffffffffffffull); /* the largest 48-bit count */
	CHECK(parse() == NULL && id.sectors == 0xffffffffffffull);
}

static void test_bad_sizes(void)
{
	identify_init(0);
	CHECK(refused("sector count"));
	identify_init(1ull << 48); /* LBAs need more than 48 bits */
	CHECK(refused("sector count"));
	identify_init(~0ull);
	CHECK(refused("sector count"));
}

static void test_lba28_only(void)
{
	/* a 28-bit disk: its size in words 60-61, no 48-bit addressing in word 83 */
	identify_init(0);
	w[83] = 0x4000;
	CHECK(refused("48-bit"));
	/* word 83 not valid (15:14 != 01) even though bit 10 is set */
	identify_init(1000);
	w[83] = 0x0400;
	CHECK(refused("48-bit"));
	w[83] = 0xffff;
	CHECK(refused("48-bit"));
	w[83] = 0x8400;
	CHECK(refused("48-bit"));
}

static void test_no_lba_or_dma(void)
{
	identify_init(1000);
	w[49] = 0x0100; /* DMA, but no LBA: cylinders, heads and sectors only */
	CHECK(refused("LBA"));
	w[49] = 0x0200; /* LBA, but PIO only */
	CHECK(refused("DMA"));
	w[49] = 0;
	CHECK(refused("LBA"));
	w[49] = 0x0300;
	CHECK(parse() == NULL);
}

static void test_not_ata(void)
{
	identify_init(1000);
	w[0] = 0x85c0; /* an ATAPI CD-ROM's word 0 */
	CHECK(refused("not an ATA device"));

	memset(w, 0, sizeof(w)); /* nothing answered */
	CHECK(parse() != NULL);
	memset(w, 0xff, sizeof(w)); /* a floating bus */
	CHECK(parse() != NULL);
}

static void test_ncq(void)
{
	identify_init(1000);
	w[76] = 0x0100; /* NCQ */
	w[75] = 31;
	CHECK(parse() == NULL && id.ncq && id.queue_depth == 32);
	w[75] = 0;
	CHECK(parse() == NULL && id.ncq && id.queue_depth == 1);
	w[75] = 0xffe7; /* only bits 4:0 count */
	CHECK(parse() == NULL && id.ncq && id.queue_depth == 8);
	w[76] = 0x070e; /* SATA speeds and more, NCQ bit 8 set */
	w[75] = 15;
	CHECK(parse() == NULL && id.ncq && id.queue_depth == 16);
	w[76] = 0x060e; /* SATA, no NCQ: the queue depth word means nothing */
	CHECK(parse() == NULL && !id.ncq && id.queue_depth == 1);
	w[76] = 0xffff; /* not a SATA device: the word is not valid */
	CHECK(parse() == NULL && !id.ncq && id.queue_depth == 1);
	w[76] = 0;
	CHECK(parse() == NULL && !id.ncq && id.queue_depth == 1);
}

static void test_sector_size(void)
{
	identify_init(1000);
	w[106] = 0x4000; /* valid, but 512-byte logical sectors */
	w[117] = 2048;   /* ignored without bit 12 */
	CHECK(parse() == NULL && id.sector_size == 512);
	w[106] = 0x5000; /* logical sectors of words 117-118 */
	CHECK(parse() == NULL && id.sector_size == 4096);
	w[117] = 256;
	CHECK(parse() == NULL && id.sector_size == 512);
	w[117] = 0x8000; /* 64 KiB: the largest iris/blk.h allows */
	CHECK(parse() == NULL && id.sector_size == 65536);
	w[106] = 0x1000; /* word 106 not valid (15:14 != 01): 512 */
	CHECK(parse() == NULL && id.sector_size == 512);
	w[106] = 0xd000;
	CHECK(parse() == NULL && id.sector_size == 512);

	w[106] = 0x5000;
	w[117] = 0; /* 128 KiB: fits the driver's bounce buffer, not the protocol */
	w[118] = 1;
	CHECK(refused("sector size"));
	w[118] = 0;
	CHECK(refused("sector size")); /* 0 words */
	w[117] = 255;
	CHECK(refused("sector size"));
	w[117] = 260; /* 520 bytes: not a power of two */
	CHECK(refused("sector size"));
	w[117] = 384;
	CHECK(refused("sector size"));
	w[117] = 0;
	w[118] = 0x8000; /* 2^31 words: words * 2 would wrap around */
	CHECK(refused("sector size"));
	w[117] = 0xffff;
	w[118] = 0xffff;
	CHECK(refused("sector size"));
}

static void test_model(void)
{
	identify_init(1000);
	/* swapped pairs: each word holds its first character in the high byte */
	w[27] = ('A' << 8) | 'B';
	w[28] = ('C' << 8) | 'D';
	for (int i = 29; i < 47; i++)
		w[i] = 0x2020;
	CHECK(parse() == NULL && strcmp(id.model, "ABCD") == 0);

	model_set("  Leading spaces stay, trailing go      ");
	CHECK(parse() == NULL && strcmp(id.model, "  Leading spaces stay, trailing go") == 0);

	model_set("0123456789012345678901234567890123456789"); /* all 40, no padding */
	CHECK(parse() == NULL && strcmp(id.model, "0123456789012345678901234567890123456789") == 0);
	CHECK(id.model[40] == '\0');

	model_set("                                        ");
	CHECK(parse() == NULL && strcmp(id.model, "") == 0);

	char field[40];
	memset(field, ' ', sizeof(field));
	memcpy(field, "X\0Y\tZ\x7f\x80\xff~ ", 10); /* control, DEL, high bytes: '?' */
	model_set(field);
	CHECK(parse() == NULL && strcmp(id.model, "X?Y?Z???~") == 0);

	memset(field, 0, sizeof(field)); /* a model of NULs: all '?', none trimmed */
	model_set(field);
	CHECK(parse() == NULL && strcmp(id.model, "????????????????????????????????????????") == 0);

	memset(field, 0xff, sizeof(field));
	model_set(field);
	CHECK(parse() == NULL && strlen(id.model) == 40);
}

static void test_checksum(void)
{
	identify_init(1000);
	checksum_set();
	CHECK(parse() == NULL);
	w[100] ^= 0x0001; /* one bit off */
	CHECK(refused("checksum"));
	w[100] ^= 0x0001;
	w[255] ^= 0x0100; /* the checksum itself off */
	CHECK(refused("checksum"));
	/* without the 0xa5 signature the checksum byte is not one */
	w[255] = 0x1234;
	CHECK(parse() == NULL);
	/* a signed block that fails a later check still fails it */
	identify_init(0);
	checksum_set();
	CHECK(refused("sector count"));
}

/* A refusal leaves no half-parsed sector size or model behind that looks valid. */
static void test_result_reset(void)
{
	identify_init(1000);
	w[76] = 0x0100;
	w[75] = 31;
	CHECK(parse() == NULL && id.ncq);
	w[0] = 0x8000;
	CHECK(parse() != NULL);
	CHECK(!id.ncq && id.queue_depth == 0 && id.model[0] == '\0');
}

static void test_fis(void)
{
	uint8_t cfis[64];
	memset(cfis, 0xcc, sizeof(cfis));
	ata_fis(cfis, ATA_CMD_READ_DMA_EXT, 0x0000a1b2c3d4e5f6ull, 0x1234, 7);
	CHECK(cfis[0] == FIS_TYPE_H2D && cfis[1] == 0x80 && cfis[2] == ATA_CMD_READ_DMA_EXT);
	CHECK(cfis[4] == 0xf6 && cfis[5] == 0xe5 && cfis[6] == 0xd4);
	CHECK(cfis[8] == 0xc3 && cfis[9] == 0xb2 && cfis[10] == 0xa1);
	CHECK(cfis[7] == ATA_DEV_LBA);
	CHECK(cfis[12] == 0x34 && cfis[13] == 0x12 && cfis[3] == 0 && cfis[11] == 0);
	uint8_t rest = 0;
	for (int i = 14; i < 64; i++)
		rest |= cfis[i];
	CHECK(rest == 0);

	/* NCQ: the count in FEATURE, the tag in COUNT 7:3 */
	ata_fis(cfis, ATA_CMD_WRITE_FPDMA, 42, 256, 31);
	CHECK(cfis[2] == ATA_CMD_WRITE_FPDMA && cfis[4] == 42 && cfis[5] == 0);
	CHECK(cfis[3] == 0x00 && cfis[11] == 0x01);
	CHECK(cfis[12] == (31 << 3) && cfis[13] == 0);

	/* IDENTIFY and FLUSH carry no address or count */
	memset(cfis, 0xcc, sizeof(cfis));
	ata_fis(cfis, ATA_CMD_FLUSH_EXT, ~0ull, ~0u, 3);
	CHECK(cfis[2] == ATA_CMD_FLUSH_EXT);
	rest = 0;
	for (int i = 3; i < 64; i++)
		rest |= cfis[i];
	CHECK(rest == 0);
}

int main(void)
{
	test_plain_disk();
	test_lba48_sizes();
	test_bad_sizes();
	test_lba28_only();
	test_no_lba_or_dma();
	test_not_ata();
	test_ncq();
	test_sector_size();
	test_model();
	test_checksum();
	test_result_reset();
	test_fis();
	return check_done("ata");
}
