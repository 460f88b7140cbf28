#!/usr/bin/env python3
"""Boot the Iris ISO in QEMU, capture the serial console and parse KTAP.

This module is the library behind suite.py and a command line tool for booting
one machine by hand; the serial console is echoed to stdout as it arrives:

    python3 test/harness/qemu.py --smp 2 --cmdline test=kernel --ktap
    python3 test/harness/qemu.py --firmware ovmf -- -device nvme,serial=x,drive=d0
    python3 test/harness/qemu.py --disk 64M --disk 8G --cmdline run=@!devmgr,blk+info+ahci0.1
    python3 test/harness/qemu.py --disk nvme:1M --disk nvme.2:4M --cmdline run=@!devmgr,@sh
    python3 test/harness/qemu.py --cmdline run=@!devmgr,@sh --step 'iris\$ ' 'echo hi\n' \
        --step '^hi$' '' --stop-after-steps

The guest ends the run through the isa-debug-exit device: writing the byte v
to port 0xf4 makes QEMU exit with status (v << 1) | 1.
"""

import argparse
import codecs
import contextlib
import fcntl
import os
import re
import selectors
import shlex
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Optional, Union

import screen as screen_text

QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
OVMF = "/usr/share/ovmf/OVMF.fd"

DEBUG_EXIT_PORT = 0xF4
EXIT_SUCCESS = 0x10  # every KTAP test passed, or the boot test finished
EXIT_FAILURE = 0x11  # at least one KTAP test failed
EXIT_PANIC = 0x12    # kernel panic


def exit_status(value: int) -> int:
    """QEMU's exit status after the guest writes `value` to isa-debug-exit."""
    return (value << 1) | 1


EXPECTED_STATUS = {
    "success": exit_status(EXIT_SUCCESS),
    "panic": exit_status(EXIT_PANIC),
    "poweroff": 0,  # the guest turned the machine off (ACPI S5): QEMU exits with 0
}

STATUS_MEANING = {
    0: "triple fault or shutdown",
    exit_status(EXIT_SUCCESS): "success",
    exit_status(EXIT_FAILURE): "tests failed",
    exit_status(EXIT_PANIC): "kernel panic",
}


# --------------------------------------------------------------------------
# Machine configuration and QEMU command line
# --------------------------------------------------------------------------

SIZE_SUFFIXES = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(size: str) -> int:
    """Bytes in a size such as "512", "64M" or "8G" (powers of 1024)."""
    match = re.fullmatch(r"(\d+)([KMGT]?)", size.strip().upper())
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"bad size {size!r}")
    return int(match.group(1)) * SIZE_SUFFIXES[match.group(2)]


SECTOR = 512


@dataclass(frozen=True)
class Region:
    """`count` sectors from `lba` holding the test pattern of `seed` (blk_pattern)."""

    lba: int
    count: int
    seed: int

    @property
    def end(self) -> int:
        """The first sector after the region."""
        return self.lba + self.count

    def describe(self) -> str:
        """'sectors 100-107 (pattern 5)'."""
        return f"sectors {self.lba}-{self.end - 1} (pattern {self.seed})"


DISK_FORMATS = ("raw", "qcow2")
DISK_BUSES = ("ahci", "nvme")
NVME_NSID_MAX = 256      # QEMU's limit of namespaces per controller


@dataclass(frozen=True)
class Disk:
    """A disk image made for one boot, deleted after the run.

    AHCI disks (`bus="ahci"`, the default) go on an AHCI controller, in the
    order given from port 0: q35's built-in ich9-ahci at 00:1f.2 (ports 0-4:
    QEMU puts the boot CD on the port left free, 5), or one `-device ahci` on
    other machines (ports 0-5). So the n-th AHCI disk is blk/ahci0.<n> in the
    guest. An NVMe disk (`bus="nvme"`) is namespace `nsid` of an NVMe
    controller: nsid 1 starts a controller of its own (`-device nvme`), a
    higher one joins the controller of the NVMe disk before it (`-device
    nvme-ns`). Controllers are numbered in the order given, so the disk is
    blk/nvme<controller>.<nsid> (see guest_names). `bad_sector` makes every read
    and write touching that sector fail with EIO (QEMU's blkdebug driver),
    which the guest sees as a device error.

    A raw image is a sparse file of zeros, but for the `pattern` regions the
    host writes before QEMU starts. A qcow2 image starts empty; QEMU runs it
    with cache=writeback, so the guest's writes to new clusters are mapped only
    in QEMU's memory (qcow2's L2 cache) until a FLUSH writes the mapping out:
    after a hard kill of QEMU the image holds what the guest flushed, and
    reads as zeros where it wrote without a flush.
    """

    size: str                          # "1M", "64M", "8G"
    bad_sector: Optional[int] = None
    format: str = "raw"
    pattern: tuple = ()                # Region's the host writes (raw only)
    bus: str = "ahci"                  # "ahci" or "nvme"
    nsid: int = 1                      # NVMe: the namespace on its controller

    def __post_init__(self):
        parse_size(self.size)
        if self.bus not in DISK_BUSES:
            raise ValueError(f"unknown disk bus {self.bus!r}")
        if self.nsid != 1 and (self.bus != "nvme" or not 1 <= self.nsid <= NVME_NSID_MAX):
            raise ValueError(f"namespace {self.nsid}: NVMe namespaces are 1..{NVME_NSID_MAX}")
        if self.bad_sector is not None and not 0 <= self.bad_sector < self.sectors:
            raise ValueError(f"bad sector {self.bad_sector} outside a {self.size} disk")
        if self.format not in DISK_FORMATS:
            raise ValueError(f"unknown disk format {self.format!r}")
        if self.format != "raw" and (self.pattern or self.bad_sector is not None):
            raise ValueError("only a raw disk has a pattern or a bad sector")
        check_regions(self.pattern, self.sectors)

    @property
    def bytes(self) -> int:
        """The image's size in bytes."""
        return parse_size(self.size)

    @property
    def sectors(self) -> int:
        """The disk's size in 512-byte sectors."""
        return self.bytes // SECTOR

    def describe(self) -> str:
        """'disk:64M', or 'disk:1M,bad=100', 'disk:64M,qcow2', 'disk:16M,pattern=3',
        'disk:8G,nvme', 'disk:4M,nvme.2'."""
        words = [f"disk:{self.size}"]
        if self.bus != "ahci":
            words.append(self.bus if self.nsid == 1 else f"{self.bus}.{self.nsid}")
        if self.bad_sector is not None:
            words.append(f"bad={self.bad_sector}")
        if self.format != "raw":
            words.append(self.format)
        if self.pattern:
            words.append(f"pattern={len(self.pattern)}")
        return ",".join(words)


def check_regions(regions: tuple, sectors: int):
    """Raise ValueError unless the regions lie inside `sectors` and apart."""
    previous = None
    for region in sorted(regions, key=lambda r: r.lba):
        if region.count < 1 or region.lba < 0 or region.end > sectors:
            raise ValueError(f"{region.describe()} outside a disk of {sectors} sectors")
        if previous and previous.end > region.lba:
            raise ValueError(f"{previous.describe()} and {region.describe()} overlap")
        previous = region


def is_q35(machine: str) -> bool:
    """Whether the -machine value names a q35 machine (which has a built-in AHCI)."""
    kind = machine.split(",")[0]
    return kind == "q35" or kind.startswith("pc-q35")


AHCI_PORTS = 6


@dataclass(frozen=True)
class Machine:
    """The virtual hardware a test boots on.

    `machine` is passed verbatim to -machine, so "pc,acpi=off" works;
    `args` are extra QEMU arguments (devices, NICs); `disks` are disk images
    made for the run (see Disk).
    """

    machine: str = "q35"
    firmware: str = "seabios"  # "seabios" (QEMU's default BIOS) or "ovmf"
    smp: int = 1
    mem: str = "128M"
    cpu: str = "max"
    args: tuple = ()
    disks: tuple = ()

    def __post_init__(self):
        if self.firmware not in ("seabios", "ovmf"):
            raise ValueError(f"unknown firmware {self.firmware!r}")
        room = AHCI_PORTS - 1 if is_q35(self.machine) else AHCI_PORTS
        if sum(disk.bus == "ahci" for disk in self.disks) > room:
            raise ValueError(f"at most {room} AHCI disks on {self.machine}")
        nsids = set()
        for disk in (disk for disk in self.disks if disk.bus == "nvme"):
            if disk.nsid == 1:
                nsids = set()
            elif not nsids:
                raise ValueError(f"NVMe namespace {disk.nsid} without a controller before it")
            if disk.nsid in nsids:
                raise ValueError(f"NVMe namespace {disk.nsid} twice on one controller")
            nsids.add(disk.nsid)

    def describe(self) -> str:
        """A short one-line summary, e.g. 'q35 seabios smp2 128M'."""
        words = [self.machine, self.firmware, f"smp{self.smp}", self.mem]
        if self.cpu != "max":
            words.append(f"cpu={self.cpu}")
        words += [disk.describe() for disk in self.disks]
        return " ".join(words + list(self.args))


def disk_args(machine: Machine, directory: str) -> list:
    """Make the images of machine.disks in `directory`; the QEMU arguments that attach them.

    A raw image is a sparse file (its size set with truncate) with the
    disk's pattern regions written in; a bad sector adds a blkdebug rule
    file beside it. A qcow2 image is made empty (qcow2_create).
    """
    if not machine.disks:
        return []
    q35 = is_q35(machine.machine)
    ahci = any(disk.bus == "ahci" for disk in machine.disks)
    args = [] if q35 or not ahci else ["-device", "ahci,id=ahci"]
    controllers = nvme_controllers(machine.disks)
    port = 0
    for n, disk in enumerate(machine.disks):
        image = image_path(directory, n)
        if disk.format == "qcow2":
            qcow2_create(image, disk.bytes)
        else:
            raw_create(image, disk)
        source = image
        if disk.bad_sector is not None:
            rules = os.path.join(directory, f"disk{n}.blkdebug")
            with open(rules, "w") as file:
                file.write(f'[inject-error]\nevent = "none"\nerrno = "5"\n'
                           f'sector = "{disk.bad_sector}"\n')
            source = f"blkdebug:{rules}:{image}"
        args += ["-drive", f"if=none,id=disk{n},format={disk.format},cache=writeback,"
                           f"file={qemu_escape(source)}"]
        if disk.bus == "nvme":
            args += nvme_device_args(machine.disks, controllers, n)
        else:
            bus = f"ide.{port}" if q35 else f"ahci.{port}"
            args += ["-device", f"ide-hd,drive=disk{n},bus={bus}"]
            port += 1
    return args


def nvme_controllers(disks: tuple) -> dict:
    """For each NVMe disk's index in `disks`: (its controller's number, the
    controller's disk indexes)."""
    where, members = {}, []
    for n, disk in enumerate(disks):
        if disk.bus != "nvme":
            continue
        if disk.nsid == 1:
            members.append([])
        members[-1].append(n)
        where[n] = (len(members) - 1, members[-1])
    return where


def nvme_device_args(disks: tuple, controllers: dict, n: int) -> list:
    """The -device arguments disk n adds: a controller with it as its only
    namespace; with several namespaces the controller (before the first)
    and an nvme-ns for each."""
    number, members = controllers[n]
    controller = f"nvme,serial=iris-nvme{number}"
    if len(members) == 1:
        return ["-device", f"{controller},drive=disk{n}"]
    args = ["-device", f"{controller},id=nvme{number}"] if members[0] == n else []
    return args + ["-device", f"nvme-ns,drive=disk{n},bus=nvme{number},nsid={disks[n].nsid}"]


def guest_names(machine: Machine) -> list:
    """The block device name of each of machine.disks in the guest, without
    blk/: 'ahci0.1', 'nvme0.1', 'nvme1.2'."""
    controllers = nvme_controllers(machine.disks)
    names, port = [], 0
    for n, disk in enumerate(machine.disks):
        if disk.bus == "nvme":
            names.append(f"nvme{controllers[n][0]}.{disk.nsid}")
        else:
            names.append(f"ahci0.{port}")
            port += 1
    return names


def image_path(directory: str, n: int) -> str:
    """Where disk n's image is made."""
    return os.path.join(directory, f"disk{n}.img")


def raw_create(path: str, disk: Disk):
    """Make disk's raw image: zeros (sparse), and its pattern regions."""
    with open(path, "wb") as file:
        file.truncate(disk.bytes)
        for region in disk.pattern:
            file.seek(region.lba * SECTOR)
            file.write(blk_pattern(region.lba, region.count, region.seed))


# --------------------------------------------------------------------------
# Disk contents: the guest's test pattern, qcow2, images after a run
# --------------------------------------------------------------------------

MASK64 = (1 << 64) - 1


def splitmix(x: int) -> int:
    """libc's mix() (libc/src/blk/blk.c): splitmix64's finalizer after its increment."""
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def blk_pattern(lba: int, count: int, seed: int) -> bytes:
    """What `count` sectors from `lba` hold after a write of blk_pattern(seed)
    (iris/blk.h): word i of sector s is mix(mix(seed ^ mix(s)) + i), little-endian."""
    words = []
    for sector in range(lba, lba + count):
        base = splitmix((seed ^ splitmix(sector)) & MASK64)
        words += [splitmix((base + i) & MASK64) for i in range(SECTOR // 8)]
    return struct.pack(f"<{len(words)}Q", *words)


QCOW2_MAGIC = 0x514649FB
QCOW2_HEADER = struct.Struct(">IIQIIQIIQQIIQQQQII")  # version 3, without extensions
QCOW2_CLUSTER_BITS = 16
QCOW2_OFFSET_MASK = 0x00FFFFFFFFFFFE00
QCOW2_COMPRESSED = 1 << 62
QCOW2_ZERO = 1                                      # an L2 entry's "reads as zeros" bit


def qcow2_create(path: str, size: int):
    """Write an empty qcow2 (version 3) image of `size` bytes, as `qemu-img
    create -f qcow2` lays it out: the header, the refcount table, one refcount
    block, the L1 table, a 64 KiB cluster each."""
    cluster = 1 << QCOW2_CLUSTER_BITS
    l1_size = -(-size // (cluster * (cluster // 8)))
    if l1_size * 8 > cluster or size > (cluster // 2) * cluster:
        raise ValueError(f"a qcow2 image of {size} bytes is too large for qcow2_create")
    header = QCOW2_HEADER.pack(
        QCOW2_MAGIC, 3, 0, 0, QCOW2_CLUSTER_BITS, size, 0, l1_size,
        3 * cluster,          # the L1 table
        1 * cluster, 1,       # the refcount table, one cluster long
        0, 0,                 # no snapshots
        0, 0, 0,              # no feature bits
        4, QCOW2_HEADER.size)  # 16-bit refcounts
    with open(path, "wb") as file:
        file.truncate(4 * cluster)
        file.write(header)
        file.seek(1 * cluster)
        file.write(struct.pack(">Q", 2 * cluster))   # refcount block 0 is cluster 2
        file.seek(2 * cluster)
        file.write(struct.pack(">4H", 1, 1, 1, 1))   # clusters 0-3 are in use


def qcow2_read(file, offset: int, length: int) -> bytes:
    """`length` bytes from guest `offset` of the qcow2 image open as `file`,
    through its L1 and L2 tables; unallocated clusters read as zeros. Images
    with a backing file, encryption or compressed clusters are refused."""
    file.seek(0)
    raw = file.read(QCOW2_HEADER.size)
    if len(raw) < 72:
        raise ValueError("not a qcow2 image: too short")
    (magic, version, backing, _, cluster_bits, size, crypt, l1_size,
     l1_offset) = struct.unpack(">IIQIIQIIQ", raw[:48])
    if magic != QCOW2_MAGIC or version not in (2, 3) or backing or crypt:
        raise ValueError("not a plain qcow2 image (magic, version, backing file, encryption)")
    if offset < 0 or offset + length > size:
        raise ValueError(f"bytes {offset}..{offset + length} outside a {size}-byte image")
    cluster = 1 << cluster_bits
    l2_entries = cluster // 8
    file.seek(l1_offset)
    l1 = struct.unpack(f">{l1_size}Q", file.read(8 * l1_size))
    out = bytearray()
    while len(out) < length:
        at = offset + len(out)
        guest_cluster, within = divmod(at, cluster)
        take = min(cluster - within, length - len(out))
        l1_index, l2_index = divmod(guest_cluster, l2_entries)
        l2_table = l1[l1_index] & QCOW2_OFFSET_MASK
        entry = 0
        if l2_table:
            file.seek(l2_table + 8 * l2_index)
            entry = struct.unpack(">Q", file.read(8))[0]
        if entry & QCOW2_COMPRESSED:
            raise ValueError(f"compressed cluster at byte {at}")
        host = entry & QCOW2_OFFSET_MASK
        if not host or (version == 3 and entry & QCOW2_ZERO):
            out += bytes(take)
        else:
            file.seek(host + within)
            out += file.read(take).ljust(take, b"\0")
    return bytes(out)


@dataclass(frozen=True)
class Image:
    """A disk's image file as the host finds it after a run (see boot's disk_check)."""

    disk: Disk
    path: str

    def read(self, lba: int, count: int) -> bytes:
        """`count` sectors from `lba`, as the guest would read them."""
        if lba < 0 or lba + count > self.disk.sectors:
            raise ValueError(f"sectors {lba}..{lba + count - 1} outside a {self.disk.size} disk")
        with open(self.path, "rb") as file:
            if self.disk.format == "qcow2":
                return qcow2_read(file, lba * SECTOR, count * SECTOR)
            file.seek(lba * SECTOR)
            return file.read(count * SECTOR).ljust(count * SECTOR, b"\0")


IMAGE_CHUNK = 2048  # sectors read at a time by image_problems


def image_problems(image: Image, regions: tuple, most: int = 4) -> list:
    """Where `image` differs from what it must hold: the pattern of each region,
    zeros everywhere else. Up to `most` problems, each naming the first wrong
    sector of a region or of a run of sectors that should be zeros."""
    check_regions(regions, image.disk.sectors)
    problems = []
    for region in regions:
        got = image.read(region.lba, region.count)
        wrong = first_difference(got, blk_pattern(region.lba, region.count, region.seed))
        if wrong is not None:
            what = "zeros" if not any(got[wrong * SECTOR:(wrong + 1) * SECTOR]) \
                else "other data"
            problems.append(f"{region.describe()}: sector {region.lba + wrong} holds {what}")
    lba = 0
    for region in sorted(regions, key=lambda r: r.lba) + [Region(image.disk.sectors, 0, 0)]:
        while lba < region.lba:
            count = min(IMAGE_CHUNK, region.lba - lba)
            wrong = first_difference(image.read(lba, count), bytes(count * SECTOR))
            if wrong is not None:
                problems.append(f"sector {lba + wrong} holds data where the disk must "
                                "read as zeros")
                break
            lba += count
        lba = region.end
    return problems[:most]


def first_difference(got: bytes, want: bytes) -> Optional[int]:
    """The index of the first 512-byte sector where got and want differ, or None."""
    if got == want:
        return None
    for sector in range(0, len(want), SECTOR):
        if got[sector:sector + SECTOR] != want[sector:sector + SECTOR]:
            return sector // SECTOR
    return len(want) // SECTOR


def qemu_command(iso: str, machine: Machine, cmdline: str = "",
                 monitor: Optional[str] = None, disk_dir: Optional[str] = None) -> list:
    """The QEMU argv that boots `iso` on `machine`.

    `cmdline` is appended to the kernel command line through fw_cfg; `monitor`
    is the path of a unix socket for the QEMU monitor (no monitor if None);
    the machine's disk images are made in `disk_dir` (required when it has
    disks).
    """
    argv = [
        QEMU,
        "-machine", machine.machine,
        "-accel", "tcg",
        "-cpu", machine.cpu,
        "-smp", str(machine.smp),
        "-m", machine.mem,
        "-display", "none",
        "-serial", "stdio",
        "-monitor", f"unix:{monitor},server,nowait" if monitor else "none",
        "-nic", "none",
        "-no-reboot",
        "-device", f"isa-debug-exit,iobase={DEBUG_EXIT_PORT:#x},iosize=0x04",
        "-drive", f"file={qemu_escape(iso)},format=raw,if=none,id=iso,"
                  "media=cdrom,readonly=on",
        "-device", "ide-cd,drive=iso,bootindex=0",
    ]
    if machine.firmware == "ovmf":
        argv += ["-bios", OVMF]
    if cmdline:
        argv += ["-fw_cfg", f"name=opt/iris/cmdline,string={qemu_escape(cmdline)}"]
    if machine.disks:
        if disk_dir is None:
            raise ValueError("a machine with disks needs a directory for their images")
        argv += disk_args(machine, disk_dir)
    return argv + list(machine.args)


def qemu_escape(value: str) -> str:
    """Escape a value inside a QEMU option list (commas are doubled)."""
    return value.replace(",", ",,")


# --------------------------------------------------------------------------
# Running QEMU
# --------------------------------------------------------------------------

@dataclass
class Run:
    """What happened when QEMU ran: exit status or timeout, and the output."""

    command: list
    status: Optional[int]    # QEMU's exit status; None if the harness killed it
    timeout: Optional[str]   # None, "overall" or "no-output"
    timeout_seconds: float   # the limit that fired, if any
    seconds: float           # wall-clock duration
    output: str              # serial console text, see console_text()
    raw: str = ""            # the serial output as it came, terminal escapes and all
    stderr: str = ""         # QEMU's own messages
    steps: list = field(default_factory=list)  # a StepOutcome per step of the script
    stopped: str = ""        # why the harness ended QEMU early (see Script), if it did
    disk_problems: Optional[list] = None  # what boot's disk_check found; None: no check

    def describe(self) -> str:
        """One phrase explaining how the run ended."""
        if self.stopped:
            return f"stopped by the harness: {self.stopped}"
        if self.timeout == "overall":
            return f"overall timeout: still running after {self.timeout_seconds:g} s"
        if self.timeout == "no-output":
            return f"no-output timeout: no serial output for {self.timeout_seconds:g} s"
        if self.status is not None and self.status < 0:
            return f"QEMU killed by signal {-self.status}"
        meaning = STATUS_MEANING.get(self.status, "unexpected status")
        return f"QEMU exited with status {self.status} ({meaning})"


ANSI_ESCAPE_RE = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]")


def console_text(text: str) -> str:
    """`text` without carriage returns and terminal escapes (OVMF and GRUB emit them)."""
    return ANSI_ESCAPE_RE.sub("", text.replace("\r", ""))


class LineSplitter:
    """Feeds bytes in, calls `on_line(text)` for every complete line."""

    def __init__(self, on_line: Callable[[str], None]):
        self.on_line = on_line
        self.pending = b""

    def feed(self, data: bytes):
        """Add `data`, reporting the lines it completes."""
        *lines, self.pending = (self.pending + data).split(b"\n")
        for line in lines:
            self.on_line(line.decode("utf-8", "replace").rstrip("\r"))


def run_command(command: list, timeout: float = 180, idle_timeout: float = 60,
                sink: Optional[Callable[[bytes], None]] = None,
                on_line: Optional[Callable[[str], None]] = None,
                script: Optional["Script"] = None,
                on_stall: Optional[Callable[[], str]] = None) -> Run:
    """Run `command`, reading its stdout (the serial console) as it comes.

    The process is killed if it runs longer than `timeout` seconds, or prints
    nothing on stdout for `idle_timeout` seconds. Every chunk of stdout is
    passed to `sink` and every complete line to `on_line`. With a `script`,
    the process's stdin is a pipe the script types into (see Script); it
    also ends the run early when a step fails, or after the last step if it
    was made with stop_at_end. When a timeout fires, `on_stall` (if given)
    is called while the process still runs; its text joins the output.
    """
    start = time.monotonic()
    deadline = start + timeout
    idle_deadline = start + idle_timeout
    stdout, stderr = bytearray(), bytearray()
    lines = LineSplitter(on_line) if on_line else None
    fired = None
    stopped = ""

    proc = subprocess.Popen(command, stdin=subprocess.PIPE if script else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        if script:
            script.attach(proc.stdin.fileno(), start)
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ, stdout)
            selector.register(proc.stderr, selectors.EVENT_READ, stderr)
            while selector.get_map():
                now = time.monotonic()
                fired = expired_timeout(now, deadline, idle_deadline)
                if fired:
                    break
                if script:
                    script.tick(now)
                    stopped = script.stop_reason()
                    if stopped:
                        break
                wake = min(deadline, idle_deadline, script.wake_time() if script else deadline)
                for key, _ in selector.select(max(wake - time.monotonic(), 0)):
                    data = os.read(key.fd, 65536)
                    if not data:
                        selector.unregister(key.fileobj)
                        continue
                    key.data.extend(data)
                    if key.data is stdout:
                        idle_deadline = time.monotonic() + idle_timeout
                        if sink:
                            sink(data)
                        if lines:
                            lines.feed(data)
                        if script:
                            script.feed(data, time.monotonic())
        if fired and on_stall:
            report = on_stall().encode()
            stdout.extend(report)
            if sink:
                sink(report)
        ended = fired or stopped
        status = wait_or_kill(proc, 0 if ended else max(deadline - time.monotonic(), 0))
        if status is None and not ended:
            fired = "overall"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream:
                with contextlib.suppress(OSError):
                    stream.close()
        if script:
            script.finish(describe_end(fired, stopped, proc.returncode))

    return Run(
        command=command,
        status=None if fired or stopped else status,
        timeout=fired,
        timeout_seconds=timeout if fired == "overall" else idle_timeout,
        seconds=time.monotonic() - start,
        output=console_text(stdout.decode("utf-8", "replace")),
        raw=stdout.decode("utf-8", "replace"),
        stderr=stderr.decode("utf-8", "replace"),
        steps=script.outcomes if script else [],
        stopped=stopped,
    )


def describe_end(fired: Optional[str], stopped: str, status: Optional[int]) -> str:
    """How the run ended, for a script step it cut short."""
    if fired:
        return f"the {fired} timeout fired"
    if stopped:
        return stopped
    return f"QEMU exited with status {status}"


def expired_timeout(now: float, deadline: float, idle_deadline: float) -> Optional[str]:
    """Which timeout has fired at time `now`, if any."""
    if now >= deadline:
        return "overall"
    if now >= idle_deadline:
        return "no-output"
    return None


def wait_or_kill(proc: subprocess.Popen, seconds: float) -> Optional[int]:
    """Wait up to `seconds` for `proc`; kill it and return None if it is still running."""
    try:
        return proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None


# --------------------------------------------------------------------------
# The QEMU monitor
# --------------------------------------------------------------------------

class Monitor:
    """A connection to QEMU's human monitor on a unix socket (see qemu_command)."""

    def __init__(self, path: str, timeout: float = 10):
        self.sock = socket.socket(socket.AF_UNIX)
        try:
            self.sock.settimeout(timeout)
            self.sock.connect(path)
            read_until_prompt(self.sock)
        except OSError:
            self.sock.close()
            raise

    def command(self, line: str) -> str:
        """Run one monitor command; its output (without the echo and the prompt)."""
        self.sock.sendall(line.encode() + b"\n")
        reply = read_until_prompt(self.sock).decode("utf-8", "replace")
        # The monitor echoes the command as it is "typed" (redrawn after each
        # character), up to the first newline.
        return console_text(reply)[:-len(MONITOR_PROMPT)].partition("\n")[2].strip()

    def close(self):
        """Close the connection (QEMU keeps running)."""
        self.sock.close()


MONITOR_PROMPT = "(qemu) "


def read_until_prompt(sock: socket.socket) -> bytes:
    """Read monitor output up to the next '(qemu) ' prompt; return all of it."""
    received = b""
    while not received.endswith(MONITOR_PROMPT.encode()):
        data = sock.recv(4096)
        if not data:
            raise OSError("monitor closed the connection")
        received += data
    return received


KERNEL_HALF = 0xffff800000000000


def cpu_backtraces(monitor_path: str, cpus: int, kernel_elf: str, depth: int = 16,
                   samples: int = 3) -> str:
    """Where each CPU is, for a guest that stopped talking: its RIP and a walk
    of the kernel's frame pointers (the kernel keeps them), through the
    monitor, each address named by addr2line against `kernel_elf`; `samples`
    rounds a moment apart, so a CPU that moves shows it."""
    lines = ["", "# the guest went silent; where its CPUs are:"]
    try:
        monitor = Monitor(monitor_path)
    except OSError as error:
        return "\n".join(lines + [f"# no monitor: {error}", ""])
    try:
        for sample in range(samples * cpus):
            cpu = sample % cpus
            if sample and cpu == 0:
                time.sleep(0.2)
            monitor.command(f"cpu {cpu}")
            regs = monitor.command("info registers")
            rip = re.search(r"RIP=([0-9a-f]+)", regs)
            rbp = re.search(r"RBP=([0-9a-f]+)", regs)
            if not rip or not rbp:
                lines.append(f"# CPU {cpu}: no registers")
                continue
            chain = [int(rip.group(1), 16)]
            frame = int(rbp.group(1), 16)
            while len(chain) < depth and frame >= KERNEL_HALF:
                dump = monitor.command(f"x /2gx {frame:#x}")  # "ADDR: 0xSAVED_RBP 0xRETURN"
                words = re.findall(r"0x([0-9a-f]{16})", dump.partition(":")[2])
                if len(words) < 2:
                    break
                frame, ret = int(words[0], 16), int(words[1], 16)
                chain.append(ret)
            flags = re.search(r"RFL=([0-9a-f]+)", regs)
            irq = "on" if flags and int(flags.group(1), 16) & 0x200 else "off"
            lines.append(f"# CPU {cpu} (interrupts {irq}, rip {chain[0]:#x}): " +
                         " <- ".join(symbolize(kernel_elf, chain)))
    except OSError as error:
        lines.append(f"# monitor: {error}")
    finally:
        monitor.close()
    return "\n".join(lines + [""])


def symbolize(elf: str, addresses: list) -> list:
    """Function names for kernel addresses (the address itself where none is known)."""
    names = [f"{a:#x}" for a in addresses]
    if not os.path.exists(elf):
        return names
    out = subprocess.run(["addr2line", "-f", "-e", elf] + [f"{a:#x}" for a in addresses],
                         capture_output=True, text=True).stdout.split("\n")
    for i in range(min(len(addresses), len(out) // 2)):
        if out[2 * i] != "??":
            names[i] = out[2 * i]
    return names


def take_screendump(monitor: Monitor, path: str):
    """Save the screen to `path` (PNG if it ends in .png, else PPM). Raises OSError."""
    command = f"screendump {os.path.abspath(path)}"
    if path.endswith(".png"):
        command += " -f png"
    reply = monitor.command(command)
    if reply:
        raise OSError(reply)


@dataclass
class Screendump:
    """Save the screen to `path` the first time a serial line matches `pattern`.

    A path ending in .png is saved as PNG, anything else as PPM.
    """

    path: str
    pattern: str = "."
    error: str = ""
    taken: bool = field(default=False, init=False)

    def watcher(self, monitor: str) -> Callable[[str], None]:
        """An on_line callback that takes the screendump through `monitor`."""
        def on_line(line: str):
            if not self.taken and re.search(self.pattern, line):
                self.taken = True
                self.take(monitor)
        return on_line

    def take(self, monitor: str):
        """Take the screendump through the monitor socket, noting any error."""
        try:
            connection = Monitor(monitor)
            try:
                take_screendump(connection, self.path)
            finally:
                connection.close()
        except OSError as err:
            self.error = f"screendump failed: {err}"


# --------------------------------------------------------------------------
# Scripts: typing into the guest
# --------------------------------------------------------------------------

VIAS = ("serial", "burst", "keyboard")
TYPE_CHUNK = 4          # serial: bytes written at a time ...
TYPE_INTERVAL = 0.02    # ... this many seconds apart
KEY_INTERVAL = 0.06     # keyboard: seconds between keys
KEY_HOLD_MS = 30        # keyboard: how long each key is held down
SCREEN_RETRY = 0.5      # seconds between screendumps while a screen check waits

# PC keys (QEMU's key names, for the monitor's sendkey) for the characters
# that are not a letter or a digit, and for the escape sequences of keys.
UNSHIFTED_KEYS = {
    " ": "spc", "\n": "ret", "\r": "ret", "\t": "tab", "\b": "backspace",
    "\x7f": "backspace", "\x1b": "esc", "-": "minus", "=": "equal", "[": "bracket_left",
    "]": "bracket_right", ";": "semicolon", "'": "apostrophe", "`": "grave_accent",
    "\\": "backslash", ",": "comma", ".": "dot", "/": "slash",
}
SHIFTED_KEYS = dict(zip('!@#$%^&*()_+{}:"~|<>?', [
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "minus", "equal", "bracket_left",
    "bracket_right", "semicolon", "apostrophe", "grave_accent", "backslash", "comma",
    "dot", "slash"]))
ESCAPE_KEYS = {
    "\x1b[A": "up", "\x1b[B": "down", "\x1b[C": "right", "\x1b[D": "left",
    "\x1b[H": "home", "\x1b[F": "end", "\x1b[3~": "delete",
}


def key_names(text: str) -> list:
    """The sendkey names that type `text` on a US PC keyboard, e.g. "Hi!\\n" ->
    ["shift-h", "i", "shift-1", "ret"]. Control characters are Ctrl plus a
    letter; the escape sequences of the arrows, Home, End and Delete are
    those keys. Raises ValueError for a character no key types.
    """
    keys, i = [], 0
    while i < len(text):
        sequence = next((seq for seq in ESCAPE_KEYS if text.startswith(seq, i)), None)
        if sequence:
            keys.append(ESCAPE_KEYS[sequence])
            i += len(sequence)
            continue
        char = text[i]
        if char in UNSHIFTED_KEYS:
            keys.append(UNSHIFTED_KEYS[char])
        elif char in SHIFTED_KEYS:
            keys.append("shift-" + SHIFTED_KEYS[char])
        elif "a" <= char <= "z" or "0" <= char <= "9":
            keys.append(char)
        elif "A" <= char <= "Z":
            keys.append("shift-" + char.lower())
        elif "\x01" <= char <= "\x1a":
            keys.append("ctrl-" + chr(ord(char) + 0x60))
        else:
            raise ValueError(f"no key types {char!r}")
        i += 1
    return keys


@dataclass(frozen=True)
class Step:
    """One step of a script: wait for `pattern` on the serial console, then type `text`.

    pattern: a regex (re.MULTILINE) searched in the serial output received
             since the previous step's match, with carriage returns and
             terminal escapes removed (see console_text); not line based, so
             a prompt without a newline matches. The match consumes the
             output up to its end. "" matches at once.
    text:    typed once the pattern matched: a str (each character one byte,
             so "\\x03" is Ctrl-C and "\\x1b[A" the Up arrow) or bytes, or
             a function of the re.Match returning one (to type what the
             guest printed, such as a pid).
    via:     "serial": COM1, TYPE_CHUNK bytes every TYPE_INTERVAL s;
             "burst": COM1, all at once; "keyboard": the PS/2 keyboard, one
             key at a time through the monitor's sendkey (see key_names).
    screen:  if set, after the pattern matched and before typing: this text
             must be drawn on the screen (read from screendumps, retried
             until the step's timeout), anywhere or, with `screen_last`, in
             the last `screen_last` rows that show anything.
    quiet:   if set, after the pattern matched (and the screen showed the
             text) and before typing: the serial output must have been
             quiet for this many seconds (the guest has worked through what
             it was given).
    delay:   seconds to wait before typing (to let a program start before
             it is interrupted, say); what later steps type waits too.
    timeout: seconds the step may take, counted from the moment the previous
             step's text has been typed (for the first step, QEMU's start).
    check:   whether the step checks something of its own (a pattern of the
             guest's answer, the screen, a time limit), so that the suite
             counts it as a test; False for a step that only waits (for the
             shell's prompt, or not at all) before typing. A failing step
             fails its run either way.
    """

    name: str
    pattern: str = ""
    text: Union[str, bytes, Callable[[re.Match], Union[str, bytes]]] = ""
    via: str = "serial"
    screen: str = ""
    screen_last: int = 0
    quiet: float = 0
    delay: float = 0
    timeout: float = 60
    check: bool = True

    def __post_init__(self):
        if self.via not in VIAS:
            raise ValueError(f"step {self.name!r}: unknown via {self.via!r}")
        try:
            re.compile(self.pattern)
        except re.error as err:
            raise ValueError(f"step {self.name!r}: bad pattern: {err}") from None
        if not callable(self.text):
            self.typed(self.text)

    def typed(self, text: Union[str, bytes]) -> list:
        """What typing `text` takes: keys (keyboard) or bytes. Raises ValueError."""
        if self.via == "keyboard":
            if not isinstance(text, str):
                raise ValueError(f"step {self.name!r}: keyboard text must be a str")
            return key_names(text)
        if isinstance(text, str):
            if any(ord(c) > 0xFF for c in text):
                raise ValueError(f"step {self.name!r}: text beyond one byte per character")
            return [text.encode("latin-1")]
        if not isinstance(text, bytes):
            raise ValueError(f"step {self.name!r}: text is {type(text).__name__}, "
                             "not str or bytes")
        return [text]

    def pieces(self, match: re.Match) -> tuple:
        """What to type after `match`, in pieces, and the seconds between them."""
        typed = self.typed(self.text(match) if callable(self.text) else self.text)
        if self.via == "keyboard":
            return typed, KEY_INTERVAL
        data = typed[0]
        if self.via == "burst":
            return ([data] if data else []), 0
        return [data[i:i + TYPE_CHUNK] for i in range(0, len(data), TYPE_CHUNK)], TYPE_INTERVAL


@dataclass(frozen=True)
class StepOutcome:
    """How one step went: `detail` says when it passed or why it failed."""

    name: str
    ok: bool
    detail: str


PARTIAL_ESCAPE_RE = re.compile(r"\x1b(?:\[[0-9;=?]*)?\Z")
SCRIPT_FINISHED = "the script finished"


class Script:
    """Runs Steps against a live QEMU: run_command feeds it the serial output.

    It types into QEMU's stdin (COM1) or through the monitor (PS/2 keys,
    screendumps), and records a StepOutcome per step; once a step fails, the
    rest are not reached and stop_reason() asks run_command to end QEMU.
    """

    def __init__(self, steps: list, monitor: Optional[str] = None,
                 screen_path: Optional[str] = None, stop_at_end: bool = False):
        self.steps = list(steps)
        self.monitor_path = monitor
        self.screen_path = screen_path
        self.stop_at_end = stop_at_end
        self.outcomes = []
        self.index = 0                # the step being waited for
        self.text = ""                # normalised output since the previous match
        self.held = ""                # an escape sequence cut at the end of a chunk
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.queue = deque()          # (step index, due time, bytes or a key name)
        self.start = 0.0
        self.step_start = 0.0         # when the current step's timeout began
        self.matched = False          # the current step's pattern matched; it settles
        self.match = None             # the match of the last pattern
        self.screen_ok = False        # the current step's screen text was seen
        self.screen_due = 0.0         # when to take the next screendump
        self.screen_seen = None       # the rows the last screendump showed
        self.last_output = 0.0        # when serial output last arrived
        self.typing_at = 0.0          # when the last input queued is typed
        self.failure = ""
        self.failed = -1              # the index of the step that failed
        self.stdin_fd = -1
        self.monitor = None

    # -- called by run_command --

    def attach(self, stdin_fd: int, start: float):
        """Start: QEMU was started at `start` and reads input from `stdin_fd`."""
        self.stdin_fd = stdin_fd
        flags = fcntl.fcntl(stdin_fd, fcntl.F_GETFL)
        fcntl.fcntl(stdin_fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)
        self.start = self.step_start = self.last_output = self.typing_at = start
        self.advance(start)

    def feed(self, data: bytes, now: float):
        """Take a chunk of serial output."""
        text = self.held + self.decoder.decode(data)
        cut = PARTIAL_ESCAPE_RE.search(text)
        self.held = text[cut.start():] if cut else ""
        self.text += console_text(text[:cut.start()] if cut else text)
        self.last_output = now
        self.advance(now)

    def tick(self, now: float):
        """Settle a matched step, type what is due, and check the timeout."""
        if self.matched and not self.failure:
            self.settle(now)
        self.type_due(now)
        if self.failure or self.index >= len(self.steps):
            return
        step = self.steps[self.index]
        if now - self.step_start > step.timeout:
            self.fail(self.index, self.timeout_detail(step))

    def wake_time(self) -> float:
        """When tick() next has something to do."""
        times = [self.queue[0][1]] if self.queue else []
        if not self.failure and self.index < len(self.steps):
            step = self.steps[self.index]
            times.append(self.step_start + step.timeout + 0.001)
            if self.matched:
                times.append(self.last_output + step.quiet if self.screen_ok
                             else self.screen_due)
        return min(times) if times else float("inf")

    def stop_reason(self) -> str:
        """Why QEMU should be stopped now: a failed step, or the end of the script."""
        if self.failure:
            return f"step '{self.steps[self.failed].name}' failed"
        if self.stop_at_end and self.index >= len(self.steps) and not self.queue:
            return SCRIPT_FINISHED
        return ""

    def finish(self, why: str):
        """The run is over (`why`): the steps left fail."""
        if self.index < len(self.steps) and not self.failure:
            step = self.steps[self.index]
            if self.matched and not self.screen_ok:
                self.fail(self.index, f"{why} before {step.screen!r} appeared on the screen")
            elif self.matched:
                self.fail(self.index, f"{why} before the output was quiet for {step.quiet:g} s")
            else:
                self.fail(self.index,
                          f"{why} before /{step.pattern}/ appeared{self.output_tail()}")
        for step in self.steps[len(self.outcomes):]:
            self.outcomes.append(StepOutcome(
                step.name, False, f"not reached (step '{self.steps[self.failed].name}' failed)"))
        if self.monitor:
            self.monitor.close()
            self.monitor = None

    # -- the steps --

    def advance(self, now: float):
        """Match the current step's pattern, and the next ones' while they match."""
        while not self.failure and not self.matched and self.index < len(self.steps):
            step = self.steps[self.index]
            match = re.search(step.pattern, self.text, re.MULTILINE)
            if not match:
                return
            self.text = self.text[match.end():]
            self.match = match
            if step.screen or step.quiet:
                self.matched = True
                self.screen_ok = not step.screen
                self.screen_due = now
                self.settle(now)
                return
            self.complete(step, now)

    def settle(self, now: float):
        """The current step matched: look at the screen, wait for quiet, then complete it."""
        step = self.steps[self.index]
        if not self.screen_ok:
            if now < self.screen_due:
                return
            self.check_screen(step)
            if not self.screen_ok:
                return
            now = time.monotonic()
        if now - self.last_output >= step.quiet:
            self.complete(step, now)
            self.advance(now)

    def complete(self, step: Step, now: float):
        """The step passed: note it, queue its text, start the next step's clock."""
        self.matched = False
        try:
            pieces, interval = step.pieces(self.match)
        except Exception as err:  # a bad text function is the step's failure, not the run's
            self.fail(self.index, f"its text could not be made: {err!r}")
            return
        self.outcomes.append(StepOutcome(step.name, True, f"at {now - self.start:.1f} s"))
        first = max(now + step.delay, self.typing_at)
        for n, piece in enumerate(pieces):
            self.queue.append((self.index, first + n * interval, piece))
        self.typing_at = self.queue[-1][1] if pieces else first
        self.step_start = self.typing_at
        self.index += 1

    def fail(self, index: int, detail: str):
        """Step `index` failed (its pattern never came, or typing its text did not work)."""
        self.failure = detail
        self.failed = index
        self.queue.clear()
        outcome = StepOutcome(self.steps[index].name, False, detail)
        if index < len(self.outcomes):
            self.outcomes[index] = outcome
        else:
            self.outcomes.append(outcome)

    def timeout_detail(self, step: Step) -> str:
        """Why a step ran out of time."""
        if self.matched and not self.screen_ok:
            shown = ("no screendump was taken" if self.screen_seen is None else
                     " | ".join(self.screen_seen) or "a blank screen")
            where = f"the last {step.screen_last} rows" if step.screen_last else "the screen"
            return (f"{step.screen!r} not on {where} within {step.timeout:g} s; "
                    f"it shows: {shown}")
        if self.matched:
            return (f"the output was never quiet for {step.quiet:g} s "
                    f"within {step.timeout:g} s")
        return f"/{step.pattern}/ not seen within {step.timeout:g} s{self.output_tail()}"

    def output_tail(self) -> str:
        """The end of the output the current step saw, for a failure message."""
        tail = self.text[-160:]
        return f"; output since the previous step ends {tail!r}" if tail else \
            "; no output since the previous step"

    def type_due(self, now: float):
        """Send the queued input that is due, as far as QEMU takes it."""
        while self.queue and self.queue[0][1] <= now:
            index, _, payload = self.queue[0]
            if isinstance(payload, str):  # a key
                if not self.send_key(index, payload):
                    return
                self.queue.popleft()
                continue
            try:
                written = os.write(self.stdin_fd, payload)
            except BlockingIOError:
                written = 0
            except OSError:  # QEMU has gone; finish() reports it
                self.queue.clear()
                return
            if written < len(payload):
                # The pipe is full: QEMU takes input as fast as the guest's UART does.
                self.queue[0] = (index, now + TYPE_INTERVAL, payload[written:])
                return
            self.queue.popleft()

    def connect(self, index: int) -> bool:
        """Open the monitor if needed; if it cannot be, step `index` fails."""
        if self.monitor:
            return True
        if not self.monitor_path:
            self.fail(index, "the step needs QEMU's monitor, and the run has none")
            return False
        try:
            self.monitor = Monitor(self.monitor_path)
        except OSError as err:
            self.fail(index, f"cannot reach QEMU's monitor: {err}")
            return False
        return True

    def send_key(self, index: int, key: str) -> bool:
        """Press and release `key` on the PS/2 keyboard, for step `index`."""
        if not self.connect(index):
            return False
        try:
            reply = self.monitor.command(f"sendkey {key} {KEY_HOLD_MS}")
        except OSError as err:
            reply = str(err)
        if reply:
            self.fail(index, f"sendkey {key}: {reply}")
            return False
        return True

    def check_screen(self, step: Step):
        """Take a screendump; screen_ok if step.screen is on it, else retry later."""
        if not self.connect(self.index):
            return
        path = self.screen_path or os.path.join(tempfile.gettempdir(),
                                                f"iris-{os.getpid()}-{id(self)}.ppm")
        try:
            take_screendump(self.monitor, path)
            with open(path, "rb") as file:
                shot = screen_text.Screen.from_ppm(file.read())
        except (OSError, ValueError) as err:
            self.screen_seen = [f"(no screendump: {err})"]
            self.screen_due = time.monotonic() + SCREEN_RETRY
            return
        self.screen_seen = shot.tail(max(step.screen_last, 3))
        self.screen_ok = shot.find(step.screen, step.screen_last) is not None
        self.screen_due = time.monotonic() + SCREEN_RETRY


def boot(iso: str, machine: Machine, cmdline: str = "", timeout: float = 180,
         idle_timeout: float = 60, log_path: Optional[str] = None,
         echo: bool = False, screendump: Optional[Screendump] = None,
         steps: tuple = (), stop_at_end: bool = False,
         kernel_elf: Optional[str] = None,
         disk_check: Optional[Callable[[list], list]] = None) -> Run:
    """Boot `iso` on `machine` until the guest exits or a timeout fires.

    The serial console is written to `log_path` as it arrives (and to stdout
    if `echo`), so a log can be followed while a test runs. Disk images are
    made in a temporary directory (beside the log if there is one) and
    deleted with it after the run. `steps` are a script typed into the guest
    (see Step and Script); with `stop_at_end` QEMU is stopped after the last
    one. The last screendump a step took is kept beside the log (NAME.ppm).
    With `kernel_elf` (the kernel the ISO boots), a timeout appends where
    every CPU is (cpu_backtraces) to the output and the log. With
    `disk_check`, once QEMU has ended (whichever way), it is called with an
    Image per disk and returns the problems it finds in them (run.disk_problems).
    """
    streams = [sys.stdout.buffer] if echo else []
    tmp_parent = os.path.dirname(os.path.abspath(log_path)) if log_path else None
    with tempfile.TemporaryDirectory(prefix="iris-qemu-", dir=tmp_parent) as tmp, \
            (open(log_path, "wb") if log_path else contextlib.nullcontext()) as log:
        if log:
            streams.append(log)
        monitor = os.path.join(tmp, "monitor.sock") if screendump or steps or kernel_elf \
            else None
        command = qemu_command(iso, machine, cmdline, monitor, tmp)
        on_stall = (lambda: cpu_backtraces(monitor, machine.smp, kernel_elf)) if kernel_elf \
            else None
        on_line = screendump.watcher(monitor) if screendump else None
        script = None
        if steps:
            shot = os.path.splitext(log_path)[0] + ".ppm" if log_path else \
                os.path.join(tmp, "screen.ppm")
            script = Script(steps, monitor, shot, stop_at_end)
        run = run_command(command, timeout, idle_timeout, tee(streams), on_line, script,
                          on_stall)
        if disk_check:
            images = [Image(disk, image_path(tmp, n)) for n, disk in enumerate(machine.disks)]
            try:
                run.disk_problems = disk_check(images)
            except (OSError, ValueError, struct.error) as err:
                run.disk_problems = [f"cannot read the disk images: {err}"]
        return run


def tee(streams: list) -> Callable[[bytes], None]:
    """A sink that writes every chunk to all `streams` at once."""
    def sink(data: bytes):
        for stream in streams:
            stream.write(data)
            stream.flush()
    return sink


# --------------------------------------------------------------------------
# KTAP
# --------------------------------------------------------------------------

PLAN_RE = re.compile(r"^1\.\.(\d+)\s*(?:#.*)?$")
POINT_RE = re.compile(r"^(ok|not ok)\s+(\d+)(?:\s+-)?(?:\s+([^#]*?))?\s*(?:#\s*(.*?))?\s*$")


@dataclass(frozen=True)
class TestPoint:
    """One 'ok N name # comment' line."""

    number: int
    name: str
    ok: bool
    comment: str = ""  # the text after '#': a SKIP directive or a diagnostic

    @property
    def skipped(self) -> bool:
        """Whether the point is `ok` with a SKIP directive: it checked nothing.

        A `not ok` point is a failure whatever its comment says.
        """
        return self.ok and self.comment.upper().startswith("SKIP")

    @property
    def skip_reason(self) -> str:
        """The text after SKIP: why the point checked nothing."""
        return self.comment[4:].strip() if self.skipped else ""


@dataclass
class Ktap:
    """The top-level KTAP results found in a serial transcript."""

    plan: Optional[int] = None
    points: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    def missing(self) -> list:
        """Numbers in the plan that never reported a result."""
        seen = {point.number for point in self.points}
        return [n for n in range(1, (self.plan or 0) + 1) if n not in seen]


def parse_ktap(text: str) -> Ktap:
    """Parse the top-level KTAP lines of `text`.

    Other kernel output may sit on lines in between. Indented lines (KTAP
    subtests) are ignored: only top-level test points count.
    """
    ktap = Ktap()
    for line in console_text(text).split("\n"):
        plan = PLAN_RE.match(line)
        point = POINT_RE.match(line)
        if plan:
            add_plan(ktap, int(plan.group(1)))
        elif point:
            status, number, name, comment = point.groups()
            add_point(ktap, TestPoint(int(number), name or f"test {number}",
                                      status == "ok", comment or ""))
    if ktap.plan is None:
        ktap.problems.append("no KTAP plan (1..N) in the output")
    return ktap


def add_plan(ktap: Ktap, count: int):
    """Record the plan line, noting a second one as a problem."""
    if ktap.plan is not None:
        ktap.problems.append(f"KTAP plan given twice (1..{ktap.plan}, then 1..{count})")
        return
    ktap.plan = count
    for point in ktap.points:
        check_in_plan(ktap, point)


def add_point(ktap: Ktap, point: TestPoint):
    """Record a test point, noting duplicates, gaps and numbers outside the plan."""
    numbers = [p.number for p in ktap.points]
    if point.number in numbers:
        ktap.problems.append(f"test {point.number} reported twice")
    elif point.number != (numbers[-1] if numbers else 0) + 1:
        previous = f"after test {numbers[-1]}" if numbers else "first"
        ktap.problems.append(f"test {point.number} out of order ({previous})")
    ktap.points.append(point)
    if ktap.plan is not None:
        check_in_plan(ktap, point)


def check_in_plan(ktap: Ktap, point: TestPoint):
    """Note a test point whose number lies outside the plan."""
    if not 1 <= point.number <= ktap.plan:
        ktap.problems.append(f"test {point.number} outside the plan 1..{ktap.plan}")


def ktap_summary(ktap: Ktap) -> str:
    """One line such as 'KTAP: 5 planned, 3 passed, 1 failed, 1 skipped (paging_map)'."""
    failed = [p.name for p in ktap.points if not p.ok]
    failed += [f"missing test {n}" for n in ktap.missing()]
    skipped = sum(p.skipped for p in ktap.points)
    passed = sum(p.ok for p in ktap.points) - skipped
    planned = "no plan" if ktap.plan is None else f"{ktap.plan} planned"
    summary = f"KTAP: {planned}, {passed} passed, {len(failed)} failed, {skipped} skipped"
    details = failed + ktap.problems
    return summary + (f" ({'; '.join(details)})" if details else "")


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def parse_args(argv: list) -> argparse.Namespace:
    """Parse the command line of the qemu.py tool."""
    parser = argparse.ArgumentParser(
        description="Boot the Iris ISO in QEMU with the serial console on stdout.",
        epilog="Arguments after '--' are passed to QEMU unchanged.")
    parser.add_argument("--iso", default="build/iris.iso")
    parser.add_argument("--machine", default="q35", help="-machine value, e.g. pc,acpi=off")
    parser.add_argument("--firmware", choices=("seabios", "ovmf"), default="seabios")
    parser.add_argument("--smp", type=int, default=1)
    parser.add_argument("--mem", default="128M")
    parser.add_argument("--cpu", default="max")
    parser.add_argument("--disk", action="append", default=[],
                        metavar="[nvme[.NSID]:]SIZE[:BAD]",
                        help="attach a fresh sparse raw image of SIZE (64M, 8G) on AHCI, or "
                             "as namespace NSID (1: a controller of its own) of an NVMe "
                             "controller, with sector BAD failing (repeatable)")
    parser.add_argument("--cmdline", default="", help="appended to the kernel command line")
    parser.add_argument("--timeout", type=float, default=180, help="overall limit in seconds")
    parser.add_argument("--idle-timeout", type=float, default=60,
                        help="limit in seconds without serial output")
    parser.add_argument("--log", help="also write the serial output to this file")
    parser.add_argument("--screendump", metavar="PATH",
                        help="save the screen (.png or .ppm) when --screendump-on matches")
    parser.add_argument("--screendump-on", metavar="REGEX", default=".",
                        help="serial line that triggers the screendump (default: the first)")
    parser.add_argument("--step", nargs=2, action="append", default=[],
                        metavar=("REGEX", "TEXT"),
                        help="once REGEX matches the serial output since the previous step, "
                             "type TEXT on COM1 (Python escapes: \\n, \\x03 for Ctrl-C; "
                             "repeatable)")
    parser.add_argument("--stop-after-steps", action="store_true",
                        help="stop QEMU once the last --step matched and its text was typed")
    parser.add_argument("--expect", choices=sorted(EXPECTED_STATUS), default="success",
                        help="exit the tool with 0 only if the guest ended like this "
                             "(ignored with --stop-after-steps)")
    parser.add_argument("--ktap", action="store_true", help="summarise the KTAP results")
    parser.add_argument("--print-command", action="store_true",
                        help="print the QEMU command line and exit")
    parser.add_argument("qemu_args", nargs="*", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def parse_disk(text: str) -> Disk:
    """A Disk from the --disk value SIZE or SIZE:BAD_SECTOR, either after
    nvme: or nvme.NSID: for an NVMe disk."""
    bus, nsid = "ahci", 1
    if text.startswith("nvme"):
        word, _, text = text.partition(":")
        bus, _, number = word.partition(".")
        nsid = int(number) if number else 1
    size, _, bad = text.partition(":")
    return Disk(size, int(bad) if bad else None, bus=bus, nsid=nsid)


def parse_steps(pairs: list) -> tuple:
    """Steps from --step REGEX TEXT pairs, TEXT with Python's backslash escapes."""
    return tuple(Step(f"step {n}", pattern,
                      codecs.decode(text.encode("latin-1", "backslashreplace"), "unicode_escape"))
                 for n, (pattern, text) in enumerate(pairs, 1))


def main(argv: list) -> int:
    """Boot once, echo the console, and report how the run ended on stderr."""
    args = parse_args(argv)
    try:
        disks = tuple(parse_disk(text) for text in args.disk)
        machine = Machine(args.machine, args.firmware, args.smp, args.mem, args.cpu,
                          tuple(args.qemu_args), disks)
        steps = parse_steps(args.step)
    except (ValueError, UnicodeError) as err:
        sys.exit(f"qemu.py: {err}")
    if args.print_command:
        with tempfile.TemporaryDirectory(prefix="iris-qemu-") as tmp:
            print(shlex.join(qemu_command(args.iso, machine, args.cmdline, disk_dir=tmp)))
        return 0
    if not os.path.exists(args.iso):
        sys.exit(f"qemu.py: {args.iso} not found; build it first (./iris build)")
    if not shutil.which(QEMU):
        sys.exit(f"qemu.py: {QEMU} not found")

    screendump = Screendump(args.screendump, args.screendump_on) if args.screendump else None
    run = boot(args.iso, machine, args.cmdline, args.timeout, args.idle_timeout,
               args.log, echo=True, screendump=screendump, steps=steps,
               stop_at_end=args.stop_after_steps)
    report = [run.stderr.rstrip(), f"qemu.py: {run.describe()} after {run.seconds:.1f} s"]
    report += [f"qemu.py: {outcome.name} {'passed' if outcome.ok else 'FAILED'}: "
               f"{outcome.detail}" for outcome in run.steps]
    if args.ktap:
        report.append(ktap_summary(parse_ktap(run.output)))
    if screendump:
        report.append(screendump.error or (f"screendump saved to {args.screendump}"
                                           if screendump.taken else
                                           "screendump pattern never matched"))
    print("\n".join(line for line in report if line), file=sys.stderr)
    if not all(outcome.ok for outcome in run.steps):
        return 1
    if args.stop_after_steps:
        return 0 if run.stopped == SCRIPT_FINISHED else 1
    return 0 if run.status == EXPECTED_STATUS[args.expect] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
