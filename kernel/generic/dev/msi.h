/*
 * Message-signalled interrupts of a PCI function: programming its MSI or
 * MSI-X capability (PCI Local Bus Specification 3.0, 6.8) with the message
 * the architecture gives for a vector (arch/irq.h: irq_msi_message). Which
 * interrupt object owns a vector is obj/irq.c's business.
 */
#pragma once

#include <dev/pci.h>
#include <stdbool.h>
#include <stdint.h>

/* The MSI capability: registers at offsets from its start. */
#define MSI_CTL                 0x02      /* Message Control, 16 bits */
#define MSI_ADDR_LO             0x04      /* Message Address, bits 31:0 */
#define MSI_CTL_ENABLE          (1u << 0) /* MSI Enable */
#define MSI_CTL_MME             (7u << 4) /* Multiple Message Enable: log2 of vectors granted */
#define MSI_CTL_64BIT           (1u << 7) /* 64 bit Address Capable */
#define MSI_CTL_PER_VECTOR_MASK (1u << 8) /* Per-vector Masking Capable */
#define MSI_ADDR_HI             0x08      /* Message Upper Address (64-bit capable only) */
#define MSI_DATA_32             0x08      /* Message Data, 16 bits, without ... */
#define MSI_DATA_64             0x0c      /* ... and with the upper address */
#define MSI_MASK_32             0x0c      /* Mask Bits, without ... */
#define MSI_MASK_64             0x10      /* ... and with the upper address */
#define MSI_MASK_VECTOR0        (1u << 0) /* the mask bit of the first (only) vector */

/* The MSI-X capability. */
#define MSIX_CTL               0x02 /* Message Control, 16 bits */
#define MSIX_TABLE             0x04 /* Table Offset and BIR */
#define MSIX_PBA               0x08 /* Pending Bit Array Offset and BIR */
#define MSIX_CAP_LEN           12
#define MSIX_CTL_TABLE_SIZE    0x07ffu    /* Table Size: entries - 1 */
#define MSIX_CTL_FUNCTION_MASK (1u << 14) /* Function Mask: every vector masked */
#define MSIX_CTL_ENABLE        (1u << 15) /* MSI-X Enable */
#define MSIX_BIR               7u         /* BAR Indicator of the table or the PBA */

/* An MSI-X table entry: four 32-bit words. */
#define MSIX_ENTRY_SIZE       16
#define MSIX_ENTRY_ADDR_LO    0         /* word index: Message Address */
#define MSIX_ENTRY_ADDR_HI    1         /* Message Upper Address */
#define MSIX_ENTRY_DATA       2         /* Message Data */
#define MSIX_ENTRY_VECTOR_CTL 3         /* Vector Control */
#define MSIX_VECTOR_CTL_MASK  (1u << 0) /* Mask Bit */

/* Bytes of an MSI capability with Message Control `ctl`. */
unsigned msi_cap_len(uint16_t ctl);

/*
 * Points the MSI capability of `f` at `vector` (one message, unmasked if it
 * can mask), enables it and disables INTx. `f` has an MSI capability.
 */
void msi_enable(struct pci_function *f, uint8_t vector);

/* Clears MSI Enable. */
void msi_disable(struct pci_function *f);

/*
 * Masks or unmasks the function's one MSI vector; does nothing if it cannot
 * mask (its messages must then be dropped by the handler).
 */
void msi_mask(struct pci_function *f, bool mask);

/*
 * Maps the page holding MSI-X table entry `entry` of `f` (uncached) and
 * returns it in *page, the entry's four words in *regs. Returns 0, -ENOTSUP
 * if the table is not inside a memory BAR of the function, -ENOMEM. Call
 * before taking a spinlock: mapping may flush TLBs. msix_entry_unmap(*page)
 * undoes it.
 */
int msix_entry_map(struct pci_function *f, unsigned entry, void **page, volatile uint32_t **regs);
void msix_entry_unmap(void *page);

/* Sets or clears the entry's Mask Bit. */
void msix_entry_mask(volatile uint32_t *regs, bool mask);

/* Writes the message that raises `vector` into the entry (mask it first). */
void msix_entry_program(volatile uint32_t *regs, uint8_t vector);

/* Enables MSI-X with the Function Mask clear, and disables INTx. */
void msix_enable(struct pci_function *f);

/* Clears MSI-X Enable. */
void msix_disable(struct pci_function *f);
