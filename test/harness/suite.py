#!/usr/bin/env python3
"""The QEMU integration tests of Iris, and the runner `./iris test` calls.

    python3 test/harness/suite.py --build build [--only NAME ...] [--jobs 2]
    python3 test/harness/suite.py --list

Each test boots build/iris.iso on one machine and prints one line per result:
`PASS name`, `FAIL name: reason` or `SKIP name: reason` (a point with nothing
to check on that machine). What counts as one test (see evaluate, merge_points
and docs/testing.md): each KTAP point and each script step that checks something;
a run only if it has no such points, or if it failed (a crash, a timeout, the
wrong exit status, a missing pattern); a point that several machines run
(points=) once, passed only if it passed on each machine that did not skip it.
Lines that are not counted start with RUN (a run whose points are counted) or
WAIT (a step that only waits). The last line is `N passed, M failed, K skipped`,
and the exit status is 0 only if nothing failed. To add a test, append a
GuestTest to TESTS.
"""

import argparse
import fnmatch
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Callable, Optional

from measure import check_banner, check_mem, check_restarts
from qemu import EXPECTED_STATUS, QEMU, SCRIPT_FINISHED, SECTOR, Disk, Machine, Region, Run, \
    Step, blk_pattern, boot, guest_names, image_problems, parse_ktap

MAX_JOBS = 2      # the host has two cores: never more than two QEMUs at once
TAIL_LINES = 40   # lines of serial log shown when a test fails


@dataclass(frozen=True)
class GuestTest:
    """One boot of the ISO and what it must produce.

    exit:   how the guest must end: "success", "panic" or "poweroff" (see
            qemu.EXPECTED_STATUS), or "stopped": the harness stops QEMU once
            the script's last step is done (the guest is still running).
    ktap:   count every KTAP test point as a result of its own, named `name/point`.
    points: for KTAP tests that run the same program on several machines: the
            shared name their points are counted under (`points/point`), each
            point once for all those machines; "" counts them under `name`.
    expect: regexes that must all appear in the serial output.
    forbid: regexes that must not appear in it.
    script: qemu.Step's typed into the guest in order; each one that checks
            something (Step.check) counts as a result of its own, named
            `name/step`. A step with no pattern and no screen text checks
            nothing and must say check=False.
    disk_check: after QEMU has ended, called with a qemu.Image per disk
            (machine.disks' order); returns the problems it finds. A result
            of its own, named `name/disk images`.
    checks: functions of (output, machine, iso path) returning a list of
            problems: checks of the numbers the guest printed (measure.py).
            A check with the attribute raw = True is given the output as it
            came, terminal escapes included.
    """

    name: str
    cmdline: str
    machine: Machine = Machine()
    exit: str = "success"
    ktap: bool = False
    expect: tuple = ()
    forbid: tuple = ()
    timeout: float = 180
    idle_timeout: float = 60
    iso: str = "iris.iso"   # in the build directory
    script: tuple = ()
    points: str = ""
    disk_check: Optional[Callable[[list], list]] = None
    checks: tuple = ()

    def __post_init__(self):
        if self.exit not in EXPECTED_STATUS and self.exit != STOPPED:
            raise ValueError(f"{self.name}: unknown exit {self.exit!r}")
        if self.exit == STOPPED and not self.script:
            raise ValueError(f"{self.name}: exit {STOPPED!r} needs a script")
        names = [step.name for step in self.script]
        if len(names) != len(set(names)):
            raise ValueError(f"{self.name}: two steps share a name")
        for step in self.script:
            if step.check and not step.pattern and not step.screen:
                raise ValueError(f"{self.name}: step {step.name!r} checks nothing: "
                                 "say check=False")
        if self.points and not self.ktap:
            raise ValueError(f"{self.name}: points= shares KTAP points; the test has none")

    def describe(self) -> str:
        """The machine, command line and expected outcome on one line."""
        outcome = self.exit + (" (ktap)" if self.ktap else "")
        if self.script:
            outcome += f" (script of {len(self.script)} steps)"
        return f"{self.machine.describe()}  [{self.cmdline}]  -> {outcome}"


FUZZ_SEED = os.environ.get("IRIS_FUZZ_SEED", "1")  # the suite's campaign (test_fuzz)

STOPPED = "stopped"  # GuestTest.exit: the harness ends QEMU after the script


# --------------------------------------------------------------------------
# The console and the shell (issue 7): scripts typed on COM1 and the keyboard
# --------------------------------------------------------------------------

PROMPT = r"iris\$ "                  # sh's prompt (bin/sh/main.c)
SHELL_CMDLINE = "run=@!devmgr,@sh"   # devmgr starts the console, UART and PS/2 drivers
SLEEPER = "sleep 600"  # a program that runs for 10 minutes
# Messages that must never appear in a shell session.
SHELL_FORBID = (r"panic", r"EXCEPTION", r"killed by CPU exception", r"crashed: CPU exception")


def prompt(name: str, text: str = "", check: bool = False, **kwargs) -> Step:
    """A step that waits for the shell's prompt, then types `text`.

    The prompt alone proves little (the step after it checks the answer), so
    such a step is a wait, not a test, unless it looks at the screen or says
    check=True (a prompt within a time limit, say).
    """
    return Step(name, PROMPT, text, check=check or bool(kwargs.get("screen")), **kwargs)


def garbage(size: int, seed: int) -> bytes:
    """Random bytes without the keys that end a line or the shell (Enter, Ctrl-C, Ctrl-D)."""
    rng = random.Random(seed)
    return bytes(b for b in (rng.randrange(256) for _ in range(size * 2))
                 if b not in b"\r\n\x03\x04")[:size]


# The kernel's log (devmgr, the drivers) shares COM1 with the console's
# mirror and may land in the middle of a line: patterns for a program's
# output are only used while nothing else logs; a first prompt waits for
# the boot's log to end (quiet).
SHELL_SESSION = (
    prompt("prompt", "echo hello world\n", quiet=1, timeout=90),
    Step("echo with arguments", r"^hello world$"),
    prompt("prompt after echo", "echo $?\n"),
    Step("$? after success is 0", r"^0$"),
    prompt("prompt after $?", "kill 999999\n"),
    Step("a failing program", r"kill: no process 999999"),
    prompt("prompt after kill", "echo $?\n"),
    Step("$? after a failure is 1", r"^1$"),
    prompt("prompt before nosuch", "nosuch\n"),
    Step("no such program", r"nosuch: no such program"),
    prompt("prompt after nosuch", "echo $?\n"),
    Step("$? of no such program is 127", r"^127$"),
    prompt("prompt before sleeper", SLEEPER + "\n"),
    Step("Ctrl-C a running program", SLEEPER + r"\n", "\x03", delay=2),
    prompt("the shell lives on after Ctrl-C", "echo $?\n"),
    Step("$? after Ctrl-C is 130", r"^130$"),
    prompt("prompt before the job", SLEEPER + " &\n"),
    Step("background job started", r"^\[1\] " + SLEEPER + "$"),
    prompt("prompt while the job runs", "ps\n"),
    # The shell reports the end at its next prompt, or `jobs` does.
    Step("ps shows the job", r"^\s*(\d+)\s+\d+\s+sleeping\s.*\bsleep\s*$",
         lambda match: f"kill {match.group(1)}\njobs\n"),
    Step("the job was killed", r"\[1\] done\s+" + SLEEPER + r" \(killed\)"),
    prompt("prompt after the job", "uptime\n"),
    Step("uptime", r"^up \d\d:\d\d:\d\d\.\d{3}, \d+ processes, \d+ threads, 2 CPUs$"),
    prompt("prompt before mem", "mem\n"),
    Step("mem", r"^\d+ of \d+ pages \(4 KiB\) in use, \d+%$"),
    prompt("prompt before help", "help\n"),
    Step("help", r"Built-ins:"),
    prompt("prompt before poweroff", "poweroff\n"),
)

# devmgr logs the crash and the restart; blk runs once that log is over.
SHELL_DRV_BLK = (
    # -w: the AHCI driver may still be registering its disk when the prompt shows.
    prompt("prompt", "blk -w write ahci0.0 0 2048 7\n", quiet=1, timeout=90),
    Step("blk write", r"write: 2048 sectors from LBA 0: ok"),
    prompt("prompt after write", "drv crash ahci0\n"),
    # The restart is proven by `drv list` below; devmgr's own log lines share COM1
    # with the shell and are not waited for. The block client waits for the driver.
    Step("drv crash ahci0", r"crashed", quiet=1),  # drv's or devmgr's line, whichever is whole
    prompt("prompt after the crash", "blk -w verify ahci0.0 0 2048 7\n"),
    Step("blk verify after the crash", r"verify: 2048 sectors from LBA 0: ok"),
    prompt("prompt after verify", "blk write ahci0.0 4096 256 9\n"),
    Step("blk write after the crash", r"write: 256 sectors from LBA 4096: ok"),
    prompt("prompt before drv list", "drv list\n"),
    Step("drv list: ahci0 running, restarted once", r"^ahci0\s.*\brunning\s+1\b"),
    prompt("prompt before blk list", "blk list\n"),
    Step("blk list: the disk, its size, driver and model",
         r"^blk/ahci0\.0\s+64 MiB\s+ahci0\s+QEMU HARDDISK"),
    prompt("prompt at the end"),
)

# Input the shell cannot keep up with may be dropped (with a bell), so each
# attack is followed by a wait until the output is quiet, then Ctrl-C (in
# raw mode the shell's line editor drops the line) or Enter.
SHELL_BAD_INPUT = (
    prompt("prompt", garbage(2000, 7), via="burst", quiet=1, timeout=90),
    Step("bell for garbage", "\x07", "\x03", quiet=3, timeout=120),
    Step("Ctrl-C drops the garbage", r"\^C\n" + PROMPT, "echo alive1\n"),
    Step("shell answers after garbage", r"^alive1$"),
    # A 5000-byte line, typed faster than the shell reads: the line keeps
    # LEDIT_LINE_MAX (1023) bytes, the rest rings the bell.
    prompt("prompt before the long line", "echo " + "a" * 5000, via="burst"),
    Step("bell for the long line", "\x07", "\n", quiet=3, timeout=120),
    Step("the long line cut at 1023 bytes", r"^a{1018}$"),
    prompt("prompt after the long line", "echo alive2\n"),
    Step("shell answers after the long line", r"^alive2$"),
    # An escape sequence cut in half: ESC now, "[A" (Up: the history) later.
    prompt("prompt before the half escape", "\x1b", via="burst"),
    Step("rest of the escape sequence", "", "[A", via="burst", delay=1, check=False),
    Step("Up recalls the last line", r"echo alive2", "\n"),
    Step("the recalled line runs", r"^alive2$"),
    # A sequence never finished ("~" ends it), then Ctrl-C.
    prompt("prompt before the dangling escape", "\x1b[12;", via="burst"),
    Step("dangling escape ended", "", "~\x03", delay=1, check=False),
    Step("Ctrl-C after the dangling escape", r"\^C\n" + PROMPT, "echo alive3\n"),
    Step("shell answers after the dangling escape", r"^alive3$"),
    # Ten commands at once: type-ahead reaches the shell in order. What
    # arrives while a program runs is echoed by the console at once, mixed
    # with the program's output (as on any terminal), so only the shell's
    # own prompt-and-line writes are matched.
    prompt("prompt before type-ahead", "".join(f"echo b{n}\n" for n in range(1, 11)),
           via="burst"),
    Step("first typed-ahead command", r"^echo b1\n"),  # the prompt went with the last step
    Step("last typed-ahead command", PROMPT + r"echo b10\n", "echo done\n", quiet=2),
    Step("shell answers at the end", r"^done$"),
)

# What a newcomer meets (issue 13): help lists the commands alone, each with
# a description; system programs are refused; every tool checks its words
# (usage, status 2: `poweroff --help` does not power off); a missing block
# device fails at once, in words; ps says a sleeping process sleeps; drv
# list names platform devices.
SHELL_NEWCOMER = (
    prompt("prompt", "help\n", quiet=1, timeout=90),
    # Only lines of a plain command name and its description between the headings.
    Step("help lists the commands, each with a description",
         r"^Commands:\n(?:  [a-z]+ +\w[^\n]*\n)+NAME ARGS"),
    prompt("prompt after help", "init\n"),
    Step("init is refused", r"^sh: init is a system program"),
    prompt("prompt after init", "console\n"),
    Step("console is refused", r"^sh: console is a system program"),
    prompt("prompt after console", "echo $?\n"),
    Step("$? of a refused program is 126", r"^126$"),
    prompt("prompt before poweroff --help", "poweroff --help\n"),
    Step("poweroff --help prints the usage", r"^usage: poweroff"),
    prompt("prompt after poweroff --help", "poweroff now\n"),
    Step("poweroff now prints the usage", r"^usage: poweroff"),
    prompt("prompt after poweroff now", "echo $?\n"),
    Step("a command line a tool does not understand is status 2", r"^2$"),
    prompt("prompt before the huge LBA", "blk read ahci0.0 99999999999999999999999 1\n"),
    Step("an LBA past 2^64 is refused, not clamped", r"^usage: blk"),
    prompt("prompt before blk info nosuch", "blk info nosuch\n"),
    Step("blk info nosuch fails at once, in words",
         r"^blk: blk/nosuch: No such file, object or name$", timeout=5),
    prompt("prompt before the sleeper", SLEEPER + " &\n"),
    Step("the sleeper started", r"^\[1\] " + SLEEPER + "$"),
    prompt("prompt before ps", "ps\n"),
    Step("ps shows the sleeper as sleeping", r"^\s*\d+\s+\d+\s+sleeping\s.*\bsleep\s*$"),
    prompt("prompt before drv list", "drv list\n"),
    Step("drv list names a platform device", r"^uart0\s+uart\s+com1\s+-\s+running\b"),
    prompt("prompt at the end"),
)

SHELL_KEYBOARD = (
    prompt("prompt", "echo typed on ps2\n", via="keyboard", quiet=1, timeout=90),
    Step("PS/2 typing reaches the shell", r"^typed on ps2$"),
    prompt("prompt after typing", "echo Shift Works: A_Z!\n", via="keyboard"),
    Step("shifted keys", r"^Shift Works: A_Z!$"),
    prompt("prompt before the sleeper", SLEEPER + "\n", via="keyboard"),
    Step("Ctrl-C on the keyboard", SLEEPER + r"\n", "\x03", via="keyboard", delay=2),
    prompt("prompt after Ctrl-C", "echo $?\n", via="keyboard"),
    Step("$? after Ctrl-C on the keyboard", r"^130$"),
    prompt("prompt at the end"),
)

# The kernel log once the console holds it (docs/console.md, "The kernel log"):
# `dmesg` shows the boot with its debug lines; the log lines of a driver's
# crash and restart come while half a line is typed, and land whole on rows
# of their own, with the typed line drawn again below them.
SHELL_KERNEL_LOG = (
    prompt("prompt", "dmesg\n", quiet=1, timeout=90),
    Step("dmesg shows the boot", r"^Iris \S+ booting \("),
    Step("dmesg shows debug lines too", r"^  module 0: init \(\d+ KiB\)$"),
    prompt("prompt after dmesg", "drv crash ahci0\n", quiet=1),
    Step("drv crash ahci0", r"^drv: crashed ahci0$"),
    prompt("half a line typed", "echo half"),
    Step("the restart's log line whole", r"^devmgr: ahci0 ready \(pid \d+\)$", " line\n",
         delay=1),
    Step("the typed line drawn again below the log", "^" + PROMPT + r"echo half line$"),
    Step("the typed line runs", r"^half line$"),
    prompt("prompt at the end", check=True),
)

# The console server restarted under a shell session (docs/console.md,
# "Restarting the console"): a background job prints a tick every half
# second throughout. Its lines may land inside an echoed command line, so
# only answers no typed text can look like are checked (drv's own line,
# uptime's, $?, ps).
TICK = r"^tick \d+$"
UPTIME = r"^up \d\d:\d\d:\d\d\.\d{3}, \d+ processes"
SHELL_CONSOLE_RESTART = (
    prompt("prompt", "test_terminal tick 600 &\n", quiet=1, timeout=90),
    Step("the job started", r"^\[1\] test_terminal tick 600$"),
    # A tick comes after the prompt: steps that check one type without waiting for it.
    Step("the job ticks", TICK, "ps\n"),
    Step("ps before the restarts", r"^\s*\d+\s+1\s+\S+\s.*\bsh\s*$"),
    prompt("prompt before the restart", "drv restart console0\n"),
    # drv writes its line while the console is down: it comes out after the restart.
    Step("drv's output across the restart", r"^drv: restarting console0$"),
    prompt("the prompt comes back", "uptime\n", check=True, delay=1),
    Step("a command typed on COM1 runs", UPTIME),
    Step("the job's output goes on", TICK, "uptime\n", via="keyboard"),
    Step("a command typed on the keyboard runs", UPTIME),
    prompt("prompt before the crash", "drv crash console0\n"),
    Step("drv's output across the crash", r"^drv: crashed console0$"),
    prompt("the prompt comes back after the crash", "ps\n", check=True, delay=1),
    Step("ps after the crash: the job", r"^\s*\d+\s+\d+\s+\S+\s.*\btest_terminal\s*$"),
    # A restart while the shell waits for a foreground program: Ctrl-C still ends it.
    Step("the job's output goes on after the crash", TICK,
         "test_terminal restart console0 1500 &\n"),
    Step("the restarter started", r"^\[2\] test_terminal restart console0 1500$"),
    prompt("prompt before the sleeper", SLEEPER + "\n"),
    Step("the console restarted under the sleeper", r"^terminal: restart console0: asked$"),
    Step("ticks after the restart", TICK, "\x03", delay=2),
    prompt("prompt after Ctrl-C", "echo $?\n"),
    Step("Ctrl-C ended the sleeper (130)", r"^130$"),
    prompt("prompt before the last ps", "ps\n"),
    Step("ps at the end: the job", r"^\s*\d+\s+\d+\s+\S+\s.*\btest_terminal\s*$"),
    prompt("prompt at the end"),
)


def check_one_shell(output: str, machine: Machine, iso: str) -> list:
    """Every `ps` shows the same shell (init's child sh), and there were three of them."""
    pids = re.findall(r"^\s*(\d+)\s+1\s+\S+\s.*\bsh\s*$", output, re.MULTILINE)
    if len(pids) < 3:
        return [f"expected the shell in 3 listings of ps, found {len(pids)}"]
    if len(set(pids)) != 1:
        return [f"the shell changed across the console restarts: pids {', '.join(pids)}"]
    return []


def check_wrap_on(output: str, machine: Machine, iso: str) -> list:
    """The terminal's line wrapping is on (ESC [ ? 7 h) after the boot loader's last word."""
    on, off = output.rfind("\x1b[?7h"), output.rfind("\x1b[?7l")
    if on < 0:
        return ["no ESC [?7h on the serial port: the terminal's line wrapping stays as it was"]
    if on < off:
        return ["ESC [?7l after the last ESC [?7h: the terminal is left without line wrapping"]
    return []


check_wrap_on.raw = True  # it reads the escapes: evaluate() passes the output as it came


def prompt_last(command: str) -> Callable[[str, Machine, str], list]:
    """A check: nothing came between the shell's first prompt and `command`
    typed at it (the steps wait for quiet first): driver and server chatter
    is at debug level, so a plain boot ends with the prompt."""
    def check(output: str, machine: Machine, iso: str) -> list:
        match = re.search(PROMPT + r"(.*?)" + re.escape(command), output, re.DOTALL)
        if not match:
            return [f"no prompt with {command!r} typed at it"]
        between = match.group(1).strip()
        return [f"after the first prompt, before {command!r}: {between!r}"] if between else []
    return check


# Lines of a healthy boot that are debug messages (servers/devmgr, drivers/):
# shown only with loglevel=debug.
BOOT_CHATTER = (r"^devmgr: \d+ manifests", r"^devmgr: \S+: started ", r"^devmgr: \S+ ready",
                r"^(?:ahci|uart|ps2)\d+: ")


SHELL_SCREEN = (
    prompt("prompt on the screen", "echo on the screen\n", screen="iris$ ", screen_last=1,
           timeout=150),
    Step("output on the screen", r"^on the screen$", screen="on the screen", screen_last=2),
)


# NVMe: the block tests on QEMU's `-device nvme` (drivers/nvme). nvme-blk-smp4 runs
# four controllers in one boot (4 queue pairs each): 1 MiB, 64 MiB, 8 GiB (sparse), and
# one with two namespaces, the first with a bad sector; nvme-blk-smp1 one queue pair.
NVME_SMP4 = Machine("q35", "seabios", smp=4, mem="512M",
                    disks=(Disk("1M", bus="nvme"), Disk("64M", bus="nvme"),
                           Disk("8G", bus="nvme"), Disk("4M", bus="nvme", bad_sector=1000),
                           Disk("16M", bus="nvme", nsid=2)))
NVME_SMP1 = Machine("q35", "seabios", smp=1, mem="256M",
                    disks=(Disk("64M", bus="nvme"), Disk("1M", bus="nvme")))


def blk_cmdline(machine: Machine) -> str:
    """test_blk on every disk of `machine`, each as NAME:SECTORS[:BAD]."""
    words = [f"{name}:{disk.sectors}" + (f":{disk.bad_sector}" if disk.bad_sector is not None else "")
             for name, disk in zip(guest_names(machine), machine.disks)]
    return "test=user run=@!devmgr," + "+".join(["test_blk"] + words)


# Block data checked from outside the driver (test/guest/test_blk_image.c).
# blk-image: the host writes patterns into a raw image, the guest reads them;
# the guest writes patterns, the host reads the image after QEMU exits. The
# regions touch one another, so a transfer off by a sector shows.
IMAGE_HOST = (Region(0, 8, 0x1201), Region(63, 2, 0x1202), Region(4096, 256, 0x1203),
              Region(32760, 8, 0x1204))
IMAGE_GUEST = (Region(8, 1, 0x1211), Region(1000, 256, 0x1212), Region(4352, 100, 0x1213),
               Region(32759, 1, 0x1214))
# blk-flush-kill: on a qcow2 disk (see qemu.Disk) the guest writes FLUSHED, flushes,
# writes UNFLUSHED, and the harness kills QEMU. FLUSHED must be in the image:
# FLUSH reached QEMU. UNFLUSHED must not: the kill does lose unflushed writes,
# so the first check could fail.
FLUSHED = Region(2048, 256, 0x1221)
UNFLUSHED = Region(8192, 128, 0x1222)  # another 64 KiB cluster


def image_cmdline(disk: str, *steps) -> str:
    """The command line running test_blk_image on `disk` with `steps`: strings
    ("flush", "hold") or (verb, Region) pairs, verb "read" or "write"."""
    words = [step if isinstance(step, str) else
             f"{step[0]}:{step[1].lba}:{step[1].count}:{step[1].seed}" for step in steps]
    return "test=user run=@!devmgr," + "+".join(["test_blk_image", disk] + words)


# shell-blk-cksum: `blk read` prints the POSIX cksum of what it read; the
# host's own cksum of the same bytes of the image it wrote must agree. The
# ranges cross the regions' edges and cover the whole 16 MiB disk once.
CKSUM_READS = ((0, 8), (60, 10), (4000, 400), (32760, 8), (0, 32768))


CKSUM_DISKS = ("ahci0.0", "nvme0.1")   # the same image on each (see the test's machine)
SHELL_BLK_CKSUM = tuple(
    step for disk in CKSUM_DISKS for i, (lba, count) in enumerate(CKSUM_READS) for step in (
        prompt(f"prompt before {disk} read {i}", f"blk -w read {disk} {lba} {count}\n",
               **({"quiet": 1, "timeout": 90} if i == 0 else {})),
        Step(f"blk read {disk} {lba}+{count} prints a cksum line",
             rf"^\d+ {count * 512} blk/{re.escape(disk)}@{lba}\+{count}\s*$", timeout=120)))


def image_range(regions: tuple, lba: int, count: int) -> bytes:
    """Sectors [lba, lba + count) of a raw image holding `regions`, zeros elsewhere."""
    data = bytearray(count * SECTOR)
    for region in regions:
        start, end = max(lba, region.lba), min(lba + count, region.end)
        if start < end:
            data[(start - lba) * SECTOR:(end - lba) * SECTOR] = \
                blk_pattern(start, end - start, region.seed)
    return bytes(data)


def check_cksums(disks: tuple, regions: tuple, reads: tuple) -> Callable[[str, Machine, str], list]:
    """A check: each `blk read` of `reads` on each of `disks` printed what the host's cksum prints."""
    def check(output: str, machine: Machine, iso: str) -> list:
        problems = []
        for disk, (lba, count) in ((d, r) for d in disks for r in reads):
            name = f"blk/{disk}@{lba}+{count}"
            got = re.search(r"^(\d+ \d+) " + re.escape(name) + r"\s*$", output, re.MULTILINE)
            host = subprocess.run(["cksum"], input=image_range(regions, lba, count),
                                  capture_output=True, check=True).stdout.decode().split()
            want = " ".join(host[:2])
            if not got:
                problems.append(f"no cksum line for {name}")
            elif got.group(1) != want:
                problems.append(f"{name}: the guest printed {got.group(1)}, the host's cksum {want}")
        return problems
    return check


def disk_holds(regions: tuple) -> Callable[[list], list]:
    """A disk_check: the first disk holds exactly `regions`' patterns, zeros elsewhere."""
    return lambda images: image_problems(images[0], regions)


TESTS = [
    GuestTest("kernel-q35-seabios-smp1", "test=kernel", ktap=True, points="kernel",
              machine=Machine("q35", "seabios", smp=1, mem="128M")),
    GuestTest("kernel-pc-seabios-smp4-6g", "test=kernel", ktap=True, points="kernel",
              machine=Machine("pc", "seabios", smp=4, mem="6G")),
    GuestTest("kernel-q35-ovmf-smp2", "test=kernel", ktap=True, points="kernel",
              machine=Machine("q35", "ovmf", smp=2, mem="1G"),
              timeout=300, idle_timeout=120),
    GuestTest("exception", "test=exception", exit="panic",
              machine=Machine("q35", "seabios", smp=2, mem="128M"),
              expect=("EXCEPTION", "RIP", "CR2", "backtrace", "ktest_exception",
                      "stopping all CPUs")),
    GuestTest("heap-use-after-free", "test=kernel:exception_heap", exit="panic",
              machine=Machine("q35", "seabios", smp=2, mem="128M"),
              expect=(r"slab kmalloc-128: free object 0x[0-9a-f]+ was overwritten at offset 8",
                      r"allocated by ktest_heap_alloc_site\+0x[0-9a-f]+",
                      r"freed by ktest_heap_free_site\+0x[0-9a-f]+", "stopping all CPUs")),
    GuestTest("no-acpi", "test=boot", exit="panic",
              machine=Machine("pc,acpi=off", "seabios", smp=1, mem="128M"),
              expect=("ACPI",)),
    GuestTest("low-memory", "test=boot", exit="panic",
              machine=Machine("q35", "seabios", smp=1, mem="24M"),
              expect=("32 MiB",)),
    # The banner's numbers against -smp, -m and the ISO's grub.cfg (measure.check_banner);
    # the module list is a debug message (a plain boot ends at the prompt, not the list).
    GuestTest("boot-banner", "loglevel=debug test=boot",
              machine=Machine("q35", "seabios", smp=2, mem="256M"),
              expect=(r"^Iris \S+ ready\. CPUs: 2 online, memory: \d+ MiB usable",
                      r"^  module 0: init \(\d+ KiB\)$"),
              checks=(check_banner,)),
    # User mode: init runs one guest test program (test/guest/) that prints KTAP.
    GuestTest("user-syscalls", "test=user run=test_syscalls", ktap=True,
              machine=Machine("q35", "seabios", smp=2, mem="256M")),
    GuestTest("user-faults", "test=user run=test_faults", ktap=True,
              machine=Machine("q35", "seabios", smp=2, mem="256M"),
              expect=("killed: #PF", "killed: #UD", "killed: #GP")),
    GuestTest("user-threads-smp4", "test=user run=test_threads", ktap=True,
              machine=Machine("q35", "seabios", smp=4, mem="256M")),
        GuestTest("user-rings-smp2", "test=user run=test_ring", ktap=True,
              machine=Machine("q35", "seabios", smp=2, mem="256M"), timeout=300),
        GuestTest("user-ring-safety-smp2", "test=user run=test_ring_safety", ktap=True,
              machine=Machine("q35", "seabios", smp=2, mem="256M"), timeout=240),
        GuestTest("user-channels-smp1", "test=user run=test_channel", ktap=True,
              machine=Machine("q35", "seabios", smp=1, mem="256M")),
            GuestTest("user-chan-stress-smp2", "test=user run=test_chan_stress", ktap=True,
              machine=Machine("q35", "seabios", smp=2, mem="256M"), timeout=120),
    GuestTest("user-ns-smp2", "test=user run=test_ns", ktap=True,
              machine=Machine("q35", "seabios", smp=2, mem="256M")),
    # The ring and system-call fuzzer (docs/fuzzing.md): a bounded campaign with a fixed seed;
    # IRIS_FUZZ_SEED=N (or "clock") in the environment runs another one.
    GuestTest("user-fuzz-smp2", f"test=user run=test_fuzz+seed={FUZZ_SEED}+rounds=5", ktap=True,
              machine=Machine("q35", "seabios", smp=2, mem="512M"), timeout=150,
              forbid=(r"FUZZ FAIL",)),
    GuestTest("user-spawn-loop", "test=user run=test_spawn", ktap=True,
              machine=Machine("q35", "seabios", smp=2, mem="256M"), timeout=300),
    # Device handles, DMA and interrupts against QEMU's edu device (init passes the bus: `!`).
    GuestTest("device-edu-msi", "test=user run=!test_device", ktap=True,
              machine=Machine("q35", "seabios", smp=2, mem="128M", args=("-device", "edu"))),
    GuestTest("device-edu-intx", "test=user run=!test_device+intx", ktap=True,
              machine=Machine("pc", "seabios", smp=1, mem="128M", args=("-device", "edu"))),
    GuestTest("process-list", "test=user run=test_process", ktap=True, points="test_process",
              machine=Machine("q35", "seabios", smp=2, mem="128M")),
    # SYS_POWER: ACPI S5 through the FADT and the DSDT's \_S5 (QEMU exits 0, not by debug-exit).
    GuestTest("poweroff-q35", "test=user run=test_process+poweroff", ktap=True, exit="poweroff",
              points="test_process",
              machine=Machine("q35", "seabios", smp=2, mem="128M"),
              expect=(r"power: S5 through ACPI", r"power: turning the machine off")),
    GuestTest("poweroff-pc-ovmf", "test=user run=test_process+poweroff", ktap=True,
              exit="poweroff", points="test_process",
              machine=Machine("pc", "ovmf", smp=1, mem="256M"),
              expect=(r"power: S5 through ACPI",), timeout=300, idle_timeout=120),
    # loglevel=debug: the kernel logs each process's start and end, so that
    # measure.check_restarts measures the back-off devmgr and init announce.
    GuestTest("devmgr-ahci", "loglevel=debug test=user run=@!devmgr,test_devmgr+ahci0",
              ktap=True,
              machine=Machine("q35", "seabios", smp=2, mem="256M", disks=(Disk("1M"),)),
              forbid=(r"crashed on request.*restart \d+ in (?!10 ms)",),
              checks=(check_restarts(12),)),
    # Block devices: devmgr starts the AHCI driver; test_blk gets each disk as NAME:SECTORS[:BAD].
    GuestTest("blk-q35", "test=user run=@!devmgr,test_blk+ahci0.0:2048+ahci0.1:131072"
              "+ahci0.2:16777216+ahci0.3:8192:1000", ktap=True,
              machine=Machine("q35", "seabios", smp=2, mem="256M",
                              disks=(Disk("1M"), Disk("64M"), Disk("8G"),
                                     Disk("4M", bad_sector=1000))),
              timeout=150),
    GuestTest("blk-pc", "test=user run=@!devmgr,test_blk+ahci0.0:131072", ktap=True,
              machine=Machine("pc", "seabios", smp=2, mem="256M", disks=(Disk("64M"),)),
              timeout=120),
    GuestTest("blk-image", image_cmdline("ahci0.0", *[("read", r) for r in IMAGE_HOST],
                                         *[("write", r) for r in IMAGE_GUEST], "flush"),
              ktap=True, machine=Machine("q35", "seabios", smp=2, mem="256M",
                                         disks=(Disk("16M", pattern=IMAGE_HOST),)),
              disk_check=disk_holds(IMAGE_HOST + IMAGE_GUEST), timeout=90),
    GuestTest("blk-flush-kill", image_cmdline("ahci0.0", ("write", FLUSHED), "flush",
                                              ("write", UNFLUSHED), "hold"),
              ktap=True, exit=STOPPED,
              machine=Machine("q35", "seabios", smp=2, mem="256M",
                              disks=(Disk("64M", format="qcow2"),)),
              script=(Step("written, flushed, written: kill QEMU",
                           r"^# test_blk_image: holding$", timeout=60),),
              disk_check=disk_holds((FLUSHED,)), timeout=90),
    # 50 crashes of the AHCI driver under a checksummed load with 32 requests in flight.
    GuestTest("blk-restart", "test=user run=@!devmgr,test_blk_restart+ahci0.0+ahci0+50",
              ktap=True, machine=Machine("q35", "seabios", smp=2, mem="256M",
                                         disks=(Disk("64M"),)),
              timeout=150),
    GuestTest("nvme-blk-smp4", blk_cmdline(NVME_SMP4), ktap=True, machine=NVME_SMP4,
              timeout=240),
    GuestTest("nvme-blk-smp1", blk_cmdline(NVME_SMP1), ktap=True, machine=NVME_SMP1,
              timeout=150),
    # 50 crashes of the NVMe driver under the same checksummed load.
    GuestTest("nvme-restart", "test=user run=@!devmgr,test_blk_restart+nvme0.1+nvme0+50",
              ktap=True, machine=Machine("q35", "seabios", smp=2, mem="256M",
                                         disks=(Disk("64M", bus="nvme"),)),
              timeout=150),
    # A program built outside the tree against the installed sysroot (./iris test makes the ISO).
    GuestTest("sysroot-hello", "test=user run=hello", iso="iris-sysroot.iso",
              machine=Machine("q35", "seabios", smp=2, mem="256M"),
              expect=("hello from hello, built against the sysroot", "thread says 42")),
    # A driver built outside the tree (test/sysroot/edu.c) found by its manifest, restarted.
    GuestTest("sysroot-edu-driver", "loglevel=debug test=user run=@!devmgr,test_edu", ktap=True,
              iso="iris-sysroot.iso",
              machine=Machine("q35", "seabios", smp=2, mem="128M", args=("-device", "edu")),
              expect=(r"devmgr: edu0: started edu for 1234:11e8",
                      r"devmgr: edu0 (?:\(pid \d+\) )?crashed on request: CPU exception 14; restart 1 in 10 ms",
                      r"devmgr: edu0 (?:\(pid \d+\) )?killed: missed 4 heartbeats; restart 2 in 10 ms",
                      r"devmgr: edu0 (?:\(pid \d+\) )?killed by CPU exception 14 at rip 0x[0-9a-f]+; "
                      r"restart 3 in 20 ms",
                      r"devmgr: edu0 (?:\(pid \d+\) )?killed by CPU exception 14 at rip 0x[0-9a-f]+; "
                      r"restart 4 in 40 ms",
                      r"devmgr: edu0 (?:\(pid \d+\) )?killed by CPU exception 14 at rip 0x[0-9a-f]+; "
                      r"restart 5 in 80 ms"),
              checks=(check_restarts(5),), timeout=240),
    GuestTest("devmgr-supervision", "loglevel=debug test=user run=@!devmgr,test_devmgr+edu0",
              ktap=True, iso="iris-sysroot.iso",
              machine=Machine("q35", "seabios", smp=2, mem="128M", args=("-device", "edu")),
              forbid=(r"crashed on request.*restart \d+ in (?!10 ms)",),
              checks=(check_restarts(12),), timeout=240),
    GuestTest("init-services",
              "loglevel=debug test=user run=@test_devmgr+exit+3,test_devmgr+sleep+4000",
              iso="iris-sysroot.iso", machine=Machine("q35", "seabios", smp=2, mem="128M"),
              expect=(r"init: test_devmgr exited with status 3; restart 1 in 10 ms",
                      r"init: test_devmgr exited with status 3; restart 7 in 640 ms",
                      r"init: test_devmgr exited with status 3; given up after 8 quick ends",
                      r"init: test_devmgr exited with status 0"),
              checks=(check_restarts(7),)),
    # The console server alone (docs/console.md): the test is its terminal, input and output.
    GuestTest("console-server", "test=user run=@console,test_console", ktap=True,
              machine=Machine("q35", "seabios", smp=2, mem="256M")),
    # loglevel=debug: init's greeting is a debug line.
    GuestTest("init-starts", "loglevel=debug test=user run=",
              machine=Machine("q35", "seabios", smp=2, mem="256M"),
              expect=("init: Iris init", "init: nothing to run", "init exited with status 0")),
    # Issue 7: the shell on the console, typed into on COM1 (and the PS/2 keyboard).
    # `./iris run`'s machine (its AHCI and NVMe disks), with no words of its own (the ISO's
    # default menu entry starts devmgr and the shell): the prompt within 15 s of QEMU's start.
    GuestTest("shell-iris-run", "",
              machine=Machine("q35", "seabios", smp=2, mem="512M",
                              disks=(Disk("64M"), Disk("64M"), Disk("64M", bus="nvme"))),
              exit=STOPPED, forbid=SHELL_FORBID + BOOT_CHATTER,
              expect=(r"(?i)help", r"Ctrl-A X"), checks=(prompt_last("help"),),
              script=(prompt("prompt within 15 s", "help\n", timeout=15, check=True),
                      Step("help", r"Built-ins:"),
                      prompt("prompt on the screen", screen="iris$ ", screen_last=1))),
    # A plain `qemu-system-x86_64 -cdrom build/iris.iso`, as a real PC boots it: QEMU's default
    # machine (pc, SeaBIOS, 1 CPU, 128 MiB), nothing on the command line but the ISO's own words.
    GuestTest("plain-iso-boot", "", exit=STOPPED,
              machine=Machine("pc", "seabios", smp=1, mem="128M"),
              forbid=SHELL_FORBID + BOOT_CHATTER, checks=(prompt_last("echo plain boot"),),
              script=(prompt("prompt", "echo plain boot $?\n", quiet=1, timeout=120),
                      Step("a typed command runs", r"plain boot 0"),
                      prompt("prompt after the command", check=True))),
    GuestTest("shell-session", SHELL_CMDLINE, exit="poweroff",
              machine=Machine("q35", "seabios", smp=2, mem="256M"),
              # The kernel's own line: the program's may still sit in the UART driver.
              expect=(r"power: turning the machine off",), forbid=SHELL_FORBID,
              script=SHELL_SESSION, checks=(check_mem,)),
    # libc's terminal from a program sh started: isatty, O_NONBLOCK, poll, a line read.
    GuestTest("shell-terminal", SHELL_CMDLINE, exit=STOPPED,
              machine=Machine("q35", "seabios", smp=2, mem="256M"), forbid=SHELL_FORBID,
              script=(prompt("prompt", "test_terminal\n", quiet=1, timeout=90),
                      Step("asks for a line", r"terminal: type a line", "hello terminal\n",
                           delay=0.5),
                      Step("every check passed", r"terminal: \d+ passed, 0 failed"),
                      prompt("prompt after the test"))),
    # `reboot` resets the machine (-no-reboot turns the reset into QEMU's exit, status 0).
    GuestTest("shell-reboot", SHELL_CMDLINE, exit="poweroff",
              machine=Machine("pc", "seabios", smp=2, mem="256M"),
              expect=(r"power: resetting the machine",), forbid=SHELL_FORBID,
              script=(prompt("prompt", "reboot\n", quiet=1, timeout=90),)),
    GuestTest("shell-drv-blk", SHELL_CMDLINE, exit=STOPPED,
              machine=Machine("q35", "seabios", smp=2, mem="256M", disks=(Disk("64M"),)),
              forbid=(r"panic", r"EXCEPTION"), script=SHELL_DRV_BLK),
    GuestTest("shell-blk-cksum", SHELL_CMDLINE, exit=STOPPED,
              machine=Machine("q35", "seabios", smp=2, mem="256M",
                              disks=(Disk("16M", pattern=IMAGE_HOST),
                                     Disk("16M", pattern=IMAGE_HOST, bus="nvme"))),
              forbid=SHELL_FORBID, script=SHELL_BLK_CKSUM,
              checks=(check_cksums(CKSUM_DISKS, IMAGE_HOST, CKSUM_READS),)),
    # A word nobody reads on the command line: the kernel says so.
    GuestTest("shell-newcomer", SHELL_CMDLINE + " nosuchoption=1", exit=STOPPED,
              machine=Machine("q35", "seabios", smp=2, mem="256M", disks=(Disk("64M"),)),
              expect=(r'unknown option "nosuchoption=1" ignored',),
              forbid=SHELL_FORBID, script=SHELL_NEWCOMER),
    GuestTest("shell-bad-input", SHELL_CMDLINE, exit=STOPPED,
              machine=Machine("q35", "seabios", smp=2, mem="256M"),
              forbid=SHELL_FORBID, script=SHELL_BAD_INPUT),
    GuestTest("shell-keyboard", SHELL_CMDLINE, exit=STOPPED,
              machine=Machine("q35", "seabios", smp=2, mem="256M"),
              forbid=SHELL_FORBID, script=SHELL_KEYBOARD),
    GuestTest("shell-kernel-log", SHELL_CMDLINE, exit=STOPPED,
              machine=Machine("q35", "seabios", smp=2, mem="256M", disks=(Disk("64M"),)),
              forbid=SHELL_FORBID, script=SHELL_KERNEL_LOG, checks=(check_wrap_on,)),
    GuestTest("shell-console-restart", SHELL_CMDLINE, exit=STOPPED,
              machine=Machine("q35", "seabios", smp=2, mem="256M"),
              forbid=SHELL_FORBID + (r"init: sh exited", r"cannot read the terminal",
                                     r"Ctrl-C cannot end"),
              script=SHELL_CONSOLE_RESTART, checks=(check_one_shell,)),
    GuestTest("shell-ovmf-screen", SHELL_CMDLINE, exit=STOPPED,
              machine=Machine("q35", "ovmf", smp=2, mem="256M"),
              forbid=SHELL_FORBID, script=SHELL_SCREEN, timeout=300, idle_timeout=120),
]


@dataclass(frozen=True)
class Result:
    """One line of the report: a KTAP test point, a script step or a whole run.

    passed:  it checked what it should and found it right.
    skipped: it had nothing to check on its machine (KTAP `# SKIP reason`):
             counted as skipped, never as passed.
    tag:     "" for a test of its own, counted in the totals; "RUN" for a run
             whose points are counted instead (and that did not fail), "WAIT"
             for a step that only waits. Those lines are shown, not counted.
    point:   the KTAP number of a test point (0 for anything else): the
             points of tests that share `points=` are matched by it.
    """

    name: str
    passed: bool
    reason: str = ""
    skipped: bool = False
    tag: str = ""
    point: int = 0

    @property
    def failed(self) -> bool:
        """Whether it checked something and found it wrong."""
        return not self.passed and not self.skipped

    def line(self) -> str:
        """'PASS name (reason)', 'FAIL name: reason', 'SKIP name: reason', or the same
        with RUN or WAIT for a line that is not counted."""
        if self.skipped:
            return f"SKIP {self.name}: {self.reason or 'skipped'}"
        if self.tag:
            status = f"{self.tag:<4} {self.name}"
            if self.passed:
                return status + (f" ({self.reason})" if self.reason else "")
            return f"{status}: failed: {self.reason or 'failed'}"
        if self.passed:
            return f"PASS {self.name}" + (f" ({self.reason})" if self.reason else "")
        return f"FAIL {self.name}: {self.reason or 'failed'}"


# --------------------------------------------------------------------------
# Judging a run
# --------------------------------------------------------------------------

def evaluate(test: GuestTest, run: Run, iso: str = "") -> list:
    """The results of `run` (of the ISO `iso`): one per KTAP point and script step, then the run's.

    The run's own result checks the exit status, the expect and forbid
    patterns, the test's checks and, for KTAP tests, that the KTAP output is
    well formed. It is a test of its own when the run has no counted points
    (KTAP points or steps that check something), or when it failed: a crash
    or a timeout is one failure beside the points it cut short. Otherwise it
    is shown as RUN.
    """
    problems = check_exit(test, run) + check_patterns(test, run.output)
    for check in test.checks:
        problems += check(run.raw if getattr(check, "raw", False) else run.output,
                          test.machine, iso)
    results = []
    if test.ktap:
        ktap = parse_ktap(run.output)
        results += ktap_results(test.points or test.name, ktap)
        problems += ktap.problems
    checks = {step.name: step.check for step in test.script}
    results += [Result(f"{test.name}/{outcome.name}", outcome.ok, outcome.detail,
                       tag="" if checks.get(outcome.name, True) else "WAIT")
                for outcome in run.steps]
    if test.disk_check:
        problems_found = run.disk_problems if run.disk_problems is not None else \
            ["the disk images were not checked"]
        results.append(Result(f"{test.name}/disk images", not problems_found,
                              "; ".join(problems_found)))
    duration = f"{run.seconds:.1f} s"
    if problems:
        return results + [Result(test.name, False, "; ".join(problems + [duration]))]
    has_points = any(not result.tag for result in results)
    return results + [Result(test.name, True, duration, tag="RUN" if has_points else "")]


def check_exit(test: GuestTest, run: Run) -> list:
    """A problem if the guest did not end the way `test` expects."""
    if test.exit == STOPPED and run.stopped == SCRIPT_FINISHED:
        return []
    if run.timeout or run.stopped:
        return [run.describe()]
    if test.exit == STOPPED:
        return [f"expected the guest to run until the script's end, but {run.describe()}"]
    expected = EXPECTED_STATUS[test.exit]
    if run.status != expected:
        return [f"expected {test.exit} (status {expected}), but {run.describe()}"]
    return []


def check_patterns(test: GuestTest, output: str) -> list:
    """A problem for every expected regex missing and every forbidden one present."""
    problems = [f"expected /{pattern}/ not in the output"
                for pattern in test.expect
                if not re.search(pattern, output, re.MULTILINE)]
    for pattern in test.forbid:
        match = re.search(pattern, output, re.MULTILINE)
        if match:
            problems.append(f"forbidden /{pattern}/ in the output: {line_of(output, match)}")
    return problems


def line_of(text: str, match: re.Match) -> str:
    """The whole line of `text` where `match` starts."""
    start = text.rfind("\n", 0, match.start()) + 1
    end = text.find("\n", match.start())
    return text[start:end if end >= 0 else len(text)].strip()


def ktap_results(prefix: str, ktap) -> list:
    """One result per planned KTAP test point, missing ones counting as failed."""
    results = []
    for point in ktap.points:
        name = f"{prefix}/{point.name}"
        if point.skipped:
            results.append(Result(name, False, point.skip_reason, skipped=True,
                                  point=point.number))
        elif point.ok:
            results.append(Result(name, True, point=point.number))
        else:
            results.append(Result(name, False, point.comment or "not ok", point=point.number))
    results += [Result(f"{prefix}/missing test {number}", False, "never reported",
                       point=number)
                for number in ktap.missing()]
    return results


def merge_points(runs: list) -> list:
    """One result per point of tests sharing `points=`, from `runs`: (test name,
    its point results) in suite order.

    A point fails if it failed on any machine (each one named), passes if it
    passed on at least one and failed on none, and is skipped only if every
    machine skipped it; the machines that skipped it are named either way.
    """
    outcomes = {}
    for machine, results in runs:
        for result in results:
            outcomes.setdefault(result.point, []).append((machine, result))
    merged = []
    for number in sorted(outcomes):
        seen = outcomes[number]
        name = seen[0][1].name
        failed = "; ".join(f"on {machine}: {r.reason}" for machine, r in seen if r.failed)
        skips = "; ".join(f"on {machine}: {r.reason}" for machine, r in seen if r.skipped)
        passed = ", ".join(machine for machine, r in seen if r.passed)
        if failed:
            merged.append(Result(name, False, failed))
        elif passed:
            merged.append(Result(name, True, f"passed on {passed}; skipped {skips}"
                                 if skips else ""))
        else:
            merged.append(Result(name, False, skips, skipped=True))
    return merged


# --------------------------------------------------------------------------
# Running the suite
# --------------------------------------------------------------------------

@dataclass
class Tally:
    """Running totals of passed, failed and skipped results."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0

    def add(self, result: Result):
        """Print `result`'s line and count it, unless it is not a test of its own."""
        print(result.line(), flush=True)
        if result.tag:
            return
        if result.skipped:
            self.skipped += 1
        elif result.passed:
            self.passed += 1
        else:
            self.failed += 1

    def summary(self) -> str:
        """The final line, 'N passed, M failed, K skipped'."""
        return f"{self.passed} passed, {self.failed} failed, {self.skipped} skipped"


def run_test(test: GuestTest, iso: str, log_dir: str) -> tuple:
    """Boot `test` (on its own ISO beside `iso` if it names one); return its results and the run."""
    image = os.path.join(os.path.dirname(iso), test.iso)
    if not os.path.isfile(image):
        return [Result(test.name, False, f"{image} not found (an earlier stage failed)")], None
    log_path = os.path.join(log_dir, f"{test.name}.log")
    kernel = os.path.join(os.path.dirname(iso), "kernel", "iris-kernel")
    run = boot(image, test.machine, test.cmdline, test.timeout, test.idle_timeout, log_path,
               steps=test.script, stop_at_end=test.exit == STOPPED, kernel_elf=kernel,
               disk_check=test.disk_check)
    return evaluate(test, run, image), run


def print_failure_details(test: GuestTest, run: Run, log_dir: str):
    """Show the end of the serial log, QEMU's messages and how to reproduce."""
    log_path = os.path.join(log_dir, f"{test.name}.log")
    lines = run.output.rstrip("\n").split("\n")[-TAIL_LINES:]
    print(f"    --- last {len(lines)} lines of {log_path} ---")
    print("\n".join(f"    | {line}" for line in lines))
    for line in run.stderr.strip().splitlines():
        print(f"    qemu: {line}")
    print(f"    reproduce: {shlex.join(run.command)}", flush=True)


def run_tests(tests: list, iso: str, log_dir: str, jobs: int, tally: Tally):
    """Run `tests`, at most `jobs` at a time, printing results as they finish.

    The points of tests that share `points=` are held until the last of them
    has run, then counted once each (merge_points).
    """
    os.makedirs(log_dir, exist_ok=True)
    pending = {}  # shared points name -> names of its tests still running
    for test in tests:
        if test.points:
            pending.setdefault(test.points, set()).add(test.name)
    held = {}     # shared points name -> [(index in tests, test name, point results)]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(run_test, test, iso, log_dir): test for test in tests}
        for future in as_completed(futures):
            test = futures[future]
            try:
                results, run = future.result()
            except Exception as err:  # a harness bug must not hide the totals
                results, run = [Result(test.name, False, f"harness error: {err!r}")], None
            shared = [result for result in results if result.point] if test.points else []
            for result in results:
                if not result.point or not test.points:
                    tally.add(result)
            if run and any(result.failed for result in results):
                print_failure_details(test, run, log_dir)
            if test.points:
                held.setdefault(test.points, []).append((tests.index(test), test.name, shared))
                pending[test.points].discard(test.name)
                if not pending[test.points]:
                    runs = [(name, points) for _, name, points in sorted(held.pop(test.points))]
                    for result in merge_points(runs):
                        tally.add(result)


def add_extra_results(path: str, tally: Tally):
    """Add the totals another stage wrote as {"passed": N, "failed": M[, "skipped": K]}."""
    try:
        with open(path) as file:
            extra = json.load(file)
        passed, failed = int(extra["passed"]), int(extra["failed"])
        skipped = int(extra.get("skipped", 0))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        tally.add(Result(path, False, f"cannot read extra results: {err}"))
        return
    tally.passed += passed
    tally.failed += failed
    tally.skipped += skipped


def select_tests(patterns: list) -> list:
    """The tests whose names match any of the glob `patterns` (all if none)."""
    if not patterns:
        return TESTS
    unknown = [p for p in patterns if not any(fnmatch.fnmatch(t.name, p) for t in TESTS)]
    if unknown:
        sys.exit(f"suite.py: no test matches {', '.join(unknown)} (see --list)")
    return [t for t in TESTS if any(fnmatch.fnmatch(t.name, p) for p in patterns)]


def missing_prerequisite(iso: str):
    """A failed result if the ISO or QEMU is missing, else None."""
    if not os.path.isfile(iso):
        return Result("iris.iso", False, f"{iso} not found; build it first (./iris build)")
    if not shutil.which(QEMU):
        return Result("qemu", False, f"{QEMU} not found")
    return None


def parse_args(argv: list) -> argparse.Namespace:
    """Parse the runner's command line."""
    parser = argparse.ArgumentParser(description="Run the Iris QEMU test suite.")
    parser.add_argument("--build", default="build", help="build directory (holds iris.iso)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="run only this test (glob patterns allowed; repeatable)")
    parser.add_argument("--jobs", type=int, default=MAX_JOBS,
                        help=f"QEMUs at once (1 to {MAX_JOBS})")
    parser.add_argument("--extra-results", action="append", default=[], metavar="FILE",
                        help="JSON totals from another test stage (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the tests and exit")
    return parser.parse_args(argv)


def main(argv: list) -> int:
    """Run the selected tests and print the totals as the very last line."""
    args = parse_args(argv)
    tests = select_tests(args.only)
    if args.list:
        width = max(len(test.name) for test in tests)
        for test in tests:
            print(f"{test.name:<{width}}  {test.describe()}")
        return 0

    tally = Tally()
    for path in args.extra_results:
        add_extra_results(path, tally)
    iso = os.path.join(args.build, "iris.iso")
    blocker = missing_prerequisite(iso)
    if blocker:
        tally.add(blocker)
    else:
        jobs = min(max(args.jobs, 1), MAX_JOBS)
        run_tests(tests, iso, os.path.join(args.build, "test-logs"), jobs, tally)
    print(tally.summary(), flush=True)
    return 0 if tally.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
