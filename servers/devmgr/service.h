/*
 * The management service "devmgr" (iris/proto/devmgr.h): LIST, RESTART and CRASH
 * for tools such as `drv`, over RPC on channels handed out by the name
 * service.
 */
#pragma once

#define SERVICE_CLIENTS_MAX 8 /* management clients at once */

/* Registers "devmgr" with the name service. 0 or a negative errno (then there is no service). */
int service_start(void);

/* Accepts new clients and answers every request waiting; never blocks. */
void service_poll(void);
