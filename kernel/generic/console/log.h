/*
 * The kernel log: kprintf() formats into every console sink (the polled
 * 16550 serial port, the framebuffer text console). klog() keeps messages
 * above the level set by the `loglevel=` command-line option off the sinks.
 *
 * Every message also lands in two rings that SYS_LOG_READ reads (dmesg):
 * one holds everything, debug messages included, the other what went to the
 * sinks ("shown"). A position in a ring counts the bytes ever written to it;
 * a ring keeps the last LOG_RING_SIZE of them.
 *
 * A console server that mirrors its screen on the serial port claims the
 * log (log_claim): from then on the kernel keeps the log off the claimable
 * sinks (the serial port) and the claimer prints the shown ring itself, in
 * whole lines between its own output. A panic, log_reclaim() (power off,
 * the end of a test run) and the claimer's end (log_release) take the port
 * back and first write out what the claimer had not read.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOG_RING_SIZE (64u * 1024)

enum log_level {
	LOG_PANIC = 0,
	LOG_ERROR = 1,
	LOG_WARN = 2,
	LOG_INFO = 3,
	LOG_DEBUG = 4,
};

/*
 * A place the log is written to. write() is called with the log lock held.
 * A claimable sink (the serial port) is skipped while a claimer holds the
 * log, except during a panic.
 */
struct log_sink {
	void (*write)(const char *s, unsigned long len);
	bool claimable;
	struct log_sink *next;
};

void log_add_sink(struct log_sink *sink);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

__attribute__((format(printf, 1, 2))) void kprintf(const char *fmt, ...);
void kvprintf(const char *fmt, va_list ap);

/*
 * Writes `len` raw bytes (user programs' output) to the ring of everything,
 * and to the sinks and the shown ring if the log level lets `level` through.
 */
void log_write(enum log_level level, const char *s, unsigned long len);
__attribute__((format(printf, 2, 3))) void klog(enum log_level level, const char *fmt, ...);

/*
 * Copies up to `max` bytes of the log from position *pos into dst: of the
 * shown ring if `shown`, else of the ring of everything. A position older
 * than the ring keeps starts at the oldest byte kept; one past the end (as
 * UINT64_MAX) at the end. Returns how many bytes; *pos becomes the position
 * after them. A read of the shown ring by the claimer marks those bytes as
 * its to print.
 */
size_t log_read(const void *reader, bool shown, uint64_t *pos, char *dst, size_t max);

/*
 * Makes `owner` (a process) the claimer; *pos becomes the end of the shown
 * ring, where its printing starts. Returns 0, or -EBUSY if another owner
 * holds the claim.
 */
int log_claim(const void *owner, uint64_t *pos);

/*
 * Ends owner's claim: the bytes of the shown ring it had not read go to
 * the claimable sinks, which then take the log again. Returns 0, or -EPERM
 * if `owner` does not hold the claim.
 */
int log_release(const void *owner);

/* Ends any claim as log_release does (before the machine goes off). */
void log_reclaim(void);

/*
 * Used by panic(): lets this CPU write to the sinks even if another CPU died
 * holding the log lock.
 */
void log_break_lock(void);

#define pr_err(...)   klog(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...)  klog(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  klog(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) klog(LOG_DEBUG, __VA_ARGS__)
