/*
 * The driver's event loop (driver/loop.h): every armed watch is one
 * operation in the driver's ring whose user_data is the watch's address;
 * SYS_CANCEL entries carry user_data 0 and their completions are ignored.
 */
#include <driver/driver.h>
#include <errno.h>
#include <iris/sys.h>

/* Queues one submission, letting the kernel take earlier ones when the SQ is full. */
static int push(struct drv *d, const struct iris_sqe *sqe)
{
	while (!iris_ringbuf_push(&d->ring, sqe)) {
		long r = iris_ringbuf_enter(&d->ring, 0, 0, 0);
		if (r < 0)
			return (int)r;
		if (r == 0)
			return -EAGAIN; /* the kernel takes nothing: the CQ is full of unreaped
			                   events */
	}
	return 0;
}

static int arm(struct drv *d, struct drv_loop_watch *w, uint32_t nr, uint64_t a0, uint64_t a1)
{
	if (w->armed)
		return -EBUSY;
	struct iris_sqe sqe = { .nr = nr, .user_data = (uint64_t)(uintptr_t)w, .args = { a0, a1 } };
	int r = push(d, &sqe);
	if (r == 0)
		w->armed = true;
	return r;
}

int drv_loop_poll(struct drv *d, struct drv_loop_watch *w, iris_handle_t handle, unsigned events)
{
	w->chan = NULL;
	return arm(d, w, SYS_POLL, (uint64_t)(uint32_t)handle, events);
}

int drv_loop_chan(struct drv *d, struct drv_loop_watch *w, struct iris_chan *c)
{
	if (w->armed)
		return -EBUSY;
	__atomic_store_n(&c->rx->consumer_sleeping, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	int r = arm(d, w, SYS_POLL, (uint64_t)(uint32_t)c->endpoint, IRIS_POLL_IN | IRIS_POLL_HUP);
	w->chan = r == 0 ? c : NULL;
	if (r < 0)
		__atomic_store_n(&c->rx->consumer_sleeping, 0, __ATOMIC_RELAXED);
	return r;
}

int drv_loop_timer(struct drv *d, struct drv_loop_watch *w, uint64_t ns)
{
	w->chan = NULL;
	return arm(d, w, SYS_TIMEOUT, ns, 0);
}

void drv_loop_cancel(struct drv *d, struct drv_loop_watch *w)
{
	if (!w->armed)
		return;
	struct iris_sqe sqe = { .nr = SYS_CANCEL,
		                .user_data = 0,
		                .args = { (uint64_t)(uintptr_t)w } };
	push(d, &sqe); /* if it cannot be queued, the watch completes on its own later */
}

int drv_loop_run(struct drv *d)
{
	for (;;) {
		long r = iris_ringbuf_enter(&d->ring, 1, IRIS_ENTER_GETEVENTS, 0);
		if (r < 0 && r != -ETIMEDOUT && r != -EINTR)
			return (int)r;
		struct iris_cqe cqe;
		while (iris_ringbuf_pop(&d->ring, &cqe)) {
			struct drv_loop_watch *w =
			        (struct drv_loop_watch *)(uintptr_t)cqe.user_data;
			if (!w || (cqe.flags & IRIS_CQE_MORE))
				continue;
			w->armed = false;
			if (w->chan)
				__atomic_store_n(&w->chan->rx->consumer_sleeping, 0,
				                 __ATOMIC_RELAXED);
			w->fn(d, w, cqe.result);
		}
	}
}
