#!/usr/bin/env python3
"""Boot the Iris ISO in QEMU, capture the serial console and parse KTAP.

This module is the library behind suite.py and a command line tool for booting
one machine by hand; the serial console is echoed to stdout as it arrives:

    python3 test/harness/qemu.py --smp 2 --cmdline test=kernel --ktap
    python3 test/harness/qemu.py --firmware ovmf -- -device nvme,serial=x,drive=d0
    python3 test/harness/qemu.py --disk 64M --disk 8G --cmdline run=@!devmgr,blk+info+ahci0.1

The guest ends the run through the isa-debug-exit device: writing the byte v
to port 0xf4 makes QEMU exit with status (v << 1) | 1.
"""

import argparse
import contextlib
import os
import re
import selectors
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

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


@dataclass(frozen=True)
class Disk:
    """A raw disk image made for one boot: sparse, zero-filled, deleted after the run.

    Disks go on an AHCI controller, in the order given from port 0: q35's
    built-in ich9-ahci at 00:1f.2 (ports 0-4: QEMU puts the boot CD on the
    port left free, 5), or one `-device ahci` on other machines (ports 0-5).
    So the n-th disk is blk/ahci0.<n> in the guest. `bad_sector` makes every read
    and write touching that sector fail with EIO (QEMU's blkdebug driver),
    which the guest sees as a device error.
    """

    size: str                          # "1M", "64M", "8G"
    bad_sector: Optional[int] = None

    def __post_init__(self):
        parse_size(self.size)
        if self.bad_sector is not None and not 0 <= self.bad_sector < self.bytes // 512:
            raise ValueError(f"bad sector {self.bad_sector} outside a {self.size} disk")

    @property
    def bytes(self) -> int:
        """The image's size in bytes."""
        return parse_size(self.size)

    def describe(self) -> str:
        """'disk:64M', or 'disk:1M,bad=100'."""
        bad = f",bad={self.bad_sector}" if self.bad_sector is not None else ""
        return f"disk:{self.size}{bad}"


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
        if len(self.disks) > room:
            raise ValueError(f"at most {room} disks on {self.machine}")

    def describe(self) -> str:
        """A short one-line summary, e.g. 'q35 seabios smp2 128M'."""
        words = [self.machine, self.firmware, f"smp{self.smp}", self.mem]
        if self.cpu != "max":
            words.append(f"cpu={self.cpu}")
        words += [disk.describe() for disk in self.disks]
        return " ".join(words + list(self.args))


def disk_args(machine: Machine, directory: str) -> list:
    """Make the images of machine.disks in `directory`; the QEMU arguments that attach them.

    An image is a sparse file (its size set with truncate: nothing is
    written); a bad sector adds a blkdebug rule file beside it.
    """
    if not machine.disks:
        return []
    q35 = is_q35(machine.machine)
    args = [] if q35 else ["-device", "ahci,id=ahci"]
    for n, disk in enumerate(machine.disks):
        image = os.path.join(directory, f"disk{n}.img")
        with open(image, "wb") as file:
            file.truncate(disk.bytes)
        source = image
        if disk.bad_sector is not None:
            rules = os.path.join(directory, f"disk{n}.blkdebug")
            with open(rules, "w") as file:
                file.write(f'[inject-error]\nevent = "none"\nerrno = "5"\n'
                           f'sector = "{disk.bad_sector}"\n')
            source = f"blkdebug:{rules}:{image}"
        bus = f"ide.{n}" if q35 else f"ahci.{n}"
        args += ["-drive", f"if=none,id=disk{n},format=raw,file={qemu_escape(source)}",
                 "-device", f"ide-hd,drive=disk{n},bus={bus}"]
    return args


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
    stderr: str = ""         # QEMU's own messages

    def describe(self) -> str:
        """One phrase explaining how the run ended."""
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
                on_line: Optional[Callable[[str], None]] = None) -> Run:
    """Run `command`, reading its stdout (the serial console) as it comes.

    The process is killed if it runs longer than `timeout` seconds, or prints
    nothing on stdout for `idle_timeout` seconds. Every chunk of stdout is
    passed to `sink` and every complete line to `on_line`.
    """
    start = time.monotonic()
    deadline = start + timeout
    idle_deadline = start + idle_timeout
    stdout, stderr = bytearray(), bytearray()
    lines = LineSplitter(on_line) if on_line else None
    fired = None

    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ, stdout)
            selector.register(proc.stderr, selectors.EVENT_READ, stderr)
            while selector.get_map():
                now = time.monotonic()
                fired = expired_timeout(now, deadline, idle_deadline)
                if fired:
                    break
                wait = min(deadline, idle_deadline) - now
                for key, _ in selector.select(wait):
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
        status = wait_or_kill(proc, 0 if fired else max(deadline - time.monotonic(), 0))
        if status is None and not fired:
            fired = "overall"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()

    return Run(
        command=command,
        status=None if fired else status,
        timeout=fired,
        timeout_seconds=timeout if fired == "overall" else idle_timeout,
        seconds=time.monotonic() - start,
        output=console_text(stdout.decode("utf-8", "replace")),
        stderr=stderr.decode("utf-8", "replace"),
    )


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
        """Send 'screendump' to the monitor socket and wait for it to finish."""
        command = f"screendump {os.path.abspath(self.path)}"
        if self.path.endswith(".png"):
            command += " -f png"
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(10)
                sock.connect(monitor)
                read_until_prompt(sock)
                sock.sendall(command.encode() + b"\n")
                read_until_prompt(sock)
        except OSError as err:
            self.error = f"screendump failed: {err}"


def read_until_prompt(sock: socket.socket):
    """Read monitor output up to the next '(qemu) ' prompt."""
    received = b""
    while not received.endswith(b"(qemu) "):
        data = sock.recv(4096)
        if not data:
            raise OSError("monitor closed the connection")
        received += data


def boot(iso: str, machine: Machine, cmdline: str = "", timeout: float = 180,
         idle_timeout: float = 60, log_path: Optional[str] = None,
         echo: bool = False, screendump: Optional[Screendump] = None) -> Run:
    """Boot `iso` on `machine` until the guest exits or a timeout fires.

    The serial console is written to `log_path` as it arrives (and to stdout
    if `echo`), so a log can be followed while a test runs. Disk images are
    made in a temporary directory (beside the log if there is one) and
    deleted with it after the run.
    """
    streams = [sys.stdout.buffer] if echo else []
    tmp_parent = os.path.dirname(os.path.abspath(log_path)) if log_path else None
    with tempfile.TemporaryDirectory(prefix="iris-qemu-", dir=tmp_parent) as tmp, \
            (open(log_path, "wb") if log_path else contextlib.nullcontext()) as log:
        if log:
            streams.append(log)
        monitor = os.path.join(tmp, "monitor.sock") if screendump else None
        command = qemu_command(iso, machine, cmdline, monitor, tmp)
        on_line = screendump.watcher(monitor) if screendump else None
        return run_command(command, timeout, idle_timeout, tee(streams), on_line)


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
        """Whether the test point carries a SKIP directive."""
        return self.comment.upper().startswith("SKIP")


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
    """One line such as 'KTAP: 5 planned, 4 passed, 1 failed (paging_map)'."""
    failed = [p.name for p in ktap.points if not p.ok]
    failed += [f"missing test {n}" for n in ktap.missing()]
    passed = sum(p.ok for p in ktap.points)
    planned = "no plan" if ktap.plan is None else f"{ktap.plan} planned"
    summary = f"KTAP: {planned}, {passed} passed, {len(failed)} failed"
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
    parser.add_argument("--disk", action="append", default=[], metavar="SIZE[:BAD]",
                        help="attach a fresh sparse raw image of SIZE (64M, 8G) on AHCI, "
                             "with sector BAD failing (repeatable)")
    parser.add_argument("--cmdline", default="", help="appended to the kernel command line")
    parser.add_argument("--timeout", type=float, default=180, help="overall limit in seconds")
    parser.add_argument("--idle-timeout", type=float, default=60,
                        help="limit in seconds without serial output")
    parser.add_argument("--log", help="also write the serial output to this file")
    parser.add_argument("--screendump", metavar="PATH",
                        help="save the screen (.png or .ppm) when --screendump-on matches")
    parser.add_argument("--screendump-on", metavar="REGEX", default=".",
                        help="serial line that triggers the screendump (default: the first)")
    parser.add_argument("--expect", choices=sorted(EXPECTED_STATUS), default="success",
                        help="exit the tool with 0 only if the guest ended like this")
    parser.add_argument("--ktap", action="store_true", help="summarise the KTAP results")
    parser.add_argument("--print-command", action="store_true",
                        help="print the QEMU command line and exit")
    parser.add_argument("qemu_args", nargs="*", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def parse_disk(text: str) -> Disk:
    """A Disk from the --disk value SIZE or SIZE:BAD_SECTOR."""
    size, _, bad = text.partition(":")
    return Disk(size, int(bad) if bad else None)


def main(argv: list) -> int:
    """Boot once, echo the console, and report how the run ended on stderr."""
    args = parse_args(argv)
    try:
        disks = tuple(parse_disk(text) for text in args.disk)
        machine = Machine(args.machine, args.firmware, args.smp, args.mem, args.cpu,
                          tuple(args.qemu_args), disks)
    except ValueError as err:
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
               args.log, echo=True, screendump=screendump)
    report = [run.stderr.rstrip(), f"qemu.py: {run.describe()} after {run.seconds:.1f} s"]
    if args.ktap:
        report.append(ktap_summary(parse_ktap(run.output)))
    if screendump:
        report.append(screendump.error or (f"screendump saved to {args.screendump}"
                                           if screendump.taken else
                                           "screendump pattern never matched"))
    print("\n".join(line for line in report if line), file=sys.stderr)
    return 0 if run.status == EXPECTED_STATUS[args.expect] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
