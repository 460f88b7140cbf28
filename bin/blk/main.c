/*
 * blk: block devices from the console and the tests (iris/blk.h).
 *
 *   blk list                               every block device: name, size, model, driver
 *   blk [-w] info NAME                     size, sector size, model
 *   blk [-w] write NAME LBA COUNT SEED     writes the test pattern of SEED
 *   blk [-w] read NAME LBA COUNT           reads, prints the first bytes and the cksum
 *   blk [-w] verify NAME LBA COUNT SEED    reads and checks the pattern of SEED
 *
 * NAME is a block device's name (blk/ahci0.1); a name without "blk/" gets
 * it. A name nobody has registered fails at once; with -w blk waits up to
 * BLK_RECONNECT_NS for a driver that is starting or restarting to register
 * it. The pattern of a sector depends only on SEED and its LBA, so verify
 * checks what write wrote whatever the transfer sizes. `read` prints the
 * POSIX cksum of the bytes read as the host's cksum does ("CRC BYTES NAME"),
 * the name being "blk/ahci0.1@LBA+COUNT", so `dd ... | cksum` on the host
 * gives the same two numbers. The exit status is 0 only when everything
 * worked (and verified).
 */
#include <args.h>
#include <common/cksum.h>
#include <errno.h>
#include <iris/blk.h>
#include <iris/ns.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_BYTES (1u << 20) /* per synchronous transfer */

static int usage(void)
{
	return args_usage("blk list\n"
	                  "       blk [-w] info NAME\n"
	                  "       blk [-w] write NAME LBA COUNT SEED\n"
	                  "       blk [-w] read NAME LBA COUNT\n"
	                  "       blk [-w] verify NAME LBA COUNT SEED\n"
	                  "  -w: wait up to 10 s for a driver to register NAME\n");
}

/* Opens the disk named `arg` (the "blk/" prefix optional); `name` gets its full name. */
static int open_disk(const char *arg, uint64_t wait_ns, struct blk_dev **b,
                     char name[IRIS_NS_NAME_MAX])
{
	const char *prefix =
	        strncmp(arg, BLK_NAME_PREFIX, strlen(BLK_NAME_PREFIX)) ? BLK_NAME_PREFIX : "";
	if ((size_t)snprintf(name, IRIS_NS_NAME_MAX, "%s%s", prefix, arg) >= IRIS_NS_NAME_MAX) {
		fprintf(stderr, "blk: %s: name too long\n", arg);
		return -EINVAL;
	}
	int r = blk_open(name, CHUNK_BYTES, wait_ns, b);
	if (r < 0)
		fprintf(stderr, "blk: %s: %s\n", name, strerror(-r));
	return r;
}

static int cmd_info(struct blk_dev *b, const char *name)
{
	const struct blk_identify *id = blk_info(b);
	printf("%s: \"%s\"\n  %llu sectors of %u bytes (%llu MiB), up to %u sectors per "
	       "request, queue depth %u\n",
	       name, id->model, (unsigned long long)id->sectors, id->sector_size,
	       (unsigned long long)(id->sectors * id->sector_size >> 20), id->max_sectors,
	       id->queue_depth);
	return 0;
}

/*
 * Every name registered under "blk/", opened and identified: one line each.
 * The driver is the name's instance ("ahci0" of blk/ahci0.1). Returns the
 * exit status: 1 if a disk could not be asked.
 */
static int cmd_list(void)
{
	char name[IRIS_NS_NAME_MAX];
	size_t prefix = strlen(BLK_NAME_PREFIX);
	int status = 0, r;
	printf("%-16s %12s  %-8s %s\n", "NAME", "SIZE", "DRIVER", "MODEL");
	for (uint32_t i = 0; (r = iris_ns_list(i, name)) == 0; i++) {
		if (strncmp(name, BLK_NAME_PREFIX, prefix) != 0)
			continue;
		struct blk_dev *b;
		int e = blk_open(name, 4096, 0, &b);
		if (e < 0) {
			fprintf(stderr, "blk: %s: %s\n", name, strerror(-e));
			status = 1;
			continue;
		}
		const struct blk_identify *id = blk_info(b);
		const char *dot = strrchr(name + prefix, '.');
		int drv_len = dot ? (int)(dot - (name + prefix)) : (int)strlen(name + prefix);
		char size[16];
		uint64_t bytes = id->sectors * id->sector_size;
		if (bytes >= (10ull << 30))
			snprintf(size, sizeof(size), "%llu GiB", (unsigned long long)(bytes >> 30));
		else
			snprintf(size, sizeof(size), "%llu MiB", (unsigned long long)(bytes >> 20));
		printf("%-16s %12s  %-8.*s %s\n", name, size, drv_len, name + prefix, id->model);
		blk_close(b);
	}
	if (r != -ENOENT) {
		fprintf(stderr, "blk: the name service: %s\n", strerror(-r));
		status = 1;
	}
	return status;
}

/*
 * write, read or verify `count` sectors from `lba`, a chunk at a time.
 * Returns the exit status.
 */
static int cmd_io(struct blk_dev *b, const char *name, const char *what, uint64_t lba,
                  uint64_t count, uint64_t seed)
{
	const struct blk_identify *id = blk_info(b);
	if (lba > id->sectors || count > id->sectors - lba) {
		fprintf(stderr, "blk: LBAs %llu..%llu are past the end (%llu sectors)\n",
		        (unsigned long long)lba, (unsigned long long)(lba + count - 1),
		        (unsigned long long)id->sectors);
		return 1;
	}
	uint32_t per = CHUNK_BYTES / id->sector_size;
	uint8_t *buf = malloc(CHUNK_BYTES);
	if (!buf)
		return 1;
	uint32_t crc = CKSUM_INIT;
	int status = 0;
	for (uint64_t done = 0; done < count && !status; done += per) {
		uint32_t n = count - done < per ? (uint32_t)(count - done) : per;
		uint64_t at = lba + done;
		int r;
		if (!strcmp(what, "write")) {
			blk_pattern(buf, id->sector_size, at, n, seed);
			r = blk_write(b, at, n, buf);
		} else {
			r = blk_read(b, at, n, buf);
		}
		if (r < 0) {
			fprintf(stderr, "blk: %s of LBA %llu+%u: %s\n", what,
			        (unsigned long long)at, n, strerror(-r));
			status = 1;
		} else if (!strcmp(what, "verify")) {
			long bad = blk_pattern_check(buf, id->sector_size, at, n, seed);
			if (bad >= 0) {
				fprintf(stderr, "blk: LBA %llu does not hold the pattern of %llu\n",
				        (unsigned long long)(at + (uint64_t)bad),
				        (unsigned long long)seed);
				status = 1;
			}
		} else if (!strcmp(what, "read")) {
			if (done == 0) {
				printf("first bytes:");
				for (int i = 0; i < 16; i++)
					printf(" %02x", buf[i]);
				printf("\n");
			}
			crc = cksum_update(crc, buf, (size_t)n * id->sector_size);
		}
	}
	if (!status && !strcmp(what, "read"))
		printf("%u %llu %s@%llu+%llu\n", cksum_final(crc, count * id->sector_size),
		       (unsigned long long)(count * id->sector_size), name, (unsigned long long)lba,
		       (unsigned long long)count);
	else if (!status)
		printf("%s: %llu sectors from LBA %llu: ok\n", what, (unsigned long long)count,
		       (unsigned long long)lba);
	free(buf);
	return status;
}

int main(int argc, char **argv)
{
	uint64_t wait_ns = 0;
	if (argc > 1 && strcmp(argv[1], "-w") == 0) {
		wait_ns = BLK_RECONNECT_NS;
		argc--;
		argv++;
	}
	if (argc == 2 && !wait_ns && strcmp(argv[1], "list") == 0)
		return cmd_list();
	if (argc < 3)
		return usage();
	const char *cmd = argv[1];
	uint64_t lba = 0, count = 0, seed = 0;
	bool io = !strcmp(cmd, "write") || !strcmp(cmd, "read") || !strcmp(cmd, "verify");
	bool seeded = strcmp(cmd, "read") != 0;
	if (!io && strcmp(cmd, "info"))
		return usage();
	if (io && (argc != (seeded ? 6 : 5) || !args_number(argv[3], UINT64_MAX, &lba) ||
	           !args_number(argv[4], UINT64_MAX, &count) ||
	           (seeded && !args_number(argv[5], UINT64_MAX, &seed)) || count == 0))
		return usage();
	if (!io && argc != 3)
		return usage();
	struct blk_dev *b;
	char name[IRIS_NS_NAME_MAX];
	if (open_disk(argv[2], wait_ns, &b, name) < 0)
		return 1;
	int status = io ? cmd_io(b, name, cmd, lba, count, seed) : cmd_info(b, argv[2]);
	blk_close(b);
	return status;
}
