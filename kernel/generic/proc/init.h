#pragma once

/*
 * Starts the first process from the first boot module. Its arguments are
 * that module's command line; its environment carries IRIS_CMDLINE (the
 * kernel command line) and IRIS_MODULES (every module's name, in order); its
 * initial handles are one read-only memory object per boot module, in the
 * same order. A kernel thread waits for init and reports how it ended; under
 * a test, init's exit status ends QEMU (0: success).
 */
void init_start(void);
