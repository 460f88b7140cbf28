/*
 * kernel_main: the boot sequence of the bootstrap processor, in order.
 */
#include <arch/paging.h>
#include <arch/platform.h>
#include <arch/smp.h>
#include <boot/bootinfo.h>
#include <boot/cmdline.h>
#include <boot/multiboot2.h>
#include <common/string.h>
#include <console/bootcon.h>
#include <console/log.h>
#include <debug/panic.h>
#include <dev/pci.h>
#include <ktest.h>
#include <mm/frame.h>
#include <mm/heap.h>
#include <mm/layout.h>
#include <mm/memmap.h>
#include <obj/device.h>
#include <proc/init.h>
#include <sched/sched.h>

void kernel_main(uint32_t magic, uint32_t mbi_phys);

struct boot_info boot_info;

extern const char _kernel_phys_start[], _kernel_phys_end[];

/* Takes loglevel= and test= from the (GRUB + fw_cfg) command line and warns of unknown words. */
static void apply_cmdline(char *test, size_t testlen)
{
	char extra[BOOT_CMDLINE_MAX], val[32];
	size_t len;

	if (platform_cmdline_extra(extra, sizeof(extra)) &&
	    !cmdline_append(boot_info.cmdline, sizeof(boot_info.cmdline), extra))
		pr_warn("command line too long: ignoring \"%s\"\n", extra);
	if (cmdline_get(boot_info.cmdline, "loglevel", val, sizeof(val))) {
		int level = cmdline_parse_loglevel(val);
		if (level < 0)
			pr_warn("loglevel=%s is not a level (0-4 or error/warn/info/debug)\n", val);
		else
			log_set_level((enum log_level)level);
	}
	for (const char *w = boot_info.cmdline; (w = cmdline_next_unknown(w, &len)); w += len)
		pr_warn("command line: unknown option \"%.*s\" ignored (known: loglevel=, test=, "
		        "run=)\n",
		        (int)len, w);
	test[0] = '\0';
	if (cmdline_get(boot_info.cmdline, "test", test, testlen))
		qemu_exit_arm();
}

/* Copies the boot information out of the block GRUB left in low memory. */
static void parse_boot_info(uint32_t magic, uint32_t mbi_phys)
{
	char err[160];

	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("not booted by a multiboot2 loader (magic %#x)", magic);
	/* The boot page tables map the first 4 GiB, where GRUB puts the block. */
	const void *mbi = phys_to_virt(mbi_phys);
	size_t avail = (size_t)((4ull << 30) - mbi_phys);
	if (mb2_parse(mbi, avail, &boot_info, err, sizeof(err)) < 0)
		panic("bad multiboot2 information: %s", err);
	boot_info.mbi_phys = mbi_phys;
}

static void print_banner(void)
{
	uint64_t usable = bootinfo_usable_bytes(&boot_info);
	kprintf("Iris %s ready. CPUs: %u online, memory: %lu MiB usable (%lu MiB free), "
	        "modules: %zu\n",
	        IRIS_VERSION, smp_online_count(), (unsigned long)(usable >> 20),
	        (unsigned long)((frame_count_free() * PAGE_SIZE) >> 20), boot_info.module_count);
	for (size_t i = 0; i < boot_info.module_count; i++) {
		const struct boot_module *m = &boot_info.modules[i];
		pr_debug("  module %zu: %s (%lu KiB)\n", i, m->cmdline,
		         (unsigned long)((m->end - m->start) >> 10));
	}
}

/*
 * Runs the kernel tests `test=` names. Other values (test=user, test=bench)
 * are for init and the programs it runs: the kernel only arms the exit.
 */
static void run_test_mode(const char *test)
{
	if (strcmp(test, "boot") == 0) {
		kprintf("boot test: reached the end of kernel initialisation\n");
		qemu_exit(QEMU_EXIT_SUCCESS);
		return;
	}
	if (strncmp(test, "kernel", 6) != 0 && strcmp(test, "exception") != 0)
		return;
	const char *prefix = NULL;
	if (strcmp(test, "kernel") == 0)
		prefix = "";
	else if (strncmp(test, "kernel:", 7) == 0)
		prefix = test + 7;
	else if (strcmp(test, "exception") == 0)
		prefix = "exception_";
	if (!prefix) {
		pr_err("test=%s: no such kernel test (kernel, kernel:PREFIX, exception)\n", test);
		qemu_exit(QEMU_EXIT_FAILURE);
		return;
	}
#ifdef KERNEL_SELFTESTS
	bool ok = ktest_run_all(prefix);
#else
	pr_err("test=%s: this kernel was built without its self tests (-Dkernel_selftests=true)\n",
	       test);
	bool ok = false;
#endif
	qemu_exit(ok ? QEMU_EXIT_SUCCESS : QEMU_EXIT_FAILURE);
}

void kernel_main(uint32_t magic, uint32_t mbi_phys)
{
	char test[64], err[160];

	arch_early_init();

	parse_boot_info(magic, mbi_phys);
	bootcon_init(&boot_info);
	apply_cmdline(test, sizeof(test));
	kprintf("Iris %s booting (%s), command line \"%s\"\n", IRIS_VERSION,
	        boot_info.bootloader[0] ? boot_info.bootloader : "unknown loader",
	        boot_info.cmdline);

	if (bootinfo_check(&boot_info, (uintptr_t)_kernel_phys_start, (uintptr_t)_kernel_phys_end,
	                   err, sizeof(err)) < 0)
		panic("cannot boot: %s", err);
	memmap_init_frames(&boot_info, (uintptr_t)_kernel_phys_start, (uintptr_t)_kernel_phys_end);
	paging_init();
	heap_init();
	bootcon_remap();
	arch_late_init();
	pci_init();
	device_init_all();
	print_banner();

	sched_init_cpu();
	if (test[0])
		run_test_mode(test);
	init_start();
	sched_run_idle();
}
