/*
 * Log lines for programs without a terminal (servers, drivers): each call
 * formats one message and writes it to the kernel log at a level
 * (IRIS_LOG_ERROR, _WARN, _INFO, _DEBUG; iris/abi/syscall.h). Every message is
 * kept for `dmesg`; the consoles show it only if the kernel's `loglevel=`
 * option lets its level through (info by default: debug messages are not
 * shown). printf() to a terminal-less stdout writes at IRIS_LOG_ALWAYS.
 */
#pragma once

#include <iris/abi/syscall.h>
#include <stdarg.h>

/* Longer messages are cut (and still end with a newline if they did). */
#define IRIS_LOG_MESSAGE_MAX 256

/*
 * Writes the message fmt formats (which ends with its own newline) to the
 * kernel log at `level` in one write, so that it lands in one piece.
 * Returns the bytes written, or -errno (-EINVAL: not a level).
 */
__attribute__((format(printf, 2, 3))) long iris_log(unsigned level, const char *fmt, ...);
long iris_vlog(unsigned level, const char *fmt, va_list ap);
