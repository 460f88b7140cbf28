#include <common/printf.h>
#include <console/log.h>
#include <debug/panic.h>
#include <iris/abi/errno.h>
#include <sync/spinlock.h>

/* The last LOG_RING_SIZE bytes written; `head` counts every byte ever written. */
struct log_ring {
	char buf[LOG_RING_SIZE];
	uint64_t head;
};

static struct log_sink *sinks;
static enum log_level current_level = KERNEL_LOG_LEVEL;
static spinlock_t log_lock = SPINLOCK_INIT;
static struct log_ring ring_all, ring_shown;
static const void *claimer;  /* NULL: the claimable sinks take the log */
static uint64_t claimer_pos; /* how far the claimer has read the shown ring */

void log_add_sink(struct log_sink *sink)
{
	bool irq = spin_lock_irqsave(&log_lock);
	struct log_sink **p = &sinks;
	while (*p)
		p = &(*p)->next;
	sink->next = NULL;
	*p = sink;
	spin_unlock_irqrestore(&log_lock, irq);
}

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

void log_break_lock(void)
{
	spin_unlock(&log_lock);
}

static void ring_put(struct log_ring *r, const char *s, unsigned long len)
{
	for (unsigned long i = 0; i < len; i++)
		r->buf[(r->head + i) % LOG_RING_SIZE] = s[i];
	r->head += len;
}

/* Copies from *pos (clamped to what r keeps) up to max bytes; advances *pos. */
static size_t ring_get(const struct log_ring *r, uint64_t *pos, char *dst, size_t max)
{
	uint64_t oldest = r->head > LOG_RING_SIZE ? r->head - LOG_RING_SIZE : 0;
	uint64_t p = *pos < oldest ? oldest : *pos > r->head ? r->head : *pos;
	size_t n = r->head - p < max ? (size_t)(r->head - p) : max;
	for (size_t i = 0; i < n; i++)
		dst[i] = r->buf[(p + i) % LOG_RING_SIZE];
	*pos = p + n;
	return n;
}

/* Lock held: the claimable sinks get what the claimer has not read, and the log back. */
static void claim_end(void)
{
	char chunk[256];
	size_t n;
	while ((n = ring_get(&ring_shown, &claimer_pos, chunk, sizeof(chunk))) > 0)
		for (struct log_sink *s = sinks; s; s = s->next)
			if (s->claimable)
				s->write(chunk, n);
	claimer = NULL;
}

/* Into the rings; to the sinks if `shown` (the claimable ones only while unclaimed). */
static void log_emit(const char *s, unsigned long len, bool shown)
{
	bool irq = spin_lock_irqsave(&log_lock);
	ring_put(&ring_all, s, len);
	if (shown) {
		if (claimer && panic_in_progress())
			claim_end();
		ring_put(&ring_shown, s, len);
		for (struct log_sink *k = sinks; k; k = k->next)
			if (!k->claimable || !claimer)
				k->write(s, len);
	}
	spin_unlock_irqrestore(&log_lock, irq);
}

void log_write(enum log_level level, const char *s, unsigned long len)
{
	log_emit(s, len, level <= current_level);
}

static void log_vprint(bool shown, const char *fmt, va_list ap)
{
	char buf[512];
	int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	unsigned long len = n < 0 ? 0 : (unsigned long)n;
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	log_emit(buf, len, shown);
}

void kvprintf(const char *fmt, va_list ap)
{
	log_vprint(true, fmt, ap);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vprint(true, fmt, ap);
	va_end(ap);
}

void klog(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vprint(level <= current_level, fmt, ap);
	va_end(ap);
}

size_t log_read(const void *reader, bool shown, uint64_t *pos, char *dst, size_t max)
{
	bool irq = spin_lock_irqsave(&log_lock);
	size_t n = ring_get(shown ? &ring_shown : &ring_all, pos, dst, max);
	if (shown && reader == claimer && *pos > claimer_pos)
		claimer_pos = *pos;
	spin_unlock_irqrestore(&log_lock, irq);
	return n;
}

int log_claim(const void *owner, uint64_t *pos)
{
	int r = 0;
	bool irq = spin_lock_irqsave(&log_lock);
	if (claimer && claimer != owner) {
		r = -EBUSY;
	} else {
		claimer = owner;
		claimer_pos = ring_shown.head;
		*pos = ring_shown.head;
	}
	spin_unlock_irqrestore(&log_lock, irq);
	return r;
}

int log_release(const void *owner)
{
	int r = 0;
	bool irq = spin_lock_irqsave(&log_lock);
	if (!owner || claimer != owner)
		r = -EPERM;
	else
		claim_end();
	spin_unlock_irqrestore(&log_lock, irq);
	return r;
}

void log_reclaim(void)
{
	bool irq = spin_lock_irqsave(&log_lock);
	if (claimer)
		claim_end();
	spin_unlock_irqrestore(&log_lock, irq);
}
