/*
 * QEMU's fw_cfg device, read only to take extra kernel command-line words
 * from the file "opt/iris/cmdline" (the test harness passes `test=...` there,
 * so one ISO serves every test). Touched only under a hypervisor that
 * answers the fw_cfg signature.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * Copies opt/iris/cmdline into buf[len] (NUL-terminated); returns false if
 * absent, or (with a warning) longer than len - 1 bytes.
 */
bool fwcfg_read_cmdline(char *buf, size_t len);
