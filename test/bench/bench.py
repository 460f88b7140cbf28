#!/usr/bin/env python3
"""`./iris bench`: Iris and a Linux guest measured on the same QEMU.

    python3 test/bench/bench.py --build build [--only METRIC ...] [--jobs 2]
    python3 test/bench/bench.py --list

Metrics are counted in guest instructions (QEMU -icount shift=0: rdtsc in
the guest counts instructions, see /work/shared/BENCH.md), except the
wall-clock ones (disk IOPS and MB/s), whose boots run without -icount and one
at a time, with no other QEMU of the run beside them. Linux boots twice per
machine: with mitigations=off (the headline `Linux` column: Iris has no
speculation mitigations) and with its default ones (a second column). Prints
the table `metric | Iris | Linux | Iris/Linux | Linux (default)`, with a
ratio only for a row whose two sides do the same work, and writes
BUILD/bench.json. A side that cannot run (Iris before user mode, a failed
boot) shows as `—` / null; a benchmark never fails the build. Serial logs go
to BUILD/bench/logs/.

To add a metric, append a Metric to METRICS (and the guest programs it names:
test/bench/linux/NAME.c, test/bench/iris/NAME.c); see test/bench/README.md.
"""

import argparse
import fnmatch
import json
import os
import re
import socket
import struct
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Optional

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "test", "harness"))

import linux_guest  # noqa: E402
from qemu import OVMF, QEMU, STATUS_MEANING, Machine, exit_status, qemu_escape, \
    read_until_prompt, run_command  # noqa: E402

MAX_JOBS = 2  # two cores: never more than two QEMUs at once
ICOUNT = ("-icount", "shift=0,sleep=off")
# GRUB's menu counts its timeout down by polling the BIOS clock, which under
# -icount takes over a minute of wall clock per second: Enter skips it.
GRUB_MENU_KEYS = ((b"executed automatically in", "ret"),)
BENCH_MACHINE = Machine("q35", "seabios", smp=1, mem="512M")
SMP2_MACHINE = Machine("q35", "seabios", smp=2, mem="512M")  # the polling metrics
SUCCESS = exit_status(linux_guest.DEBUG_EXIT_SUCCESS)  # 33, both sides
CHILD = "/bench/bench_child"
DEFAULT = "_default"  # bench.json: the suffix of Linux's figures with its default mitigations
RING_ENTRIES = ("entries", "entries")  # system calls into the kernel per ring operation
IPC_ENTRIES = ("entries", "entries")   # kernel entries per round trip (both processes)


@dataclass(frozen=True)
class Disk:
    """A raw disk image written into BUILD/bench/ and attached to both sides alike.

    Every 512-byte sector starts with its LBA and DISK_MAGIC ^ LBA (64-bit,
    little-endian), then DISK_FILL bytes: non-zero data the guest programs
    check (bench_disk.h). `image` names the file (BUILD/bench/<image>.img),
    which several Disks may share; `name` is the drive's id in QEMU. Attached
    as `-drive ...,cache=writeback` (QEMU's default: the host's page cache
    holds the image) to the same device on both sides: `bus` is an AHCI port
    of q35's ICH9 controller ("ide.1": port 1; Iris's cdrom, attached with no
    bus, lands on port 5), or "nvme": an NVMe controller of its own (QEMU's
    `-device nvme`, the drive as its namespace 1). `iris` and `linux` name
    the disk inside each guest. A boot with a disk runs alone (no other QEMU
    of the run beside it): it may write, and the disk figures follow the
    host's load.
    """

    name: str
    image: str
    size_mib: int
    bus: str
    iris: str
    linux: str

    def path(self, build: str) -> str:
        return os.path.join(build, "bench", self.image + ".img")

    def qemu_args(self, build: str) -> tuple:
        if self.bus == "nvme":
            device = f"nvme,drive={self.name},serial=iris-bench-{self.name}"
        else:
            device = f"ide-hd,drive={self.name},bus={self.bus}"
        return ("-drive", f"file={qemu_escape(self.path(build))},format=raw,if=none,"
                          f"id={self.name},cache=writeback",
                "-device", device)


DISK_MAGIC = 0x4952495344495343  # "IRISDISC", as BENCH_DISK_MAGIC in bench_disk.h
DISK_FILL = 0xA5                 # as BENCH_DISK_FILL
BENCH_DISK = Disk("disk", "disk", 256, "ide.1", iris="blk/ahci0.1", linux="/dev/sda")
NVME_DISK = Disk("nvme", "disk", 256, "nvme", iris="blk/nvme0.1", linux="/dev/nvme0n1")
# The devices the disk metrics run on: the prefix of their names, the disk, Linux's modules.
DISK_DEVICES = (("disk", BENCH_DISK, ("ahci", "sd_mod")),  # libahci, libata, scsi_mod ...
                ("nvme", NVME_DISK, ("nvme",)))            # nvme_core, t10_pi ...
# name (after the prefix), unit, what bench_disk does, queue depth, clock. 1 MiB sequential
# requests, 8 in flight: Iris's drivers take 128 KiB per request (max_sectors), so Iris sends
# each as 8 requests, 64 in flight, the block client's limit (BLK_QUEUE_MAX).
DISK_ROWS = (("randread_qd1_iops", "IOPS", "randread", 1, "wall"),
             ("randread_qd32_iops", "IOPS", "randread", 32, "wall"),
             ("seqread_mbps", "MB/s", "seqread", 8, "wall"),
             ("seqwrite_mbps", "MB/s", "seqwrite", 8, "wall"),
             ("randread_qd32_instructions", "instructions", "randread", 32, "instructions"))
# Why nvme_randread_qd32_instructions prints no ratio (README.md, "The disk metrics").
NVME_WAITS = ("under -icount QEMU's NVMe completes reads on the host's clock, and a guest that "
              "waits for one skips to its next timer (Linux: a 4 ms tick per batch at times): "
              "the figure counts waits, not only work")
DEVMGR = "@!devmgr"  # init starts devmgr as a service with the bus handle; it starts
                     # the disk drivers (ahci, nvme)


@dataclass(frozen=True)
class Metric:
    """One row of the table and one object in bench.json.

    linux:         commands /init runs, in order: tuples of words, the first a
                   program built from test/bench/linux/NAME.c (or an absolute
                   path). Each prints `BENCH <name> <value>`; `BENCH <name>.<x>`
                   lands in bench.json as the extra key `linux_<x>`. Iteration
                   and round counts are shared with Iris in bench.h.
    linux_early:   commands /init runs first, before it mounts anything.
    linux_modules: kernel modules to load first (dependencies are found).
    iris:          the Iris program (a boot module) that prints this metric,
                   with its arguments after `+` ("bench_ring+ring_nop_b4+4").
                   One boot per machine runs the programs of all selected
                   metrics, in table order (the same command once):
                   `test=bench run=<program>,<program>...`.
    iris_services: init words run before the programs of the boot, such as
                   DEVMGR ("@!devmgr": a background service with the bus handle).
    machine:       the QEMU machine, the same for both sides; linux_qemu and
                   iris_qemu add arguments for one side only.
    disks:         Disk images attached to both sides (written by this script).
    icount:        count instructions (-icount); False for wall-clock metrics.
    extras:        (x, unit) pairs: second figures the programs of both sides
                   print as `BENCH <name>.<x>`, shown as rows `<name>.<x>` and
                   in bench.json as `iris_<x>` / `linux_<x>` (null when absent).
    unlike:        why the two figures are not like for like ("" when both
                   sides do the same work and are counted alike): the table
                   prints no ratio for the row, and says why.
    """

    name: str
    unit: str = "instructions"
    linux: tuple = ()
    linux_early: tuple = ()
    linux_modules: tuple = ()
    iris: Optional[str] = None
    iris_services: tuple = ()
    machine: Machine = BENCH_MACHINE
    disks: tuple = ()
    linux_qemu: tuple = ()
    iris_qemu: tuple = ()
    icount: bool = True
    extras: tuple = ()
    unlike: str = ""
    timeout: float = 600      # seconds for the whole boot (wall clock)
    idle_timeout: float = 60  # seconds without serial output

    @property
    def has_linux(self) -> bool:
        return bool(self.linux or self.linux_early)


METRICS = [
    Metric("boot_to_ready",
           linux_early=(("bench_boot", "boot_to_ready"),),
           iris="bench_boot",
           unlike="different loaders: GRUB reads Iris from the ISO through the BIOS, QEMU's "
                  "-kernel copies Linux in and it decompresses itself"),
    Metric("syscall_null",
           linux=(("bench_syscall", "syscall_null"),),
           iris="bench_syscall"),
    Metric("syscall_null_int80", iris="bench_syscall"),
    Metric("process_spawn",
           linux=(("bench_spawn", "process_spawn", "posix_spawn", CHILD),
                  ("bench_spawn", "process_spawn.fork_exec", "fork", CHILD)),
           iris="bench_spawn",
           unlike="Iris starts an ELF image already in the parent's memory, Linux "
                  "posix_spawns a file by path (until Iris spawns from files)"),
    *[Metric(f"ring_nop_b{batch}",
             linux=(("bench_ring", f"ring_nop_b{batch}", batch, "enter"),),
             iris=f"bench_ring+ring_nop_b{batch}+{batch}+enter",
             extras=(RING_ENTRIES,))
      for batch in (1, 4, 32, 256)],
    Metric("ring_nop_sqpoll_b32",
           linux=(("bench_ring", "ring_nop_sqpoll_b32", 32, "sqpoll"),),
           iris="bench_ring+ring_nop_sqpoll_b32+32+sqpoll",
           extras=(RING_ENTRIES,),
           machine=SMP2_MACHINE,
           unlike="under -icount Linux's SQ thread spins without pause and is counted until "
                  "its time slice ends; Iris's polling thread pauses"),
    # A round trip between two processes: an 8-byte message v, the answer v + 1, checked.
    # Blocking, one CPU: a channel with a sleep and a wake-up each way (Linux: two pipes;
    # a unix socket pair as `linux_unix`). Polling, two CPUs: both sides spin on the
    # queues (Linux: one shared-memory cell each way, no queue).
    Metric("ipc_roundtrip_block",
           linux=(("bench_ipc", "ipc_roundtrip_block", "pipe"),
                  ("bench_ipc", "ipc_roundtrip_block.unix", "unix")),
           iris="bench_ipc+ipc_roundtrip_block+block",
           extras=(IPC_ENTRIES,)),
    Metric("ipc_roundtrip_poll",
           linux=(("bench_ipc", "ipc_roundtrip_poll", "shm"),),
           iris="bench_ipc+ipc_roundtrip_poll+poll",
           extras=(IPC_ENTRIES,),
           machine=SMP2_MACHINE,
           unlike="Linux has no shared-memory message queue: its side is one 8-byte cell "
                  "each way, Iris's a channel (16 slots of 128 bytes, wake-up flags)"),
    # QEMU's edu device raises an MSI; init hands the program the bus handle (`!`).
    Metric("irq_to_driver", iris="!bench_irq", iris_qemu=("-device", "edu")),
    # One disk image on AHCI port 1, then on an NVMe controller: Iris's ring-3 driver
    # (started by devmgr) through the block client, Linux's ahci + sd or nvme with O_DIRECT
    # and io_uring. Wall clock, except the instructions per read (under -icount).
    *[Metric(f"{prefix}_{row}", unit=unit, icount=clock == "instructions",
             linux=(("bench_disk", f"{prefix}_{row}", disk.linux, mode, qd, clock),),
             linux_modules=modules,
             iris=f"bench_disk+{prefix}_{row}+{disk.iris}+{mode}+{qd}+{clock}",
             iris_services=(DEVMGR,),
             disks=(disk,),
             unlike=NVME_WAITS if (prefix, clock) == ("nvme", "instructions") else "")
      for prefix, disk, modules in DISK_DEVICES
      for row, unit, mode, qd, clock in DISK_ROWS],
    # devmgr makes the AHCI driver crash; the block client reconnects and resubmits.
    # driver_restart.ready: the same until devmgr lists the driver running again.
    Metric("driver_restart",
           iris=f"bench_restart+driver_restart+{BENCH_DISK.iris}+ahci0",
           iris_services=(DEVMGR,),
           extras=(("ready", "instructions"),),
           disks=(BENCH_DISK,)),
]

BENCH_RE = re.compile(r"^BENCH ([A-Za-z0-9_.]+) ([0-9.]+)\s*$")
FAIL_RE = re.compile(r"^BENCH-FAIL ")


# --------------------------------------------------------------------------
# Boots
# --------------------------------------------------------------------------

@dataclass
class Boot:
    """One QEMU run that measures some metrics on one side."""

    side: str            # "iris", "linux" (mitigations=off) or "linux_default"
    label: str           # names the log file
    metrics: list
    command: list
    timeout: float
    idle_timeout: float
    keys: tuple = ()     # (serial text, QEMU key): press the key once the text appears
    alone: bool = False  # wall clock or a disk: runs with no other QEMU of this run beside it
    values: dict = field(default_factory=dict)  # BENCH name -> float
    problem: str = ""    # why the run did not end as it should ("" if it did)


def machine_args(machine: Machine, icount: bool, extra: tuple, disks: tuple = (),
                 build: str = "") -> list:
    """The QEMU arguments shared by both sides (as test/harness/qemu.py boots Iris)."""
    argv = [QEMU, "-machine", machine.machine, "-accel", "tcg", "-cpu", machine.cpu,
            "-smp", str(machine.smp), "-m", machine.mem, *(ICOUNT if icount else ()),
            "-display", "none", "-serial", "stdio", "-nic", "none", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if machine.firmware == "ovmf":
        argv += ["-bios", OVMF]
    for disk in disks:
        argv += disk.qemu_args(build)
    return argv + list(machine.args) + list(extra)


def write_disk(build: str, disk: Disk, log=print) -> str:
    """Write disk's image (see Disk) unless it is there already; returns its path."""
    path = disk.path(build)
    size = disk.size_mib << 20
    stamp = path + ".sha256"
    key = linux_guest.digest(size, DISK_MAGIC, DISK_FILL)
    if os.path.exists(path) and os.path.getsize(path) == size and \
            linux_guest.read_text(stamp) == key:
        return path
    log(f"bench: writing {os.path.relpath(path)} ({disk.size_mib} MiB)")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    chunk_sectors = 2048  # 1 MiB at a time
    with open(path + ".tmp", "wb") as f:
        for first in range(0, size // 512, chunk_sectors):
            chunk = bytearray([DISK_FILL]) * (chunk_sectors * 512)
            for i in range(chunk_sectors):
                lba = first + i
                struct.pack_into("<QQ", chunk, i * 512, lba, DISK_MAGIC ^ lba)
            f.write(chunk)
    os.replace(path + ".tmp", path)
    linux_guest.write_text(stamp, key)
    return path


def linux_boots(metrics: list, kernel, initramfs: str, build: str) -> list:
    """Two boots per machine the Linux metrics use: mitigations=off (side "linux",
    the headline column, like Iris, which has none) and the default (side
    "linux_default")."""
    groups = {}
    for m in metrics:
        if m.has_linux:
            groups.setdefault((m.machine, m.icount, m.linux_qemu, m.disks), []).append(m)
    boots = []
    for n, ((machine, icount, extra, disks), group) in enumerate(groups.items()):
        for off in (True, False):
            cmdline = linux_guest.kernel_cmdline([m.name for m in group], off, machine.smp)
            command = machine_args(machine, icount, extra, disks, build) + [
                "-kernel", kernel.image, "-initrd", initramfs, "-append", cmdline]
            label = f"linux{n or ''}" + ("" if off else "-default")
            boots.append(Boot("linux" + ("" if off else DEFAULT), label,
                              group, command, max(m.timeout for m in group),
                              max(m.idle_timeout for m in group),
                              alone=not icount or bool(disks)))
    return boots


# The kernel keeps at most this many bytes of the words fw_cfg adds to its command line
# (kernel/generic/main.c): a boot whose programs need more is split in several.
IRIS_FWCFG_CMDLINE_MAX = 255


def iris_cmdline(programs: list) -> str:
    """The extra Iris command line: init runs `programs` in order, then the kernel exits QEMU."""
    return "test=bench run=" + ",".join(programs)


def iris_program_runs(services: list, programs: list) -> list:
    """`programs` in order, cut into runs whose command line (the services first in
    each) fits IRIS_FWCFG_CMDLINE_MAX; a program too long on its own is a run alone
    (its boot fails visibly rather than silently running something else)."""
    runs = [[]]
    for program in programs:
        if runs[-1] and len(iris_cmdline(services + runs[-1] + [program])) > \
                IRIS_FWCFG_CMDLINE_MAX:
            runs.append([])
        runs[-1].append(program)
    return runs


def iris_boots(metrics: list, iso: str, build: str) -> list:
    """One boot per machine (and services) the Iris metrics use, or several when
    their command line is too long: their services, then their programs in
    table order."""
    groups = {}
    for m in metrics:
        if m.iris:
            key = (m.machine, m.icount, m.iris_qemu, m.disks, m.iris_services)
            groups.setdefault(key, []).append(m)
    boots = []
    for (machine, icount, extra, disks, services), group in groups.items():
        for run in iris_program_runs(list(services), list(dict.fromkeys(m.iris for m in group))):
            programs = list(services) + run
            command = machine_args(machine, icount, extra, disks, build) + [
                "-drive", f"file={qemu_escape(iso)},format=raw,if=none,id=iso,"
                          "media=cdrom,readonly=on",
                "-device", "ide-cd,drive=iso,bootindex=0",
                "-fw_cfg", f"name=opt/iris/cmdline,string={qemu_escape(iris_cmdline(programs))}"]
            ran = [m for m in group if m.iris in run]
            boots.append(Boot("iris", f"iris{len(boots) or ''}", ran, command,
                              max(m.timeout for m in ran), max(m.idle_timeout for m in ran),
                              keys=GRUB_MENU_KEYS, alone=not icount or bool(disks)))
    return boots


def run_boot(boot: Boot, log_dir: str, echo: bool) -> Boot:
    """Run one boot; fill in its BENCH values and, if it went wrong, why."""
    log_path = os.path.join(log_dir, boot.label + ".log")
    with open(log_path, "wb") as log, tempfile.TemporaryDirectory(prefix="iris-bench-") as tmp:
        monitor = os.path.join(tmp, "monitor.sock")
        keys = KeyPresser(monitor, boot.keys)

        def sink(data: bytes):
            log.write(data)
            log.flush()
            if echo:
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
            keys.feed(data)
        command = boot.command + ["-monitor", f"unix:{monitor},server,nowait"]
        try:
            run = run_command(command, boot.timeout, boot.idle_timeout, sink=sink)
        except OSError as err:
            boot.problem = f"cannot start QEMU: {err}"
            return boot
    boot.values = parse_values(run.output)
    failures = [line for line in run.output.split("\n") if FAIL_RE.match(line.strip())]
    if run.timeout or run.status != SUCCESS:
        boot.problem = run.describe()
        if run.status is not None and run.status not in STATUS_MEANING:
            boot.problem += ": " + (run.stderr.strip().split("\n")[-1] or "no message")
    elif failures:
        boot.problem = failures[0]
    else:
        missing = [m.name for m in boot.metrics if m.name not in boot.values]
        if missing:
            boot.problem = "no BENCH line for " + ", ".join(missing)
    if boot.problem:
        boot.problem += f" (log: {os.path.relpath(log_path)})"
    print(f"bench: {boot.label} done in {run.seconds:.0f} s"
          + (", failed" if boot.problem else ""), flush=True)
    return boot


class KeyPresser:
    """Presses a key through the QEMU monitor the first time a text appears on serial."""

    def __init__(self, monitor: str, keys: tuple):
        self.monitor = monitor
        self.pending = list(keys)
        self.tail = b""

    def feed(self, data: bytes):
        """Look at the next chunk of serial output (a text may straddle two chunks)."""
        window = self.tail + data
        for text, key in list(self.pending):
            if text in window:
                self.pending.remove((text, key))
                self.press(key)
        longest = max((len(text) for text, _ in self.pending), default=0)
        self.tail = window[len(window) - longest:] if longest else b""

    def press(self, key: str):
        """Send `sendkey KEY` to the monitor; a failure is only reported."""
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(10)
                sock.connect(self.monitor)
                read_until_prompt(sock)
                sock.sendall(f"sendkey {key}\n".encode())
                read_until_prompt(sock)
        except OSError as err:
            print(f"bench: cannot press {key} through the QEMU monitor: {err}", file=sys.stderr)


def parse_values(output: str) -> dict:
    """BENCH name -> value from a serial transcript."""
    values = {}
    for line in output.split("\n"):
        match = BENCH_RE.match(line.strip())
        if match:
            values[match.group(1)] = float(match.group(2))
    return values


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------

def collect(metrics: list, boots: list) -> list:
    """The bench.json metric objects from the boots' values.

    `linux` (and `linux_<x>`) is the mitigations=off boot's figure, `linux_default`
    (`linux_<x>_default`) the default boot's; `like_for_like` says whether the
    Iris/Linux ratio means anything, `unlike` why not.
    """
    results = []
    for metric in metrics:
        entry = {"name": metric.name, "unit": metric.unit, "iris": None, "linux": None}
        if metric.has_linux:
            entry["linux" + DEFAULT] = None
        for boot in boots:
            if metric not in boot.metrics:
                continue
            side = "iris" if boot.side == "iris" else "linux"
            suffix = boot.side[len(side):]  # "" or DEFAULT
            for name, value in boot.values.items():
                base, _, extra = name.partition(".")
                if base == metric.name:
                    key = side + ("_" + extra if extra else "") + suffix
                    entry[key] = round(value, 2 if value >= 1 else 4)
        if metric.extras:
            entry["extra_units"] = dict(metric.extras)
        for extra, _ in metric.extras:
            if metric.iris:
                entry.setdefault("iris_" + extra, None)
            if metric.has_linux:
                entry.setdefault("linux_" + extra, None)
                entry.setdefault(f"linux_{extra}{DEFAULT}", None)
        if metric.iris and metric.has_linux:
            entry["like_for_like"] = not metric.unlike
            if metric.unlike:
                entry["unlike"] = metric.unlike
        results.append(entry)
    return results


def format_value(value) -> str:
    """A figure for the table: '338.2', '720,992', or '—' when there is none."""
    if value is None:
        return "—"
    if value >= 1000:
        return f"{value:,.0f}"
    if value < 1:
        return f"{value:.4f}"  # 0.0313 entries per operation
    return f"{value:.1f}"


def ratio(iris, linux) -> str:
    """Iris/Linux to two decimals, or '—'."""
    if iris is None or linux is None or linux == 0:
        return "—"
    return f"{iris / linux:.2f}"


UNLIKE_MARK = "*"  # after a ratio the table leaves out: the row is not like for like


def print_table(results: list, metrics: list):
    """The table `metric | Iris | Linux | Iris/Linux | Linux (default)` (a row per
    extra figure too), the rows that are not like for like and why, then Linux's
    other figures.

    Linux is its mitigations=off boot; the ratio is taken against it alone, and
    only where both sides do the same work.
    """
    extras = {m.name: dict(m.extras) for m in metrics}
    unlike = {m.name: m.unlike for m in metrics if m.unlike and m.iris and m.has_linux}
    rows = [("metric", "Iris", "Linux", "Iris/Linux", "Linux (default)")]
    for r in results:
        figures = [(r["name"], "iris", "linux")]
        figures += [(f"{r['name']}.{x} ({unit})", "iris_" + x, "linux_" + x)
                    for x, unit in extras.get(r["name"], {}).items()]
        for label, iris_key, linux_key in figures:
            iris, linux = r.get(iris_key), r.get(linux_key)
            cell = UNLIKE_MARK if r["name"] in unlike else ratio(iris, linux)
            rows.append((label, format_value(iris), format_value(linux), cell,
                         format_value(r.get(linux_key + DEFAULT))))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        print(" | ".join(cells))
        if n == 0:
            print("-|-".join("-" * w for w in widths))
    print("Linux: booted with mitigations=off (Iris has no speculation mitigations); "
          "Linux (default): its default mitigations.")
    if unlike:
        print(f"{UNLIKE_MARK} not like for like, no ratio:")
        print("\n".join(f"  {name}: {why}" for name, why in unlike.items()))
    notes = []
    for r in results:
        for key, value in r.items():
            if not key.startswith("linux_") or value is None:
                continue
            figure = key[len("linux_"):]
            base = figure[:-len(DEFAULT)] if figure.endswith(DEFAULT) else figure
            if base in ("", "default") or base in extras[r["name"]]:
                continue  # in the table
            unit = None if r["unit"] == "instructions" else r["unit"]
            notes.append(f"  {r['name']} {figure}: {format_value(value)}"
                         + (f" ({unit})" if unit else ""))
    if notes:
        print("Linux, other figures (instructions unless marked; _default: default mitigations):")
        print("\n".join(notes))


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def select(patterns: list) -> list:
    """The metrics matching any of the glob `patterns` (all when there are none)."""
    if not patterns:
        return list(METRICS)
    chosen = [m for m in METRICS if any(fnmatch.fnmatchcase(m.name, p) for p in patterns)]
    unknown = [p for p in patterns if not any(fnmatch.fnmatchcase(m.name, p) for m in METRICS)]
    if unknown:
        sys.exit(f"bench: no metric matches {', '.join(unknown)} (see --list)")
    return chosen


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"),
                        help="the build directory (default: build)")
    parser.add_argument("--only", action="append", default=[], metavar="METRIC",
                        help="measure only this metric (a glob; may repeat)")
    parser.add_argument("--iso", help="the Iris ISO (default: BUILD/iris.iso)")
    parser.add_argument("--jobs", type=int, default=MAX_JOBS, help="QEMUs at once (max 2)")
    parser.add_argument("--no-linux", action="store_true", help="skip the Linux side")
    parser.add_argument("--no-iris", action="store_true", help="skip the Iris side")
    parser.add_argument("--echo", action="store_true", help="copy serial output to stdout")
    parser.add_argument("--list", action="store_true", help="list the metrics and exit")
    args = parser.parse_args(argv)

    if args.list:
        for m in METRICS:
            sides = [s for s, on in (("iris", m.iris), ("linux", m.has_linux)) if on]
            extras = "".join(f" +{x} ({unit})" for x, unit in m.extras)
            print(f"{m.name:32} {m.unit:14} {' '.join(sides)}{extras}")
        return 0
    metrics = select(args.only)
    build = os.path.abspath(args.build)
    iso = os.path.abspath(args.iso or os.path.join(build, "iris.iso"))
    log_dir = os.path.join(build, "bench", "logs")
    os.makedirs(log_dir, exist_ok=True)

    boots, problems = [], []
    for disk in dict.fromkeys(d for m in metrics for d in m.disks):
        write_disk(build, disk)
    if not args.no_linux and any(m.has_linux for m in metrics):
        try:
            linux_guest.ensure_packages()
            kernel = linux_guest.newest_kernel()
            initramfs = linux_guest.build_initramfs(build, kernel, METRICS)
            print(f"bench: Linux {kernel.version}, initramfs {os.path.relpath(initramfs)}")
            boots += linux_boots(metrics, kernel, initramfs, build)
        except (linux_guest.GuestError, OSError) as err:
            problems.append(f"linux: {err}")
    if not args.no_iris and any(m.iris for m in metrics):
        if os.path.exists(iso):
            boots += iris_boots(metrics, iso, build)
        else:
            problems.append(f"iris: no {os.path.relpath(iso)} (run ./iris build)")

    jobs = min(max(args.jobs, 1), MAX_JOBS)
    print(f"bench: {len(boots)} QEMU runs, {jobs} at a time (wall-clock and disk ones alone)")
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        finished = list(pool.map(lambda b: run_boot(b, log_dir, args.echo),
                                 [b for b in boots if not b.alone]))
    finished += [run_boot(b, log_dir, args.echo) for b in boots if b.alone]
    problems += [f"{boot.label}: {boot.problem}" for boot in finished if boot.problem]

    results = collect(metrics, boots)
    print_table(results, metrics)
    for problem in problems:
        print(f"bench: {problem}", file=sys.stderr)
    path = os.path.join(build, "bench.json")
    with open(path, "w") as f:
        json.dump({"metrics": results}, f, indent=1)
        f.write("\n")
    print(f"bench: wrote {os.path.relpath(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
