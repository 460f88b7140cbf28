/*
 * The checksum POSIX `cksum` prints: CRC-32 over the bytes, then over their
 * count. So a guest tool (`blk read`) and the host's `cksum` can be compared
 * number for number. Pure functions, usable on data that arrives in pieces:
 *
 *   uint32_t crc = CKSUM_INIT;
 *   crc = cksum_update(crc, piece, n);   (as often as there are pieces)
 *   printf("%u %llu\n", cksum_final(crc, total), total);
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define CKSUM_INIT 0u

/* Continues the CRC `crc` over data[0, len). */
uint32_t cksum_update(uint32_t crc, const void *data, size_t len);

/* The checksum of `len` bytes in all whose CRC is `crc`: what cksum prints first. */
uint32_t cksum_final(uint32_t crc, uint64_t len);
