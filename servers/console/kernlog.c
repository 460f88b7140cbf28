/*
 * The kernel log on the console. The UART driver's sink is the serial port
 * the kernel writes its log to (CONSOLE_ATTACH_LOG). Once a terminal client
 * reads (someone may be typing) and while such a sink is attached, the
 * console holds the log (SYS_LOG_READ with IRIS_LOG_CLAIM): the kernel
 * stops writing it to the serial port, and the console reads the new lines
 * every KERNLOG_TICK_NS and shows them itself (output_log), whole, with the
 * line being typed redrawn after them. When the last such sink goes, the
 * claim is released and the kernel writes to the port again, starting with
 * what the console had not read; a panic and the console's own end do the
 * same in the kernel.
 *
 * A line still without its '\n' waits for it KERNLOG_PARTIAL_TICKS ticks,
 * or until KERNLOG_PARTIAL_MAX bytes of it have come; then it is shown with
 * a '\n' of the console's.
 */
#include "console.h"
#include <iris/sys.h>
#include <string.h>

#define KERNLOG_TICK_NS       10000000ull /* 10 ms */
#define KERNLOG_PARTIAL_TICKS 5
#define KERNLOG_PARTIAL_MAX   512

static struct drv *drv;
static struct drv_loop_watch tick;
static bool wanted;  /* a terminal client has read: someone may be typing */
static bool claimed; /* the console shows the kernel log */
static bool told;    /* a failed claim was logged */
static uint64_t pos; /* where the next read of the log starts */
static char buf[KERNLOG_PARTIAL_MAX + IRIS_LOG_READ_MAX + 1];
static size_t held; /* bytes of buf: a line without its '\n' yet */
static unsigned held_ticks;

static void kernlog_tick(struct drv *d, struct drv_loop_watch *w, int64_t result);

void kernlog_init(struct drv *d)
{
	drv = d;
	drv_loop_watch_init(&tick, kernlog_tick, NULL);
}

/* Shows the line waiting for its '\n', ending it. */
static void kernlog_flush_partial(void)
{
	if (held == 0)
		return;
	buf[held++] = '\n';
	output_log(buf, held);
	held = 0;
	held_ticks = 0;
}

/* Reads what is new and shows its whole lines; keeps a started line for later. */
static void kernlog_pull(void)
{
	for (;;) {
		long r = sys_log_read(buf + held, IRIS_LOG_READ_MAX, &pos, IRIS_LOG_SHOWN);
		if (r <= 0)
			break;
		held += (size_t)r;
		size_t whole = held;
		while (whole > 0 && buf[whole - 1] != '\n')
			whole--;
		if (whole > 0) {
			output_log(buf, whole);
			memmove(buf, buf + whole, held - whole);
			held -= whole;
			held_ticks = 0;
		}
		if (held >= KERNLOG_PARTIAL_MAX)
			kernlog_flush_partial();
	}
	if (held > 0 && ++held_ticks >= KERNLOG_PARTIAL_TICKS)
		kernlog_flush_partial();
}

static void kernlog_tick(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	(void)result;
	if (!claimed)
		return;
	kernlog_pull();
	if (drv_loop_timer(d, w, KERNLOG_TICK_NS) < 0)
		drv_log(d, "cannot arm the kernel log timer: the log waits");
}

void kernlog_update(void)
{
	bool should = wanted && output_log_sinks() > 0;
	if (should && !claimed) {
		long r = sys_log_read(buf, 0, &pos, IRIS_LOG_CLAIM);
		if (r < 0) {
			if (!told)
				drv_log(drv, "cannot take the kernel log over (%ld)", r);
			told = true;
			return;
		}
		claimed = true;
		if (drv_loop_timer(drv, &tick, KERNLOG_TICK_NS) < 0)
			drv_log(drv, "cannot arm the kernel log timer: the log waits");
	} else if (!should && claimed) {
		kernlog_pull();
		kernlog_flush_partial();
		claimed = false;
		sys_log_read(buf, 0, &pos, IRIS_LOG_RELEASE);
		drv_loop_cancel(drv, &tick);
	}
}

void kernlog_want(void)
{
	if (wanted)
		return;
	wanted = true;
	kernlog_update();
}
