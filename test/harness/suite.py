#!/usr/bin/env python3
"""The QEMU integration tests of Iris, and the runner `./iris test` calls.

    python3 test/harness/suite.py --build build [--only NAME ...] [--jobs 2]
    python3 test/harness/suite.py --list

Each test boots build/iris.iso on one machine and prints one line per result:
`PASS name` or `FAIL name: reason`. The last line is `N passed, M failed`, and
the exit status is 0 only if nothing failed. To add a test, append a GuestTest
to TESTS.
"""

import argparse
import fnmatch
import json
import os
import re
import shlex
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from qemu import EXPECTED_STATUS, QEMU, Disk, Machine, Run, boot, parse_ktap

MAX_JOBS = 2      # the host has two cores: never more than two QEMUs at once
TAIL_LINES = 40   # lines of serial log shown when a test fails


@dataclass(frozen=True)
class GuestTest:
    """One boot of the ISO and what it must produce.

    exit:   how the guest must end, "success" or "panic" (see qemu.EXPECTED_STATUS).
    ktap:   count every KTAP test point as a result of its own, named `name/point`.
    expect: regexes that must all appear in the serial output.
    forbid: regexes that must not appear in it.
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

    def __post_init__(self):
        if self.exit not in EXPECTED_STATUS:
            raise ValueError(f"{self.name}: unknown exit {self.exit!r}")

    def describe(self) -> str:
        """The machine, command line and expected outcome on one line."""
        outcome = self.exit + (" (ktap)" if self.ktap else "")
        return f"{self.machine.describe()}  [{self.cmdline}]  -> {outcome}"


TESTS = [
    GuestTest("kernel-q35-seabios-smp1", "test=kernel", ktap=True,
              machine=Machine("q35", "seabios", smp=1, mem="128M")),
    GuestTest("kernel-pc-seabios-smp4-6g", "test=kernel", ktap=True,
              machine=Machine("pc", "seabios", smp=4, mem="6G")),
    GuestTest("kernel-q35-ovmf-smp2", "test=kernel", ktap=True,
              machine=Machine("q35", "ovmf", smp=2, mem="1G"),
              timeout=300, idle_timeout=120),
    GuestTest("exception", "test=exception", exit="panic",
              machine=Machine("q35", "seabios", smp=2, mem="128M"),
              expect=("EXCEPTION", "RIP", "CR2", "backtrace", "ktest_exception",
                      "stopping all CPUs")),
    GuestTest("no-acpi", "test=boot", exit="panic",
              machine=Machine("pc,acpi=off", "seabios", smp=1, mem="128M"),
              expect=("ACPI",)),
    GuestTest("low-memory", "test=boot", exit="panic",
              machine=Machine("q35", "seabios", smp=1, mem="24M"),
              expect=("32 MiB",)),
    GuestTest("boot-banner", "test=boot",
              machine=Machine("q35", "seabios", smp=2, mem="256M"),
              expect=("Iris", "CPUs?: 2", "memory", "modules?")),
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
        GuestTest("user-channels-smp1", "test=user run=test_channel", ktap=True,
              machine=Machine("q35", "seabios", smp=1, mem="256M")),
            GuestTest("user-chan-stress-smp2", "test=user run=test_chan_stress", ktap=True,
              machine=Machine("q35", "seabios", smp=2, mem="256M"), timeout=120),
    GuestTest("user-ns-smp2", "test=user run=test_ns", ktap=True,
              machine=Machine("q35", "seabios", smp=2, mem="256M")),
    GuestTest("user-spawn-loop", "test=user run=test_spawn", ktap=True,
              machine=Machine("q35", "seabios", smp=2, mem="256M"), timeout=300),
    # Device handles, DMA and interrupts against QEMU's edu device (init passes the bus: `!`).
    GuestTest("device-edu-msi", "test=user run=!test_device", ktap=True,
              machine=Machine("q35", "seabios", smp=2, mem="128M", args=("-device", "edu"))),
    GuestTest("device-edu-intx", "test=user run=!test_device+intx", ktap=True,
              machine=Machine("pc", "seabios", smp=1, mem="128M", args=("-device", "edu"))),
    GuestTest("process-list", "test=user run=test_process", ktap=True,
              machine=Machine("q35", "seabios", smp=2, mem="128M")),
    # SYS_POWER: ACPI S5 through the FADT and the DSDT's \_S5 (QEMU exits 0, not by debug-exit).
    GuestTest("poweroff-q35", "test=user run=test_process+poweroff", ktap=True, exit="poweroff",
              machine=Machine("q35", "seabios", smp=2, mem="128M"),
              expect=(r"power: S5 through ACPI", r"power: turning the machine off")),
    GuestTest("poweroff-pc-ovmf", "test=user run=test_process+poweroff", ktap=True,
              exit="poweroff", machine=Machine("pc", "ovmf", smp=1, mem="256M"),
              expect=(r"power: S5 through ACPI",), timeout=300, idle_timeout=120),
    GuestTest("devmgr-ahci", "test=user run=@!devmgr,test_devmgr+ahci0", ktap=True,
              machine=Machine("q35", "seabios", smp=2, mem="256M", disks=(Disk("1M"),)),
              forbid=(r"crashed on request.*restart \d+ in (?!10 ms)",)),
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
    # 50 crashes of the AHCI driver under a checksummed load with 32 requests in flight.
    GuestTest("blk-restart", "test=user run=@!devmgr,test_blk_restart+ahci0.0+ahci0+50",
              ktap=True, machine=Machine("q35", "seabios", smp=2, mem="256M",
                                         disks=(Disk("64M"),)),
              timeout=150),
    # A program built outside the tree against the installed sysroot (./iris test makes the ISO).
    GuestTest("sysroot-hello", "test=user run=hello", iso="iris-sysroot.iso",
              machine=Machine("q35", "seabios", smp=2, mem="256M"),
              expect=("hello from hello, built against the sysroot", "thread says 42")),
    # A driver built outside the tree (test/sysroot/edu.c) found by its manifest, restarted.
    GuestTest("sysroot-edu-driver", "test=user run=@!devmgr,test_edu", ktap=True,
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
              timeout=240),
    GuestTest("devmgr-supervision", "test=user run=@!devmgr,test_devmgr+edu0", ktap=True,
              iso="iris-sysroot.iso",
              machine=Machine("q35", "seabios", smp=2, mem="128M", args=("-device", "edu")),
              forbid=(r"crashed on request.*restart \d+ in (?!10 ms)",), timeout=240),
    GuestTest("init-services", "test=user run=@test_devmgr+exit+3,test_devmgr+sleep+4000",
              iso="iris-sysroot.iso", machine=Machine("q35", "seabios", smp=2, mem="128M"),
              expect=(r"init: test_devmgr exited with status 3; restart 1 in 10 ms",
                      r"init: test_devmgr exited with status 3; restart 7 in 640 ms",
                      r"init: test_devmgr exited with status 3; given up after 8 quick ends",
                      r"init: test_devmgr exited with status 0")),
    GuestTest("init-starts", "test=user",
              machine=Machine("q35", "seabios", smp=2, mem="256M"),
              expect=("init: Iris init", "init: nothing to run", "init exited with status 0")),
]


@dataclass(frozen=True)
class Result:
    """One counted result: a whole run, or one KTAP test point."""

    name: str
    passed: bool
    reason: str = ""

    def line(self) -> str:
        """'PASS name', 'PASS name (reason)' or 'FAIL name: reason'."""
        if self.passed:
            return f"PASS {self.name}" + (f" ({self.reason})" if self.reason else "")
        return f"FAIL {self.name}: {self.reason or 'failed'}"


# --------------------------------------------------------------------------
# Judging a run
# --------------------------------------------------------------------------

def evaluate(test: GuestTest, run: Run) -> list:
    """The results of `run`: one per KTAP test point, then one for the run.

    The run's own result checks the exit status, the expect and forbid
    patterns and, for KTAP tests, that the KTAP output is well formed.
    """
    problems = check_exit(test, run) + check_patterns(test, run.output)
    results = []
    if test.ktap:
        ktap = parse_ktap(run.output)
        results += ktap_results(test.name, ktap)
        problems += ktap.problems
    duration = f"{run.seconds:.1f} s"
    reason = "; ".join(problems + [duration]) if problems else duration
    return results + [Result(test.name, not problems, reason)]


def check_exit(test: GuestTest, run: Run) -> list:
    """A problem if the guest did not end the way `test` expects."""
    if run.timeout:
        return [run.describe()]
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
        if point.ok:
            results.append(Result(name, True, point.comment if point.skipped else ""))
        else:
            results.append(Result(name, False, point.comment or "not ok"))
    results += [Result(f"{prefix}/missing test {number}", False, "never reported")
                for number in ktap.missing()]
    return results


# --------------------------------------------------------------------------
# Running the suite
# --------------------------------------------------------------------------

@dataclass
class Tally:
    """Running totals of passed and failed results."""

    passed: int = 0
    failed: int = 0

    def add(self, result: Result):
        """Count `result` and print its line."""
        print(result.line(), flush=True)
        if result.passed:
            self.passed += 1
        else:
            self.failed += 1

    def summary(self) -> str:
        """The final line, 'N passed, M failed'."""
        return f"{self.passed} passed, {self.failed} failed"


def run_test(test: GuestTest, iso: str, log_dir: str) -> tuple:
    """Boot `test` (on its own ISO beside `iso` if it names one); return its results and the run."""
    image = os.path.join(os.path.dirname(iso), test.iso)
    if not os.path.isfile(image):
        return [Result(test.name, False, f"{image} not found (an earlier stage failed)")], None
    log_path = os.path.join(log_dir, f"{test.name}.log")
    run = boot(image, test.machine, test.cmdline, test.timeout, test.idle_timeout, log_path)
    return evaluate(test, run), run


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
    """Run `tests`, at most `jobs` at a time, printing results as they finish."""
    os.makedirs(log_dir, exist_ok=True)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(run_test, test, iso, log_dir): test for test in tests}
        for future in as_completed(futures):
            test = futures[future]
            try:
                results, run = future.result()
            except Exception as err:  # a harness bug must not hide the totals
                tally.add(Result(test.name, False, f"harness error: {err!r}"))
                continue
            for result in results:
                tally.add(result)
            if run and not all(result.passed for result in results):
                print_failure_details(test, run, log_dir)


def add_extra_results(path: str, tally: Tally):
    """Add the totals another stage wrote as {"passed": N, "failed": M, "failures": [...]}."""
    try:
        with open(path) as file:
            extra = json.load(file)
        passed, failed = int(extra["passed"]), int(extra["failed"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        tally.add(Result(path, False, f"cannot read extra results: {err}"))
        return
    tally.passed += passed
    tally.failed += failed


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
