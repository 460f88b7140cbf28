/* ATA: IDENTIFY DEVICE data and command FISes (ACS-3, SATA 3.x). */
#include "ahci.h"
#include <string.h>

/* IDENTIFY DEVICE words used here (ACS-3 table 45). */
#define ID_CONFIG      0   /* bit 15: 0 for an ATA device */
#define ID_MODEL       27  /* 27..46: 40 ASCII characters, two per word, high byte first */
#define ID_CAPS        49  /* bit 9: LBA supported; bit 8: DMA supported */
#define ID_QUEUE_DEPTH 75  /* 4:0: maximum queue depth - 1 */
#define ID_SATA_CAP    76  /* bit 8: NCQ supported */
#define ID_CMDSET2     83  /* bit 10: 48-bit addressing; 15:14 = 01 when valid */
#define ID_LBA48       100 /* 100..103: sectors with 48-bit addressing */
#define ID_SECTOR_SIZE                                                                             \
	106                 /* 15:14 = 01 when valid; bit 12: logical sector longer than 256 words \
	                     */
#define ID_LOGICAL_SIZE 117 /* 117..118: words per logical sector */
#define ID_INTEGRITY    255 /* 7:0 = 0xa5: 15:8 is a checksum of all 512 bytes */

const char *ata_identify_parse(const uint16_t w[256], struct ata_ident *id)
{
	memset(id, 0, sizeof(*id));
	if ((w[ID_INTEGRITY] & 0xff) == 0xa5) {
		uint8_t sum = 0;
		for (int i = 0; i < 256; i++)
			sum = (uint8_t)(sum + (w[i] & 0xff) + (w[i] >> 8));
		if (sum != 0)
			return "IDENTIFY data fails its checksum";
	}
	if (w[ID_CONFIG] & 0x8000)
		return "not an ATA device";
	if ((w[ID_CAPS] & 0x300) != 0x300)
		return "LBA or DMA not supported";
	if ((w[ID_CMDSET2] & 0xc000) != 0x4000 || !(w[ID_CMDSET2] & (1u << 10)))
		return "no 48-bit addressing";
	id->sectors = (uint64_t)w[ID_LBA48] | (uint64_t)w[ID_LBA48 + 1] << 16 |
	              (uint64_t)w[ID_LBA48 + 2] << 32 | (uint64_t)w[ID_LBA48 + 3] << 48;
	if (id->sectors == 0 || id->sectors >> 48)
		return "impossible sector count";
	id->sector_size = 512;
	if ((w[ID_SECTOR_SIZE] & 0xc000) == 0x4000 && (w[ID_SECTOR_SIZE] & (1u << 12))) {
		uint32_t words = (uint32_t)w[ID_LOGICAL_SIZE] | (uint32_t)w[ID_LOGICAL_SIZE + 1]
		                                                        << 16;
		/* iris/proto/blk.h promises sectors of 512..65536 bytes */
		if (words < 256 || words > 32768 || words > AHCI_XFER_MAX / 2 ||
		    (words & (words - 1)))
			return "unsupported logical sector size";
		id->sector_size = words * 2;
	}
	uint16_t sata = w[ID_SATA_CAP];
	id->ncq = sata != 0 && sata != 0xffff && (sata & (1u << 8));
	id->queue_depth = id->ncq ? (w[ID_QUEUE_DEPTH] & 0x1fu) + 1 : 1;
	for (int i = 0; i < 20; i++) {
		id->model[2 * i] = (char)(w[ID_MODEL + i] >> 8);
		id->model[2 * i + 1] = (char)(w[ID_MODEL + i] & 0xff);
	}
	for (int i = 0; i < 40; i++)
		if (id->model[i] < 0x20 || id->model[i] > 0x7e)
			id->model[i] = '?';
	int n = 40;
	while (n > 0 && id->model[n - 1] == ' ')
		n--;
	id->model[n] = '\0';
	return NULL;
}

void ata_fis(uint8_t cfis[64], uint8_t cmd, uint64_t lba, uint32_t count, unsigned tag)
{
	memset(cfis, 0, 64);
	cfis[0] = FIS_TYPE_H2D;
	cfis[1] = 0x80; /* C: this FIS carries a command */
	cfis[2] = cmd;
	if (cmd == ATA_CMD_IDENTIFY || cmd == ATA_CMD_FLUSH_EXT)
		return;
	cfis[4] = (uint8_t)lba;
	cfis[5] = (uint8_t)(lba >> 8);
	cfis[6] = (uint8_t)(lba >> 16);
	cfis[7] = ATA_DEV_LBA;
	cfis[8] = (uint8_t)(lba >> 24);
	cfis[9] = (uint8_t)(lba >> 32);
	cfis[10] = (uint8_t)(lba >> 40);
	if (cmd == ATA_CMD_READ_FPDMA || cmd == ATA_CMD_WRITE_FPDMA) {
		cfis[3] = (uint8_t)count; /* the count travels in FEATURE */
		cfis[11] = (uint8_t)(count >> 8);
		cfis[12] = (uint8_t)(tag << 3); /* and the tag in COUNT 7:3 */
	} else {
		cfis[12] = (uint8_t)count;
		cfis[13] = (uint8_t)(count >> 8);
	}
}
