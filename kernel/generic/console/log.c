#include <console/log.h>
#include <lib/printf.h>
#include <sync/spinlock.h>

static struct log_sink *sinks;
static enum log_level current_level = KERNEL_LOG_LEVEL;
static spinlock_t log_lock = SPINLOCK_INIT;

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

void log_write(const char *buf, unsigned long len)
{
	bool irq = spin_lock_irqsave(&log_lock);
	for (struct log_sink *s = sinks; s; s = s->next)
		s->write(buf, len);
	spin_unlock_irqrestore(&log_lock, irq);
}

void kvprintf(const char *fmt, va_list ap)
{
	char buf[512];
	int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	unsigned long len = n < 0 ? 0 : (unsigned long)n;
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	log_write(buf, len);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

void klog(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	if (level > current_level)
		return;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}
