/*
 * The kernel log: kprintf() formats into every console sink (the polled
 * 16550 serial port, the framebuffer text console). klog() drops messages
 * above the level set by the `loglevel=` command-line option.
 */
#pragma once

#include <stdarg.h>

enum log_level {
	LOG_PANIC = 0,
	LOG_ERROR = 1,
	LOG_WARN = 2,
	LOG_INFO = 3,
	LOG_DEBUG = 4,
};

/* A place the log is written to. write() is called with the log lock held. */
struct log_sink {
	void (*write)(const char *s, unsigned long len);
	struct log_sink *next;
};

void log_add_sink(struct log_sink *sink);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

__attribute__((format(printf, 1, 2))) void kprintf(const char *fmt, ...);
void kvprintf(const char *fmt, va_list ap);

/* Writes `len` raw bytes to every sink (user programs' debug output). */
void log_write(const char *s, unsigned long len);
__attribute__((format(printf, 2, 3))) void klog(enum log_level level, const char *fmt, ...);

/*
 * Used by panic(): lets this CPU write to the sinks even if another CPU died
 * holding the log lock.
 */
void log_break_lock(void);

#define pr_err(...)   klog(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...)  klog(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  klog(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) klog(LOG_DEBUG, __VA_ARGS__)
