/*
 * The foreground process: the one Ctrl-C ends (SYS_KILL, so the handle
 * needs MANAGE). A shell makes each program it runs in the foreground the
 * FOREGROUND while it waits for it. The console keeps the handle, polls it,
 * and forgets it once the process has ended, so a handle never outlives
 * its use; one that is replaced has its poll cancelled and is closed when
 * the cancellation completes.
 */
#include "console.h"
#include <errno.h>
#include <iris/sys.h>

#define FG_SLOTS 4 /* the foreground and handles whose poll is being cancelled */

struct fg {
	iris_handle_t proc; /* IRIS_HANDLE_INVALID: a free slot */
	struct drv_loop_watch ended;
};

static struct drv *drv;
static struct fg slots[FG_SLOTS];
static struct fg *current;

/* The process ended, or its poll was cancelled: the handle goes. */
static void fg_ended(struct drv *d, struct drv_loop_watch *w, int64_t result)
{
	struct fg *f = w->arg;
	(void)d;
	(void)result;
	if (current == f)
		current = NULL;
	sys_handle_close(f->proc);
	f->proc = IRIS_HANDLE_INVALID;
}

void foreground_init(struct drv *d)
{
	drv = d;
	for (unsigned i = 0; i < FG_SLOTS; i++) {
		slots[i].proc = IRIS_HANDLE_INVALID;
		drv_loop_watch_init(&slots[i].ended, fg_ended, &slots[i]);
	}
}

int foreground_set(iris_handle_t proc)
{
	if (current) {
		drv_loop_cancel(drv, &current->ended);
		current = NULL;
	}
	if (proc == IRIS_HANDLE_INVALID)
		return 0;
	struct iris_exit_info info;
	long r = sys_wait(proc, &info, IRIS_WAIT_NOHANG);
	if (r != -EAGAIN) { /* ended already (0), or not a process or thread */
		sys_handle_close(proc);
		return r == 0 ? 0 : -EINVAL;
	}
	struct fg *f = slots;
	while (f < slots + FG_SLOTS && f->proc != IRIS_HANDLE_INVALID)
		f++;
	if (f == slots + FG_SLOTS) {
		sys_handle_close(proc);
		return -EBUSY;
	}
	f->proc = proc;
	r = drv_loop_poll(drv, &f->ended, proc, IRIS_POLL_IN);
	if (r < 0) {
		sys_handle_close(proc);
		f->proc = IRIS_HANDLE_INVALID;
		return (int)r;
	}
	current = f;
	return 0;
}

void foreground_interrupt(void)
{
	if (!current)
		return;
	long r = sys_kill(current->proc);
	if (r < 0)
		drv_log(drv, "Ctrl-C: cannot end the foreground process (error %ld)", r);
}
