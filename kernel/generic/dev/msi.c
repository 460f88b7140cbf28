/*
 * MSI and MSI-X programming (dev/msi.h). The message address and data come
 * from the architecture (arch/irq.h); everything here is the PCI layout.
 */
#include <arch/irq.h>
#include <arch/paging.h>
#include <dev/msi.h>
#include <iris/abi/errno.h>
#include <mm/kwindow.h>

/* Bytes of the MSI capability: ID, next, control, address and data ... */
#define MSI_LEN_BASE    10
#define MSI_LEN_ADDR_HI 4  /* ... the upper address ... */
#define MSI_LEN_MASKING 10 /* ... and reserved, Mask Bits and Pending Bits */

unsigned msi_cap_len(uint16_t ctl)
{
	return MSI_LEN_BASE + ((ctl & MSI_CTL_64BIT) ? MSI_LEN_ADDR_HI : 0) +
	       ((ctl & MSI_CTL_PER_VECTOR_MASK) ? MSI_LEN_MASKING : 0);
}

static void intx_disable(struct pci_function *f)
{
	uint16_t cmd = (uint16_t)pci_read(f, PCI_COMMAND, 2);
	pci_write(f, PCI_COMMAND, 2, cmd | PCI_CMD_INTX_DISABLE);
}

void msi_enable(struct pci_function *f, uint8_t vector)
{
	uint8_t cap = f->msi_cap;
	uint16_t ctl = (uint16_t)pci_read(f, cap + MSI_CTL, 2);
	bool wide = (ctl & MSI_CTL_64BIT) != 0;
	uint64_t addr;
	uint32_t data;

	irq_msi_message(vector, &addr, &data);
	pci_write(f, cap + MSI_ADDR_LO, 4, (uint32_t)addr);
	if (wide) {
		pci_write(f, cap + MSI_ADDR_HI, 4, (uint32_t)(addr >> 32));
		pci_write(f, cap + MSI_DATA_64, 2, data);
	} else {
		pci_write(f, cap + MSI_DATA_32, 2, data);
	}
	if (ctl & MSI_CTL_PER_VECTOR_MASK)
		pci_write(f, cap + (wide ? MSI_MASK_64 : MSI_MASK_32), 4, 0);
	ctl = (uint16_t)((ctl & ~MSI_CTL_MME) | MSI_CTL_ENABLE); /* one message, enabled */
	pci_write(f, cap + MSI_CTL, 2, ctl);
	intx_disable(f);
}

void msi_disable(struct pci_function *f)
{
	uint16_t ctl = (uint16_t)pci_read(f, f->msi_cap + MSI_CTL, 2);
	pci_write(f, f->msi_cap + MSI_CTL, 2, ctl & ~MSI_CTL_ENABLE);
}

void msi_mask(struct pci_function *f, bool mask)
{
	uint16_t ctl = (uint16_t)pci_read(f, f->msi_cap + MSI_CTL, 2);
	if (!(ctl & MSI_CTL_PER_VECTOR_MASK))
		return;
	unsigned reg = (ctl & MSI_CTL_64BIT) ? MSI_MASK_64 : MSI_MASK_32;
	pci_write(f, f->msi_cap + reg, 4, mask ? MSI_MASK_VECTOR0 : 0);
}

int msix_entry_map(struct pci_function *f, unsigned entry, void **page, volatile uint32_t **regs)
{
	uint32_t table = pci_read(f, f->msix_cap + MSIX_TABLE, 4);
	if ((table & MSIX_BIR) >= IRIS_PCI_BARS)
		return -ENOTSUP;
	const struct iris_bar *b = &f->info.bar[table & MSIX_BIR];
	uint64_t off = (uint64_t)(table & ~MSIX_BIR) + (uint64_t)MSIX_ENTRY_SIZE * entry;
	if (b->kind != IRIS_BAR_MMIO || off + MSIX_ENTRY_SIZE > b->size)
		return -ENOTSUP;
	uint64_t first = (b->base + off) & ~(uint64_t)(PAGE_SIZE - 1);
	uint8_t *map = kwindow_map_phys(first, PAGE_SIZE, MAP_WRITE | MAP_UC);
	if (!map)
		return -ENOMEM;
	*page = map;
	*regs = (volatile uint32_t *)(map + ((b->base + off) & (PAGE_SIZE - 1)));
	return 0;
}

void msix_entry_unmap(void *page)
{
	kwindow_unmap_phys(page, PAGE_SIZE);
}

void msix_entry_mask(volatile uint32_t *regs, bool mask)
{
	regs[MSIX_ENTRY_VECTOR_CTL] = mask ? MSIX_VECTOR_CTL_MASK : 0;
}

void msix_entry_program(volatile uint32_t *regs, uint8_t vector)
{
	uint64_t addr;
	uint32_t data;

	irq_msi_message(vector, &addr, &data);
	regs[MSIX_ENTRY_ADDR_LO] = (uint32_t)addr;
	regs[MSIX_ENTRY_ADDR_HI] = (uint32_t)(addr >> 32);
	regs[MSIX_ENTRY_DATA] = data;
}

void msix_enable(struct pci_function *f)
{
	uint16_t ctl = (uint16_t)pci_read(f, f->msix_cap + MSIX_CTL, 2);
	pci_write(f, f->msix_cap + MSIX_CTL, 2, (ctl | MSIX_CTL_ENABLE) & ~MSIX_CTL_FUNCTION_MASK);
	intx_disable(f);
}

void msix_disable(struct pci_function *f)
{
	uint16_t ctl = (uint16_t)pci_read(f, f->msix_cap + MSIX_CTL, 2);
	pci_write(f, f->msix_cap + MSIX_CTL, 2, ctl & ~MSIX_CTL_ENABLE);
}
