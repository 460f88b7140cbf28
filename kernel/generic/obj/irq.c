#include <arch/cpu.h>
#include <arch/irq.h>
#include <arch/paging.h>
#include <common/irqprog.h>
#include <common/string.h>
#include <console/log.h>
#include <dev/msi.h>
#include <iris/abi/errno.h>
#include <iris/abi/ring.h>
#include <lib/mmio.h>
#include <mm/heap.h>
#include <mm/kwindow.h>
#include <mm/layout.h>
#include <obj/device.h>
#include <obj/irq.h>
#include <time.h>

#define GSI_MAX 256

/*
 * Which interrupt objects a vector (MSI, MSI-X) or a line (INTx: a chain of
 * programs sharing it) runs. Handlers run under table_lock, so unbinding
 * waits for a running handler to finish.
 */
static spinlock_t table_lock = SPINLOCK_INIT;
static struct irq_obj *by_vector[256];
static struct irq_obj *by_gsi[GSI_MAX];
static uint8_t gsi_vector[GSI_MAX];
static uint16_t vector_gsi[256]; /* the line behind an INTx vector */

/* A line every program declined: masked, then retried after a back-off. */
struct line_backoff {
	struct ktimer timer;
	uint32_t gsi;
	uint32_t delay_ms;
};
static struct line_backoff backoff[GSI_MAX];

#define BACKOFF_FIRST_MS 1
#define BACKOFF_MAX_MS   1000

static uint64_t prog_read(void *ctx, unsigned bar, uint32_t off, unsigned width)
{
	struct irq_obj *irq = ctx;
	const struct iris_bar *b = &irq->dev->pci->info.bar[bar];
	if (b->kind == IRIS_BAR_PORT) {
		uint16_t port = (uint16_t)(b->base + off);
		return width == 1 ? inb(port) : width == 2 ? inw(port) : inl(port);
	}
	return mmio_read(irq->bar_map[bar] + (off - irq->bar_lo[bar]), width);
}

static void prog_write(void *ctx, unsigned bar, uint32_t off, unsigned width, uint64_t v)
{
	struct irq_obj *irq = ctx;
	const struct iris_bar *b = &irq->dev->pci->info.bar[bar];
	if (b->kind == IRIS_BAR_PORT) {
		uint16_t port = (uint16_t)(b->base + off);
		if (width == 1)
			outb(port, (uint8_t)v);
		else if (width == 2)
			outw(port, (uint16_t)v);
		else
			outl(port, (uint32_t)v);
		return;
	}
	mmio_write(irq->bar_map[bar] + (off - irq->bar_lo[bar]), width, v);
}

/* Events waiting: from the kernel's tail and the head the driver wrote (bounded). */
static uint32_t irq_level(struct waitable *w)
{
	struct irq_obj *irq = container_of(w, struct irq_obj, w);
	uint32_t head = __atomic_load_n(&irq->q->head, __ATOMIC_ACQUIRE);
	return irq->tail != head ? IRIS_POLL_IN : 0;
}

static void hw_mask(struct irq_obj *irq, bool mask)
{
	irq->masked = mask;
	if (irq->mode == IRIS_IRQ_INTX) {
		if (mask)
			irq_line_mask(irq->gsi);
		else
			irq_line_unmask(irq->gsi);
	} else if (irq->mode == IRIS_IRQ_MSIX) {
		msix_entry_mask(irq->msix_regs, mask);
	} else {
		msi_mask(irq->dev->pci, mask); /* if it cannot, the handler drops messages */
	}
}

/* Runs one program; a claim queues an event and wakes the driver. Table lock held. */
static bool irq_run(struct irq_obj *irq, uint64_t now)
{
	struct irqprog_io io = { prog_read, prog_write, irq };
	struct irqprog_result res;
	irq->fired++;
	irqprog_run(irq->prog, irq->len, &io, &res);
	if (!res.claimed)
		return false;
	irq->claimed++;
	irq->seq++;
	uint32_t head = __atomic_load_n(&irq->q->head, __ATOMIC_ACQUIRE);
	if (irq->tail - head >= IRIS_IRQ_QUEUE_SLOTS) {
		irq->q->dropped++; /* full, or a head the driver scribbled on */
	} else {
		struct iris_irq_event *e = &irq->q->event[irq->tail % IRIS_IRQ_QUEUE_SLOTS];
		e->time_ns = now;
		for (unsigned i = 0; i < IRIS_IRQ_VALUES; i++)
			e->value[i] = res.value[i];
		e->seq = irq->seq;
		e->masked = res.mask;
		irq->tail++;
		__atomic_store_n(&irq->q->tail, irq->tail, __ATOMIC_RELEASE);
	}
	if (res.mask)
		hw_mask(irq, true);
	waitable_pulse(&irq->w, IRIS_POLL_IN);
	return true;
}

static void vector_handler(struct trap_frame *tf)
{
	uint64_t now = time_ns();
	spin_lock(&table_lock);
	struct irq_obj *irq = by_vector[tf->vector & 0xff];
	if (irq && irq->bound && !irq->masked)
		irq_run(irq, now);
	spin_unlock(&table_lock);
	irq_eoi();
}

static void line_retry(struct ktimer *t)
{
	struct line_backoff *b = container_of(t, struct line_backoff, timer);
	spin_lock(&table_lock);
	/* Only while some program on the line wants interrupts (a driver may have masked). */
	for (struct irq_obj *irq = by_gsi[b->gsi]; irq; irq = irq->next_shared) {
		if (irq->bound && !irq->masked) {
			irq_line_unmask(b->gsi);
			break;
		}
	}
	spin_unlock(&table_lock);
}

static void line_handler(struct trap_frame *tf)
{
	uint64_t now = time_ns();
	bool claimed = false;
	spin_lock(&table_lock);
	uint32_t gsi = vector_gsi[tf->vector & 0xff];
	for (struct irq_obj *irq = gsi < GSI_MAX ? by_gsi[gsi] : NULL; irq; irq = irq->next_shared)
		if (irq->bound && !irq->masked && irq_run(irq, now))
			claimed = true;
	if (gsi < GSI_MAX) {
		struct line_backoff *b = &backoff[gsi];
		if (claimed) {
			b->delay_ms = 0;
		} else {
			/* Nobody's: mask the line so a stuck device cannot hold the CPU, retry
			 * later. */
			b->delay_ms = b->delay_ms ? b->delay_ms * 2 : BACKOFF_FIRST_MS;
			if (b->delay_ms > BACKOFF_MAX_MS)
				b->delay_ms = BACKOFF_MAX_MS;
			irq_line_mask(gsi);
			ktimer_arm(&b->timer, now + (uint64_t)b->delay_ms * 1000000);
		}
	}
	spin_unlock(&table_lock);
	irq_eoi();
}

/* Maps the part of each memory BAR the program touches, for the handler. */
static int map_windows(struct irq_obj *irq)
{
	uint64_t lo[6], hi[6];
	for (unsigned i = 0; i < 6; i++) {
		lo[i] = UINT64_MAX;
		hi[i] = 0;
	}
	for (uint32_t i = 0; i < irq->len; i++) {
		const struct iris_irq_insn *in = &irq->prog[i];
		if (in->op != IRIS_IRQ_OP_READ && in->op != IRIS_IRQ_OP_WRITE &&
		    in->op != IRIS_IRQ_OP_WRITE_IMM)
			continue;
		if (irq->dev->pci->info.bar[in->bar].kind != IRIS_BAR_MMIO)
			continue;
		if (in->off < lo[in->bar])
			lo[in->bar] = in->off;
		if ((uint64_t)in->off + in->width > hi[in->bar])
			hi[in->bar] = (uint64_t)in->off + in->width;
	}
	for (unsigned i = 0; i < 6; i++) {
		if (lo[i] == UINT64_MAX)
			continue;
		uint64_t first = lo[i] & ~(uint64_t)(PAGE_SIZE - 1);
		size_t len =
		        (size_t)(((hi[i] + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1)) - first);
		void *va = kwindow_map_phys(irq->dev->pci->info.bar[i].base + first, len,
		                            MAP_WRITE | MAP_UC);
		if (!va)
			return -ENOMEM;
		irq->bar_map[i] = va;
		irq->bar_lo[i] = first;
		irq->bar_len[i] = len;
	}
	return 0;
}

static void unmap_windows(struct irq_obj *irq)
{
	for (unsigned i = 0; i < 6; i++)
		if (irq->bar_map[i]) {
			kwindow_unmap_phys((void *)irq->bar_map[i], irq->bar_len[i]);
			irq->bar_map[i] = NULL;
		}
	if (irq->msix_map) {
		msix_entry_unmap(irq->msix_map);
		irq->msix_map = NULL;
	}
}

static void irq_destroy(struct kobject *o)
{
	struct irq_obj *irq = irq_from(o);
	unmap_windows(irq);
	kobject_put(&irq->queue->obj);
	kobject_put(&irq->dev->obj);
	kfree(irq);
}

/* Stops the interrupt for good; called once, without the device lock. */
static void irq_unbind(struct irq_obj *irq)
{
	struct pci_function *f = irq->dev->pci;
	bool flags = spin_lock_irqsave(&table_lock);
	if (!irq->bound) {
		spin_unlock_irqrestore(&table_lock, flags);
		return;
	}
	irq->bound = false;
	uint8_t free_vector = 0;
	if (irq->mode == IRIS_IRQ_INTX) {
		struct irq_obj **pp = &by_gsi[irq->gsi];
		while (*pp && *pp != irq)
			pp = &(*pp)->next_shared;
		if (*pp)
			*pp = irq->next_shared;
		if (!by_gsi[irq->gsi]) {
			irq_line_mask(irq->gsi);
			free_vector = gsi_vector[irq->gsi];
			gsi_vector[irq->gsi] = 0;
		}
	} else {
		if (irq->mode == IRIS_IRQ_MSIX) {
			msix_entry_mask(irq->msix_regs, true);
			if (--irq->dev->msix_bound == 0)
				msix_disable(f);
		} else {
			msi_disable(f);
		}
		by_vector[irq->vector] = NULL;
		free_vector = irq->vector;
	}
	spin_unlock_irqrestore(&table_lock, flags);
	if (irq->mode == IRIS_IRQ_INTX)
		ktimer_cancel(&backoff[irq->gsi].timer);
	if (free_vector)
		irq_vector_free(free_vector);
	waitable_signal(&irq->w, IRIS_POLL_HUP);
}

/* Takes `irq` off its device's list; returns whether it was there (the list's reference). */
static bool irq_detach(struct irq_obj *irq)
{
	struct device *d = irq->dev;
	bool flags = spin_lock_irqsave(&d->lock);
	bool was = irq->dev_link.next != NULL;
	if (was) {
		list_del(&irq->dev_link);
		irq->dev_link.next = NULL;
	}
	spin_unlock_irqrestore(&d->lock, flags);
	return was;
}

static void irq_last_handle(struct kobject *o)
{
	struct irq_obj *irq = irq_from(o);
	irq_unbind(irq);
	if (irq_detach(irq))
		kobject_put(&irq->obj);
}

void irq_unbind_device(struct device *d)
{
	for (;;) {
		bool flags = spin_lock_irqsave(&d->lock);
		if (list_empty(&d->irqs)) {
			spin_unlock_irqrestore(&d->lock, flags);
			return;
		}
		struct irq_obj *irq = list_first(&d->irqs, struct irq_obj, dev_link);
		list_del(&irq->dev_link);
		irq->dev_link.next = NULL;
		spin_unlock_irqrestore(&d->lock, flags);
		irq_unbind(irq);
		kobject_put(&irq->obj);
	}
}

static int route_msi(struct irq_obj *irq)
{
	msi_enable(irq->dev->pci, irq->vector);
	return 0;
}

static int route_msix(struct irq_obj *irq)
{
	msix_entry_mask(irq->msix_regs, true);
	msix_entry_program(irq->msix_regs, irq->vector);
	irq->dev->msix_bound++;
	msix_enable(irq->dev->pci);
	msix_entry_mask(irq->msix_regs, false);
	return 0;
}

/*
 * The GSI of the INTx pin: for PCI the line firmware wrote into
 * configuration space (level triggered, active high under QEMU's tables);
 * for a platform device its ISA IRQ after the MADT's overrides (edge).
 */
static int route_intx(struct irq_obj *irq)
{
	struct pci_function *f = irq->dev->pci;
	bool level = true, active_low = false;
	int line;
	if (f->info.bus_type == IRIS_BUS_PLATFORM) {
		line = irq_isa_line((uint8_t)f->info.isa_irq, &level, &active_low);
	} else {
		line = (uint8_t)pci_read(f, PCI_INTERRUPT, 1);
		if (line == 0 || line == 0xff)
			return -ENOTSUP;
		uint16_t cmd = (uint16_t)pci_read(f, PCI_COMMAND, 2);
		pci_write(f, PCI_COMMAND, 2, cmd & ~PCI_CMD_INTX_DISABLE);
	}
	if (line < 0 || line >= GSI_MAX || (uint32_t)line >= irq_line_count())
		return -ENOTSUP;
	irq->gsi = (uint32_t)line;
	if (!by_gsi[line]) {
		uint8_t v = irq_vector_alloc(line_handler);
		if (!v)
			return -ENOSPC;
		gsi_vector[line] = v;
		vector_gsi[v] = (uint16_t)line;
		ktimer_init(&backoff[line].timer, line_retry);
		backoff[line].gsi = line;
		backoff[line].delay_ms = 0;
		by_gsi[line] = irq;
		if (irq_line_route((uint32_t)line, v, level, active_low) < 0) {
			by_gsi[line] = NULL;
			irq_vector_free(v);
			return -ENOTSUP;
		}
	} else {
		irq->next_shared = by_gsi[line];
		by_gsi[line] = irq;
	}
	irq->vector = gsi_vector[line];
	return 0;
}

int irq_bind(struct device *d, struct iris_irq_bind *bind, const struct iris_irq_insn *prog,
             struct irq_obj **out)
{
	struct pci_function *f = d->pci;
	struct irqprog_bar bars[IRIS_PCI_BARS];
	int r;

	for (unsigned i = 0; i < IRIS_PCI_BARS; i++) {
		bars[i].kind = f->info.bar[i].kind;
		bars[i].size = f->info.bar[i].size;
	}
	bind->error = irqprog_verify(prog, bind->len, bars, &bind->error_at);
	if (bind->error != IRIS_IRQ_OK)
		return -EINVAL;
	if (bind->mode != IRIS_IRQ_INTX && bind->mode != IRIS_IRQ_MSI &&
	    bind->mode != IRIS_IRQ_MSIX)
		return -EINVAL;
	if (!(f->info.irq_modes & (1u << bind->mode)))
		return -ENOTSUP;
	if (bind->mode == IRIS_IRQ_MSIX ? bind->vector >= f->info.msix_vectors : bind->vector != 0)
		return -EINVAL;

	struct irq_obj *irq = kzalloc(sizeof(*irq));
	if (!irq)
		return -ENOMEM;
	kobject_init(&irq->obj, KOBJ_IRQ, irq_destroy);
	irq->obj.last_handle = irq_last_handle;
	kobject_get(&d->obj);
	irq->dev = d;
	irq->mode = bind->mode;
	irq->msix_entry = (uint16_t)bind->vector;
	irq->len = bind->len;
	memcpy(irq->prog, prog, bind->len * sizeof(*prog));
	waitable_init(&irq->w);
	irq->w.level = irq_level;
	irq->queue = vmo_create(PAGE_SIZE);
	paddr_t qpage = irq->queue ? vmo_get_page(irq->queue, 0) : 0;
	if (!qpage) {
		if (irq->queue)
			kobject_put(&irq->queue->obj);
		kobject_put(&d->obj);
		kobject_abandon(&irq->obj);
		kfree(irq);
		return -ENOMEM;
	}
	irq->q = phys_to_virt(qpage);
	if ((r = map_windows(irq)) < 0 ||
	    (irq->mode == IRIS_IRQ_MSIX &&
	     (r = msix_entry_map(d->pci, irq->msix_entry, &irq->msix_map, &irq->msix_regs)) < 0))
		goto fail;

	/* One binding per mode and vector: no two programs on the same MSI. */
	bool flags = spin_lock_irqsave(&d->lock);
	struct list_head *pos;
	r = 0;
	list_for_each (pos, &d->irqs) {
		struct irq_obj *o = list_entry(pos, struct irq_obj, dev_link);
		if (o->mode == irq->mode && o->msix_entry == irq->msix_entry)
			r = -EBUSY;
		else if (o->mode != irq->mode)
			r = -EBUSY; /* modes exclude each other */
	}
	if (r == 0) {
		kobject_get(&irq->obj); /* the device's list holds one */
		list_add_tail(&irq->dev_link, &d->irqs);
	}
	spin_unlock_irqrestore(&d->lock, flags);
	if (r < 0)
		goto fail;

	/* A message is a memory write of the device's: it needs bus mastering. */
	if (irq->mode != IRIS_IRQ_INTX)
		device_busmaster(d, true);
	flags = spin_lock_irqsave(&table_lock);
	irq->bound = true;
	if (irq->mode == IRIS_IRQ_INTX) {
		r = route_intx(irq);
	} else {
		irq->vector = irq_vector_alloc(vector_handler);
		r = irq->vector ? 0 : -ENOSPC;
		if (r == 0) {
			by_vector[irq->vector] = irq;
			r = irq->mode == IRIS_IRQ_MSI ? route_msi(irq) : route_msix(irq);
			if (r < 0) {
				by_vector[irq->vector] = NULL;
				irq_vector_free(irq->vector);
			}
		}
	}
	if (r < 0)
		irq->bound = false;
	spin_unlock_irqrestore(&table_lock, flags);
	if (r < 0) {
		if (irq_detach(irq))
			kobject_put(&irq->obj);
		goto fail;
	}
	*out = irq;
	return 0;
fail:
	kobject_put(&irq->obj);
	return r;
}

int irq_control(struct irq_obj *irq, unsigned op)
{
	if (op != IRIS_IRQ_MASK && op != IRIS_IRQ_UNMASK)
		return -EINVAL;
	bool flags = spin_lock_irqsave(&table_lock);
	int r = irq->bound ? 0 : -EPIPE;
	if (r == 0)
		hw_mask(irq, op == IRIS_IRQ_MASK);
	spin_unlock_irqrestore(&table_lock, flags);
	return r;
}
