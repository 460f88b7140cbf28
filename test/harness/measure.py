"""Checks of the numbers a guest shows, against what QEMU was given and the kernel's own records.

A pattern that matches the shape of a line ("restart 3 in 40 ms", "CPUs: 2")
passes whatever the numbers say. These checks read the numbers:

    check_restarts  the delay between a process's end and the next start of
                    the same program, from the kernel's process log
                    (loglevel=debug), against the back-off init or devmgr
                    announced for it;
    check_banner    the kernel's "ready" line against the machine (-smp,
                    -m) and the module2 lines of the ISO's grub.cfg;
    check_mem       what `mem` printed: its sums, against the kernel's frame
                    count and the machine's memory.

Each takes the run's serial output, the Machine and the ISO's path, and
returns a list of problems (empty: the numbers hold). suite.GuestTest.checks
names the ones a test runs.
"""

import functools
import os
import re
import subprocess
import tempfile

from qemu import Machine, console_text

# --------------------------------------------------------------------------
# Supervision: the back-off, measured
# --------------------------------------------------------------------------

# The kernel's obj/process.c, process_log_event().
PROC_RE = re.compile(r"^proc: pid (\d+) \((.*)\) (started|ended) at (\d+)\.(\d{3}) ms$")
# servers/init/main.c, service_ended(); servers/devmgr/driver.c, driver_schedule().
RESTART_RE = re.compile(r"^(init|devmgr): (\S+)(?: \(pid (\d+)\))? (.*); restart (\d+) in (\d+) ms$")
# The clocks agree (the kernel's and the supervisor's are one), and the log
# shows microseconds: only rounding separates an honest delay from the one announced.
RESTART_EARLY_MS = 1.0
# How much longer than announced a restart may take (TCG, a device still held by
# the previous instance); far more than that and the announced delay is not the real one.
RESTART_LATE_MS = 2000.0


def _program_matches(supervisor: str, instance: str, process: str) -> bool:
    """Whether the kernel's process name `process` runs the supervisor's `instance`.

    init names a service by its module (the process's name); devmgr names an
    instance by its driver and a number (edu0, ps20).
    """
    if supervisor == "init":
        return process == instance
    return re.fullmatch(re.escape(process) + r"\d+", instance) is not None


def restart_delays(output: str) -> tuple:
    """The restarts in `output` and what they measure, in order.

    Returns (measured, problems): measured is a list of (line, announced_ms,
    measured_ms); a restart whose next start the log does not reach (the run
    ended first) is left out. A failed start ("cannot ...") ended no process
    and is not measured either.
    """
    events = []  # ("started" | "ended", pid, name, ms) and ("restart", match, line)
    for line in console_text(output).split("\n"):
        line = line.strip()
        proc = PROC_RE.match(line)
        if proc:
            ms = int(proc.group(4)) + int(proc.group(5)) / 1000
            events.append((proc.group(3), int(proc.group(1)), proc.group(2), ms))
            continue
        restart = RESTART_RE.match(line)
        if restart and not restart.group(4).startswith("cannot "):
            events.append(("restart", restart, line))
    measured, problems, used = [], [], set()
    for index, event in enumerate(events):
        if event[0] != "restart":
            continue
        match, line = event[1], event[2]
        supervisor, instance, pid = match.group(1), match.group(2), match.group(3)
        announced = float(match.group(6))

        def runs_it(e):
            return e[0] != "restart" and _program_matches(supervisor, instance, e[2])

        ends = [i for i in range(index) if events[i][0] == "ended" and runs_it(events[i])
                and i not in used and (pid is None or events[i][1] == int(pid))]
        if not ends:
            problems.append(f"no process end in the kernel's log before \"{line}\"")
            continue
        used.add(ends[-1])
        end = events[ends[-1]]
        start = next((e for e in events[index + 1:] if e[0] == "started" and runs_it(e)), None)
        if start is None:
            continue
        delay = start[3] - end[3]
        measured.append((line, announced, delay))
        if delay < announced - RESTART_EARLY_MS:
            problems.append(f"\"{line}\": pid {start[1]} started {delay:.3f} ms after "
                            f"pid {end[1]} ended, not {announced:.0f}")
        elif delay > announced + RESTART_LATE_MS:
            problems.append(f"\"{line}\": pid {start[1]} started {delay:.3f} ms after "
                            f"pid {end[1]} ended, far more than {announced:.0f}")
    return measured, problems


def check_restarts(minimum: int):
    """A check: at least `minimum` restarts are measured, each as long as announced."""
    def check(output: str, machine: Machine, iso: str) -> list:
        measured, problems = restart_delays(output)
        if len(measured) < minimum:
            problems.append(f"{len(measured)} restarts measured in the kernel's process log "
                            f"(loglevel=debug), expected at least {minimum}")
        return problems
    check.__name__ = f"check_restarts({minimum})"
    return check


# --------------------------------------------------------------------------
# The boot banner
# --------------------------------------------------------------------------

# The kernel's main.c, print_banner(): anchored, so GRUB's menu ("*Iris") cannot match.
BANNER_RE = re.compile(r"^Iris (\S+) ready\. CPUs: (\d+) online, memory: (\d+) MiB usable "
                       r"\((\d+) MiB free\), modules: (\d+)$", re.MULTILINE)
BANNER_MODULE_RE = re.compile(r"^  module (\d+): (\S+)(?: .*)? \((\d+) KiB\)$", re.MULTILINE)
# The kernel's mm/frame.c: the frames the allocator manages.
FRAMES_RE = re.compile(r"^frame: (\d+) MiB in \d+ regions", re.MULTILINE)
GRUB_MODULE_RE = re.compile(r"^\s*module2\s+\S+\s+(\S+)", re.MULTILINE)


def machine_mib(machine: Machine) -> int:
    """The memory QEMU was given (-m), in MiB."""
    size = re.fullmatch(r"(\d+)([MG])", machine.mem)
    if not size:
        raise ValueError(f"memory size {machine.mem!r} is not NM or NG")
    return int(size.group(1)) << (10 if size.group(2) == "G" else 0)


def firmware_reserve_mib(total_mib: int) -> int:
    """How much of `total_mib` the firmware and the PCI hole may keep from the OS."""
    return max(8, total_mib // 16)


@functools.lru_cache(maxsize=None)
def iso_modules(iso: str) -> tuple:
    """The modules (their command lines' first words) of the ISO's /boot/grub/grub.cfg.

    Those of its first menu entry: the default one, which the tests boot.
    """
    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "grub.cfg")
        done = subprocess.run(["xorriso", "-osirrox", "on", "-indev", iso,
                               "-extract", "/boot/grub/grub.cfg", cfg],
                              capture_output=True, text=True)
        if done.returncode != 0 or not os.path.isfile(cfg):
            raise OSError(f"cannot read grub.cfg from {iso}: {done.stderr.strip()[-200:]}")
        with open(cfg) as file:
            return grub_modules(file.read())


def grub_modules(cfg: str) -> tuple:
    """The modules of the first menu entry of the GRUB configuration `cfg`."""
    start = cfg.find("menuentry ")
    end = cfg.find("\n}", start)
    return tuple(GRUB_MODULE_RE.findall(cfg[start:end if end >= 0 else len(cfg)]))


def banner_problems(output: str, machine: Machine, modules: tuple) -> list:
    """The banner's numbers against `machine` and the ISO's `modules` (pure: see check_banner)."""
    text = console_text(output)
    banners = BANNER_RE.findall(text)
    if len(banners) != 1:
        return [f"{len(banners)} lines \"Iris VERSION ready. CPUs: ...\", expected 1"]
    _, cpus, usable, free, count = banners[0]
    cpus, usable, free, count = int(cpus), int(usable), int(free), int(count)
    problems = []
    if cpus != machine.smp:
        problems.append(f"the banner says {cpus} CPUs online, QEMU has -smp {machine.smp}")
    total = machine_mib(machine)
    if not total - firmware_reserve_mib(total) <= usable <= total:
        problems.append(f"the banner says {usable} MiB usable, QEMU has -m {machine.mem}")
    frames = FRAMES_RE.search(text)
    if not frames:
        problems.append("no \"frame: N MiB in N regions\" line")
    elif not free <= int(frames.group(1)) <= usable:
        problems.append(f"the banner says {free} MiB free of {usable} usable, the frame "
                        f"allocator has {frames.group(1)} MiB")
    if count != len(modules):
        problems.append(f"the banner says {count} modules, grub.cfg has {len(modules)}")
    listed = [(int(i), name) for i, name, _ in BANNER_MODULE_RE.findall(text)]
    wanted = list(enumerate(modules))
    if listed != wanted:
        at = next((i for i, pair in enumerate(zip(listed, wanted)) if pair[0] != pair[1]),
                  min(len(listed), len(wanted)))
        problems.append(f"the banner lists {len(listed)} modules, grub.cfg {len(wanted)}; "
                        f"first difference at {at}: {listed[at:at + 1]} against "
                        f"{wanted[at:at + 1]}")
    return problems


def check_banner(output: str, machine: Machine, iso: str) -> list:
    """The kernel's banner against the machine and the ISO's grub.cfg."""
    try:
        modules = iso_modules(iso)
    except OSError as err:
        return [str(err)]
    return banner_problems(output, machine, modules)


# --------------------------------------------------------------------------
# mem
# --------------------------------------------------------------------------

# bin/mem/main.c: the table row (KiB) and the line below it (pages).
MEM_RE = re.compile(r"^\s*total KiB\s+used KiB\s+free KiB\n\s*(\d+)\s+(\d+)\s+(\d+)\n"
                    r"(\d+) of (\d+) pages \(4 KiB\) in use, (\d+)%$", re.MULTILINE)
PAGE_KIB = 4


def check_mem(output: str, machine: Machine, iso: str) -> list:
    """What `mem` printed: used + free = total, its two lines agree, and the kernel's frame
    count and the machine's memory bound it; on a fresh machine most memory is free."""
    text = console_text(output)
    shown = MEM_RE.search(text)
    if not shown:
        return ["no output of mem (a table row and \"N of N pages (4 KiB) in use, N%\")"]
    total_kib, used_kib, free_kib, used, total, percent = map(int, shown.groups())
    problems = []
    if used_kib + free_kib != total_kib:
        problems.append(f"mem: {used_kib} KiB used + {free_kib} KiB free != {total_kib} KiB")
    if (used * PAGE_KIB, total * PAGE_KIB) != (used_kib, total_kib):
        problems.append(f"mem: {used} of {total} pages in use, but the table says "
                        f"{used_kib} of {total_kib} KiB")
    if total and percent != used * 100 // total:
        problems.append(f"mem: {used} of {total} pages is not {percent}%")
    frames = FRAMES_RE.search(text)
    if not frames:
        problems.append("no \"frame: N MiB in N regions\" line to compare mem with")
    elif total_kib >> 10 != int(frames.group(1)):
        problems.append(f"mem: {total_kib >> 10} MiB in all, the frame allocator has "
                        f"{frames.group(1)} MiB")
    if total_kib >> 10 > machine_mib(machine):
        problems.append(f"mem: {total_kib >> 10} MiB in all, QEMU has -m {machine.mem}")
    if used * 2 >= total:
        problems.append(f"mem: {used} of {total} pages in use on a freshly booted machine")
    return problems
