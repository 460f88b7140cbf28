/*
 * Driver manifests (docs/drivers.md): which devices a driver serves and
 * which device rights it gets. A manifest is a boot module whose name ends
 * in ".manifest", one directive per line:
 *
 *   driver ahci                # the boot module to start (once, required)
 *   match class 01 06 01       # class subclass prog-if, hex; any may be *
 *   match id 8086 2922         # vendor device, hex; either may be *
 *   match name com1            # a platform device by its kernel name
 *   rights mmio irq dma        # of mmio ports irq dma config (at most once)
 *   args --queue-depth 32      # extra arguments for the driver (at most once)
 *
 * Any number of match lines (at least one); a device matches the manifest
 * when one of them matches it. '#' starts a comment. Anything else is an
 * error that names the line.
 *
 * The parser is pure (no system calls, no allocation): the same file is a
 * host unit test and a fuzz target's subject (test/host/test_manifest.c, fuzz_manifest.c).
 */
#pragma once

#include <iris/abi/device.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MANIFEST_DRIVER_MAX 16  /* bytes of the driver's name with its NUL */
#define MANIFEST_MATCH_MAX  16  /* match lines */
#define MANIFEST_ARGS_MAX   128 /* bytes of args with its NUL */
#define MANIFEST_LINE_MAX   256 /* bytes of one line, without its newline */
#define MANIFEST_TEXT_MAX   (64u << 10)
#define MANIFEST_ANY        (-1) /* a `*` in a match line */

/* class and id lines match PCI functions only, name lines platform devices only. */
enum { MANIFEST_MATCH_CLASS = 1, MANIFEST_MATCH_ID, MANIFEST_MATCH_NAME };

struct manifest_match {
	int kind;     /* MANIFEST_MATCH_* */
	int32_t v[3]; /* class: class, subclass, prog-if; id: vendor, device; or MANIFEST_ANY */
	char name[IRIS_DEVICE_NAME_MAX]; /* name: the device's name (letters, digits, '_', '-',
	                                    '.'); else "" */
};

struct manifest {
	char driver[MANIFEST_DRIVER_MAX]; /* letters, digits, '_', '-', '.' */
	struct manifest_match match[MANIFEST_MATCH_MAX];
	size_t nmatch;
	uint32_t rights;              /* IRIS_RIGHT_DEV_* */
	char args[MANIFEST_ARGS_MAX]; /* words separated by one space; "" if none */
};

/*
 * Parses text[0..len) into *m. Returns 0, or -1 with a message in
 * err[0..errlen) naming the line ("line 3: unknown directive \"foo\"");
 * err is always NUL-terminated when errlen > 0. A NUL byte, a control
 * character other than tab and CR, a byte above 0x7e, or more than
 * MANIFEST_TEXT_MAX bytes is an error too.
 */
int manifest_parse(const char *text, size_t len, struct manifest *m, char *err, size_t errlen);

/*
 * Whether one of m's match lines matches the device: class and id lines a
 * PCI function (bus_type IRIS_BUS_PCI), name lines a platform device
 * (IRIS_BUS_PLATFORM) whose name is the line's.
 */
bool manifest_matches(const struct manifest *m, const struct iris_device_info *info);

/* The name of a device right (IRIS_RIGHT_DEV_*, one bit), or NULL. */
const char *manifest_right_name(uint32_t right);
