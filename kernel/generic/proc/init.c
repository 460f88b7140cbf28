#include <arch/platform.h>
#include <async/aop.h>
#include <boot/bootinfo.h>
#include <boot/cmdline.h>
#include <common/printf.h>
#include <common/spawnargs.h>
#include <common/string.h>
#include <console/log.h>
#include <debug/panic.h>
#include <iris/abi/errno.h>
#include <mm/heap.h>
#include <mm/layout.h>
#include <obj/device.h>
#include <obj/process.h>
#include <obj/vmo.h>
#include <proc/init.h>
#include <sched/sched.h>
#include <sched/thread.h>

#define MODULE_RIGHTS                                                                \
	(IRIS_RIGHT_READ | IRIS_RIGHT_MAP | IRIS_RIGHT_EXEC | IRIS_RIGHT_DUPLICATE | \
	 IRIS_RIGHT_TRANSFER)

static struct process *init_process;

/* A module's name: the first word of its command line, without a directory. */
static void module_name(const struct boot_module *m, char *out, size_t len)
{
	const char *start = m->cmdline, *p;
	size_t n = 0;
	for (p = m->cmdline; *p && *p != ' '; p++)
		if (*p == '/')
			start = p + 1;
	n = (size_t)(p - start);
	if (n >= len)
		n = len - 1;
	memcpy(out, start, n);
	out[n] = '\0';
}

/* Waits for init and reports its end; in a test run, ends QEMU with its verdict. */
static void init_watch(void *arg)
{
	(void)arg;
	aop_wait_object(&init_process->obj);
	struct iris_exit_info info = init_process->exit;
	if (info.reason == IRIS_EXIT_CODE)
		pr_info("init exited with status %d\n", info.code);
	else if (info.reason == IRIS_EXIT_FAULT)
		pr_err("init died: %s at rip %#lx, address %#lx\n", "fault", info.rip,
		       info.fault_addr);
	else
		pr_err("init was killed\n");
	bool ok = info.reason == IRIS_EXIT_CODE && info.code == 0;
	log_reclaim(); /* the test's last lines, if a console held the log: on the port */
	qemu_exit(ok ? QEMU_EXIT_SUCCESS : QEMU_EXIT_FAILURE);
}

void init_start(void)
{
	static char modules_env[BOOT_MAX_MODULES * 32 + 16];
	static char cmdline_env[BOOT_CMDLINE_MAX + 16];
	static char bus_env[32];
	struct kobject *objs[BOOT_MAX_MODULES + 1];
	uint32_t rights[BOOT_MAX_MODULES + 1];
	char err[128], name[32];
	size_t n = boot_info.module_count;

	if (n == 0) {
		pr_warn("no boot modules: no init to start\n");
		return;
	}
	strlcpy(modules_env, "IRIS_MODULES=", sizeof(modules_env));
	for (size_t i = 0; i < n; i++) {
		const struct boot_module *m = &boot_info.modules[i];
		struct vmo *vmo = vmo_create(m->end - m->start);
		if (!vmo || vmo_write(vmo, 0, phys_to_virt(m->start), m->end - m->start) < 0)
			panic("no memory to hold boot module %zu", i);
		objs[i] = &vmo->obj;
		rights[i] = MODULE_RIGHTS;
		module_name(m, name, sizeof(name));
		if (i)
			cmdline_append(modules_env, sizeof(modules_env), name);
		else
			strlcpy(modules_env + strlen(modules_env), name,
			        sizeof(modules_env) - strlen(modules_env));
	}
	fmt_snprintf(cmdline_env, sizeof(cmdline_env), "IRIS_CMDLINE=%s", boot_info.cmdline);
	/* After the modules: the bus handle, which opens devices (init gives it to devmgr). */
	objs[n] = device_bus();
	rights[n] = IRIS_DEFAULT_RIGHTS_BUS;
	fmt_snprintf(bus_env, sizeof(bus_env), "IRIS_BUS=%zu", n);
	n++;
	const char *env[] = { cmdline_env, modules_env, bus_env };
	size_t cap = IRIS_SPAWN_ARGS_MAX;
	void *args = kmalloc(cap);
	long len = args ? spawnargs_pack(boot_info.modules[0].cmdline, env, 3, args, cap) : -ENOMEM;
	if (len < 0)
		panic("cannot pack init's arguments (%ld)", len);

	module_name(&boot_info.modules[0], name, sizeof(name));
	const struct boot_module *m = &boot_info.modules[0];
	int r = process_spawn(name, phys_to_virt(m->start), m->end - m->start, args, (size_t)len,
	                      objs, rights, n, &init_process, err, sizeof(err));
	kfree(args);
	for (size_t i = 0; i < n; i++)
		kobject_put(objs[i]);
	if (r < 0) {
		pr_err("cannot start init (%s): %s\n", name, r == -ENOEXEC ? err : "out of memory");
		qemu_exit(QEMU_EXIT_FAILURE);
		return;
	}
	/* The watcher exists before init runs, so the thread count init's programs see is stable.
	 */
	struct thread *watch = thread_create_kernel("init-watch", init_watch, NULL);
	if (!watch)
		panic("no memory for the init watcher");
	process_start(init_process);
	pr_info("init: started %s (pid %lu)\n", name, init_process->pid);
	sched_start(watch);
	kobject_put(&watch->obj);
}
