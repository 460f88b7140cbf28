/*
 * Channels (docs/channels.md): two endpoints joined by two single-producer,
 * single-consumer queues in one memory object that both processes map.
 * Endpoint `side` sends on queue[side] and receives on queue[1 - side].
 * Messages are fixed-size slots; bulk data travels in memory objects whose
 * handles move through the kernel (SYS_CHANNEL_SEND_HANDLE). The memory is
 * untrusted by both sides and by the kernel: every index read from it is
 * checked before use.
 */
#pragma once

#include <stdint.h>

#define IRIS_CHANNEL_SLOT_SIZE     128
#define IRIS_CHANNEL_MSG_MAX       (IRIS_CHANNEL_SLOT_SIZE - 8)
#define IRIS_CHANNEL_SLOTS_DEFAULT 64
#define IRIS_CHANNEL_SLOTS_MAX     4096
#define IRIS_CHANNEL_HANDLES_MAX   64 /* handles in flight per direction */

/* One direction. Head and tail sit on their own cache lines. */
struct iris_chanq {
	uint32_t tail; /* written by the producer: the next slot it fills */
	uint32_t pad0[15];
	uint32_t head; /* written by the consumer: the next slot it reads */
	uint32_t pad1[15];
	uint32_t consumer_sleeping; /* the consumer waits: the producer must notify IN */
	uint32_t producer_waiting;  /* the producer waits for space: the consumer must notify OUT */
	uint32_t pad2[14];
};

/* At offset 0 of the channel memory; the slots of queue[0] then queue[1] follow it. */
struct iris_channel_header {
	struct iris_chanq queue[2];
};

/* A slot. */
struct iris_msg {
	uint32_t len;     /* bytes of data used, <= IRIS_CHANNEL_MSG_MAX */
	uint16_t handles; /* handles sent with it (SYS_CHANNEL_SEND_HANDLE before it) */
	uint16_t flags;   /* free for the protocol on top (RPC) */
	uint8_t data[IRIS_CHANNEL_MSG_MAX];
};

/* What SYS_CHANNEL_CREATE and SYS_CHANNEL_INFO report. */
struct iris_channel_info {
	int32_t peer;             /* SYS_CHANNEL_CREATE: the other endpoint's handle; else -1 */
	uint32_t side;            /* 0 or 1 */
	uint32_t slots;           /* per queue, a power of two */
	uint32_t size;            /* bytes to map (SYS_MAP with the endpoint handle) */
	uint32_t queue_offset[2]; /* of each queue's first slot */
};
