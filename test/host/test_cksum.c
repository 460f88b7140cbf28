/*
 * Host tests of the POSIX cksum checksum (common/src/cksum.c): the table is
 * the generator's, known strings give what the host's `cksum` prints, and
 * data fed in pieces gives the checksum of the whole, and the host's `cksum`
 * agrees on a megabyte of data.
 */
#include "check.h"
#include <common/cksum.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The bitwise CRC, one bit at a time: what the table must agree with. */
static uint32_t crc_bitwise(uint32_t crc, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		crc ^= (uint32_t)p[i] << 24;
		for (int b = 0; b < 8; b++)
			crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04c11db7u : crc << 1;
	}
	return crc;
}

static uint32_t sum(const void *p, size_t n)
{
	return cksum_final(cksum_update(CKSUM_INIT, p, n), n);
}

int main(void)
{
	/* Values printed by GNU coreutils' cksum for these inputs. */
	CHECK(sum("", 0) == 4294967295u);
	CHECK(sum("123456789", 9) == 930766865u);
	CHECK(sum("a", 1) == 1220704766u);

	/* Every single byte value agrees with the bitwise CRC. */
	for (unsigned v = 0; v < 256; v++) {
		uint8_t b = (uint8_t)v;
		CHECK(cksum_update(0x12345678u, &b, 1) == crc_bitwise(0x12345678u, &b, 1));
	}

	/* A buffer in uneven pieces sums as a whole; lengths over 2^32 fold in all bytes. */
	size_t n = 1 << 20;
	uint8_t *buf = malloc(n);
	CHECK(buf != NULL);
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 13);
	uint32_t crc = CKSUM_INIT;
	for (size_t at = 0, step = 1; at < n; at += step, step = step * 3 + 1) {
		size_t len = step < n - at ? step : n - at;
		crc = cksum_update(crc, buf + at, len);
	}
	CHECK(cksum_final(crc, n) == sum(buf, n));
	CHECK(crc == crc_bitwise(CKSUM_INIT, buf, n));
	CHECK(cksum_final(0, 1ull << 32) != cksum_final(0, 0));

	/* And the host's own cksum says the same of the whole buffer. */
	char path[] = "/tmp/iris-cksum-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	FILE *f = fdopen(fd, "wb");
	CHECK(f != NULL && fwrite(buf, 1, n, f) == n);
	fclose(f);
	char cmd[64], out[64] = "";
	snprintf(cmd, sizeof(cmd), "cksum < %s", path);
	FILE *p = popen(cmd, "r");
	CHECK(p != NULL && fgets(out, sizeof(out), p) != NULL);
	pclose(p);
	unlink(path);
	char want[64];
	snprintf(want, sizeof(want), "%u %zu\n", sum(buf, n), n);
	CHECK(strcmp(out, want) == 0);
	free(buf);
	return check_done("cksum");
}
