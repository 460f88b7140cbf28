"""Unit tests of the QEMU harness, run without QEMU or an ISO:

    python3 -m unittest discover -s test/harness
"""

import contextlib
import io
import json
import os
import re
import socket
import sys
import tempfile
import textwrap
import threading
import time
import unittest
import unittest.mock

import measure
import qemu
import screen
import suite
from qemu import Machine, Run, Script, Step, StepOutcome, parse_ktap, run_command
from suite import GuestTest, evaluate

PASSING_TRANSCRIPT = """\
iris: booting on 2 CPUs\r
\x1b[0m\x1b[37m\x1b[40mKTAP version 1\r
\x1b[2J\x1b[01;01H1..3\r
[pmm] 126 MiB free\r
ok 1 frame_alloc_free\r
ok 2 paging_map\r
ok 3 heap_sizes # SKIP no HPET\r
"""

FAILING_TRANSCRIPT = """\
KTAP version 1
1..5
ok 1 frame_alloc_free
not ok 2 paging_map # paging.c:40: expected x
ok 3 heap_sizes # SKIP no HPET
"""


def fake_run(output: str, status=qemu.EXPECTED_STATUS["success"], timeout=None) -> Run:
    """A Run as boot() would return it, without starting QEMU."""
    return Run(command=["qemu"], status=status, timeout=timeout, timeout_seconds=60,
               seconds=1.5, output=output)


def python(code: str) -> list:
    """A command that runs `code` in a fresh Python interpreter: a fake QEMU."""
    return [sys.executable, "-c", textwrap.dedent(code)]


class KtapParserTest(unittest.TestCase):
    def test_passing_run_with_log_noise_escapes_and_carriage_returns(self):
        ktap = parse_ktap(PASSING_TRANSCRIPT)
        self.assertEqual(ktap.plan, 3)
        self.assertEqual([p.name for p in ktap.points],
                         ["frame_alloc_free", "paging_map", "heap_sizes"])
        self.assertTrue(all(p.ok for p in ktap.points))
        self.assertTrue(ktap.points[2].skipped)
        self.assertEqual(ktap.points[2].comment, "SKIP no HPET")
        self.assertEqual(ktap.points[2].skip_reason, "no HPET")
        self.assertFalse(ktap.points[1].skipped)
        self.assertEqual(ktap.problems, [])
        self.assertEqual(ktap.missing(), [])

    def test_failure_comment_and_missing_points(self):
        ktap = parse_ktap(FAILING_TRANSCRIPT)
        self.assertFalse(ktap.points[1].ok)
        self.assertEqual(ktap.points[1].comment, "paging.c:40: expected x")
        self.assertEqual(ktap.missing(), [4, 5])
        self.assertEqual(ktap.problems, [])

    def test_no_plan_is_a_problem(self):
        ktap = parse_ktap("KTAP version 1\nok 1 a\n")
        self.assertIsNone(ktap.plan)
        self.assertIn("no KTAP plan (1..N) in the output", ktap.problems)

    def test_duplicate_and_out_of_order_points(self):
        ktap = parse_ktap("1..3\nok 1 a\nok 1 a\nok 3 c\n")
        self.assertEqual(ktap.problems,
                         ["test 1 reported twice", "test 3 out of order (after test 1)"])
        self.assertEqual(ktap.missing(), [2])

    def test_point_outside_the_plan(self):
        ktap = parse_ktap("ok 1 a\nok 2 b\n1..1\n")
        self.assertEqual(ktap.problems, ["test 2 outside the plan 1..1"])

    def test_second_plan(self):
        ktap = parse_ktap("1..1\nok 1 a\n1..2\n")
        self.assertEqual(ktap.plan, 1)
        self.assertEqual(ktap.problems, ["KTAP plan given twice (1..1, then 1..2)"])

    def test_indented_subtests_and_look_alikes_are_ignored(self):
        text = "1..1\n    KTAP version 1\n    1..2\n    ok 1 sub\nokay 2 x\nok 1 top\n"
        ktap = parse_ktap(text)
        self.assertEqual([(p.number, p.name) for p in ktap.points], [(1, "top")])
        self.assertEqual(ktap.problems, [])

    def test_tap_style_dash_and_nameless_points(self):
        ktap = parse_ktap("1..2\nok 1 - dashed name\nnot ok 2\n")
        self.assertEqual([p.name for p in ktap.points], ["dashed name", "test 2"])

    def test_not_ok_with_skip_is_a_failure(self):
        point = parse_ktap("1..1\nnot ok 1 a # SKIP no disk\n").points[0]
        self.assertFalse(point.ok)
        self.assertFalse(point.skipped)

    def test_summary(self):
        self.assertEqual(qemu.ktap_summary(parse_ktap(FAILING_TRANSCRIPT)),
                         "KTAP: 5 planned, 1 passed, 3 failed, 1 skipped "
                         "(paging_map; missing test 4; missing test 5)")


class EvaluateTest(unittest.TestCase):
    KTAP_TEST = GuestTest("kernel", "test=kernel", ktap=True)

    def lines(self, test: GuestTest, run: Run) -> list:
        return [result.line() for result in evaluate(test, run)]

    def test_ktap_success_counts_the_points_not_the_run(self):
        results = evaluate(self.KTAP_TEST, fake_run(PASSING_TRANSCRIPT))
        self.assertEqual([result.line() for result in results], [
            "PASS kernel/frame_alloc_free",
            "PASS kernel/paging_map",
            "SKIP kernel/heap_sizes: no HPET",
            "RUN  kernel (1.5 s)",
        ])
        tally = suite.Tally()
        with contextlib.redirect_stdout(io.StringIO()):
            for result in results:
                tally.add(result)
        self.assertEqual(tally.summary(), "2 passed, 0 failed, 1 skipped")

    def test_a_run_without_points_counts_once(self):
        test = GuestTest("boot", "test=boot", expect=("Iris",))
        self.assertEqual(self.lines(test, fake_run("Iris\n")), ["PASS boot (1.5 s)"])
        empty = GuestTest("empty", "test=user", ktap=True)
        self.assertEqual(self.lines(empty, fake_run("1..0\n")), ["PASS empty (1.5 s)"])

    def test_ktap_failures_and_missing_points(self):
        run = fake_run(FAILING_TRANSCRIPT, status=qemu.exit_status(qemu.EXIT_FAILURE))
        self.assertEqual(self.lines(self.KTAP_TEST, run), [
            "PASS kernel/frame_alloc_free",
            "FAIL kernel/paging_map: paging.c:40: expected x",
            "SKIP kernel/heap_sizes: no HPET",
            "FAIL kernel/missing test 4: never reported",
            "FAIL kernel/missing test 5: never reported",
            "FAIL kernel: expected success (status 33), "
            "but QEMU exited with status 35 (tests failed); 1.5 s",
        ])

    def test_ktap_without_plan_fails_the_run(self):
        results = evaluate(self.KTAP_TEST, fake_run("iris: hello\n"))
        self.assertEqual(len(results), 1)
        self.assertFalse(results[0].passed)
        self.assertIn("no KTAP plan", results[0].reason)

    def test_timeouts_are_reported(self):
        test = GuestTest("boot", "test=boot")
        idle = fake_run("x\n", status=None, timeout="no-output")
        self.assertEqual(self.lines(test, idle),
                         ["FAIL boot: no-output timeout: no serial output for 60 s; 1.5 s"])
        overall = Run(["qemu"], None, "overall", 180, 180.2, "x\n")
        self.assertEqual(self.lines(test, overall),
                         ["FAIL boot: overall timeout: still running after 180 s; 180.2 s"])

    def test_triple_fault_is_a_failure(self):
        results = evaluate(GuestTest("boot", "test=boot"), fake_run("", status=0))
        self.assertIn("status 0 (triple fault or shutdown)", results[0].reason)

    def test_expected_panic_with_patterns(self):
        test = GuestTest("exception", "test=exception", exit="panic",
                         expect=("EXCEPTION", "#UD", r"ktest_\w+"), forbid=("KTAP",))
        output = "EXCEPTION #UD at RIP ffff8000\nbacktrace:\n  ktest_exception+0x12\n"
        panic = qemu.EXPECTED_STATUS["panic"]
        self.assertEqual(self.lines(test, fake_run(output, status=panic)),
                         ["PASS exception (1.5 s)"])
        self.assertEqual(
            self.lines(test, fake_run("KTAP version 1\nEXCEPTION\n", status=panic)),
            ["FAIL exception: expected /#UD/ not in the output; expected /ktest_\\w+/ "
             "not in the output; forbidden /KTAP/ in the output: KTAP version 1; 1.5 s"])

    def test_unknown_exit_is_rejected(self):
        with self.assertRaises(ValueError):
            GuestTest("bad", "", exit="crash")


class RunCommandTest(unittest.TestCase):
    def test_exit_status_output_and_lines(self):
        seen, chunks = [], []
        run = run_command(python("""
            import sys
            sys.stdout.write("one\\r\\ntwo\\nthr"); sys.stdout.flush()
            sys.stderr.write("warning\\n")
            sys.stdout.write("ee\\n")
            sys.exit(33)
        """), timeout=10, idle_timeout=10, sink=chunks.append, on_line=seen.append)
        self.assertEqual((run.status, run.timeout), (33, None))
        self.assertEqual(run.output, "one\ntwo\nthree\n")
        self.assertEqual(run.stderr, "warning\n")
        self.assertEqual(seen, ["one", "two", "three"])
        self.assertEqual(b"".join(chunks), b"one\r\ntwo\nthree\n")

    def test_no_output_timeout_kills_the_process(self):
        run = run_command(python("""
            import time
            print("booting", flush=True)
            time.sleep(30)
        """), timeout=20, idle_timeout=0.5)
        self.assertEqual((run.status, run.timeout), (None, "no-output"))
        self.assertEqual(run.output, "booting\n")
        self.assertLess(run.seconds, 10)

    def test_stall_report_joins_the_output_while_the_process_still_runs(self):
        chunks = []
        run = run_command(python("""
            import time
            print("booting", flush=True)
            time.sleep(30)
        """), timeout=20, idle_timeout=0.5, sink=chunks.append,
            on_stall=lambda: "# where the CPUs are\n")
        self.assertEqual(run.timeout, "no-output")
        self.assertEqual(run.output, "booting\n# where the CPUs are\n")
        self.assertEqual(b"".join(chunks), b"booting\n# where the CPUs are\n")

    def test_symbolize_keeps_addresses_it_cannot_name(self):
        self.assertEqual(qemu.symbolize("/nonexistent/kernel", [0xffffffff80001000]),
                         ["0xffffffff80001000"])

    def test_overall_timeout_fires_despite_steady_output(self):
        run = run_command(python("""
            import time
            while True:
                print(".", flush=True)
                time.sleep(0.05)
        """), timeout=1, idle_timeout=0.5)
        self.assertEqual(run.timeout, "overall")
        self.assertEqual(run.describe(), "overall timeout: still running after 1 s")

    def test_closed_stdout_still_times_out(self):
        run = run_command(python("""
            import os, time
            os.close(1); os.close(2)
            time.sleep(30)
        """), timeout=1, idle_timeout=10)
        self.assertEqual(run.timeout, "overall")


class QemuCommandTest(unittest.TestCase):
    def test_defaults(self):
        argv = qemu.qemu_command("build/iris.iso", Machine())
        joined = " ".join(argv)
        for expected in ("-machine q35", "-accel tcg", "-cpu max", "-smp 1", "-m 128M",
                         "-display none", "-serial stdio", "-monitor none", "-no-reboot",
                         "isa-debug-exit,iobase=0xf4,iosize=0x04"):
            self.assertIn(expected, joined)
        self.assertNotIn("-fw_cfg", argv)
        self.assertNotIn("-bios", argv)

    def test_ovmf_cmdline_monitor_and_extra_args(self):
        machine = Machine("pc,acpi=off", "ovmf", smp=4, mem="6G", args=("-device", "e1000"))
        argv = qemu.qemu_command("a,b.iso", machine, "test=kernel,x", "/tmp/m.sock")
        self.assertEqual(argv[argv.index("-machine") + 1], "pc,acpi=off")
        self.assertEqual(argv[argv.index("-bios") + 1], qemu.OVMF)
        self.assertEqual(argv[argv.index("-fw_cfg") + 1],
                         "name=opt/iris/cmdline,string=test=kernel,,x")
        self.assertEqual(argv[argv.index("-monitor") + 1], "unix:/tmp/m.sock,server,nowait")
        self.assertIn("file=a,,b.iso", argv[argv.index("-drive") + 1])
        self.assertEqual(argv[-2:], ["-device", "e1000"])

    def test_exit_convention(self):
        self.assertEqual(qemu.EXPECTED_STATUS, {"success": 33, "panic": 37, "poweroff": 0})
        self.assertEqual(qemu.exit_status(qemu.EXIT_FAILURE), 35)


class DiskImageTest(unittest.TestCase):
    """Disk images the host writes before a run and reads after it."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def path(self, name: str) -> str:
        return os.path.join(self.dir.name, name)

    def test_pattern_is_libcs(self):
        # Words of blk_pattern() as libc/src/blk/blk.c computes them.
        sector = qemu.blk_pattern(5, 1, 7)
        self.assertEqual(len(sector), 512)
        self.assertEqual(sector[:8], (0x438126d8da08ce21).to_bytes(8, "little"))
        self.assertEqual(sector[504:], (0xe79c54bc9c94c923).to_bytes(8, "little"))
        self.assertEqual(qemu.blk_pattern(123456, 1, 0x1215)[8:16],
                         (0x38300fabbb0e392b).to_bytes(8, "little"))
        self.assertEqual(qemu.blk_pattern(4, 3, 7)[512:1024], sector)

    def test_bad_disks_are_refused(self):
        region = qemu.Region
        for bad in (dict(format="vmdk"), dict(format="qcow2", pattern=(region(0, 1, 1),)),
                    dict(format="qcow2", bad_sector=3), dict(pattern=(region(2047, 2, 1),)),
                    dict(pattern=(region(0, 4, 1), region(3, 1, 2))),
                    dict(pattern=(region(5, 0, 1),))):
            with self.assertRaises(ValueError, msg=bad):
                qemu.Disk("1M", **bad)
        self.assertEqual(qemu.Disk("1M", pattern=(region(0, 4, 1), region(4, 1, 2))).describe(),
                         "disk:1M,pattern=2")

    def test_drive_arguments_and_host_written_regions(self):
        regions = (qemu.Region(0, 2, 9), qemu.Region(100, 3, 10))
        machine = Machine("pc", disks=(qemu.Disk("1M", pattern=regions),
                                       qemu.Disk("4M", format="qcow2")))
        argv = qemu.qemu_command("iris.iso", machine, disk_dir=self.dir.name)
        drives = [argv[i + 1] for i, word in enumerate(argv) if word == "-drive"][1:]
        self.assertEqual(drives, [
            f"if=none,id=disk0,format=raw,cache=writeback,file={self.path('disk0.img')}",
            f"if=none,id=disk1,format=qcow2,cache=writeback,file={self.path('disk1.img')}"])
        raw = qemu.Image(machine.disks[0], self.path("disk0.img"))
        self.assertEqual(os.path.getsize(raw.path), 1 << 20)
        self.assertEqual(raw.read(100, 3), qemu.blk_pattern(100, 3, 10))
        self.assertEqual(raw.read(2, 98), bytes(98 * 512))
        self.assertEqual(qemu.image_problems(raw, regions), [])
        empty = qemu.Image(machine.disks[1], self.path("disk1.img"))
        self.assertEqual(empty.read(0, 8192), bytes(4 << 20))
        self.assertEqual(qemu.image_problems(empty, ()), [])

    def devices(self, machine: Machine) -> list:
        argv = qemu.qemu_command("iris.iso", machine, disk_dir=self.dir.name)
        return [argv[i + 1] for i, word in enumerate(argv) if word == "-device"][2:]

    def test_ahci_disks_keep_their_ports(self):
        disks = (qemu.Disk("1M"), qemu.Disk("1M"))
        self.assertEqual(self.devices(Machine("q35", disks=disks)),
                         ["ide-hd,drive=disk0,bus=ide.0", "ide-hd,drive=disk1,bus=ide.1"])
        self.assertEqual(self.devices(Machine("pc", disks=disks)),
                         ["ahci,id=ahci", "ide-hd,drive=disk0,bus=ahci.0",
                          "ide-hd,drive=disk1,bus=ahci.1"])

    def test_nvme_disks(self):
        disk = qemu.Disk
        machine = Machine("pc", disks=(disk("1M", bus="nvme"), disk("2M"),
                                       disk("4M", bus="nvme"), disk("8M", bus="nvme", nsid=3),
                                       disk("1M", bus="nvme"), disk("2M")))
        self.assertEqual(self.devices(machine), [
            "ahci,id=ahci", "nvme,serial=iris-nvme0,drive=disk0", "ide-hd,drive=disk1,bus=ahci.0",
            "nvme,serial=iris-nvme1,id=nvme1", "nvme-ns,drive=disk2,bus=nvme1,nsid=1",
            "nvme-ns,drive=disk3,bus=nvme1,nsid=3", "nvme,serial=iris-nvme2,drive=disk4",
            "ide-hd,drive=disk5,bus=ahci.1"])
        self.assertEqual(qemu.guest_names(machine),
                         ["nvme0.1", "ahci0.0", "nvme1.1", "nvme1.3", "nvme2.1", "ahci0.1"])
        self.assertEqual(machine.disks[3].describe(), "disk:8M,nvme.3")
        self.assertEqual(qemu.parse_disk("nvme.3:8M:5"), disk("8M", 5, bus="nvme", nsid=3))
        self.assertEqual(qemu.parse_disk("nvme:8M"), disk("8M", bus="nvme"))
        # NVMe disks leave the AHCI ports alone
        Machine("q35", disks=tuple(disk("1M") for _ in range(5)) + (disk("1M", bus="nvme"),))

    def test_bad_nvme_disks_are_refused(self):
        disk = qemu.Disk
        for bad in (dict(bus="scsi"), dict(nsid=2), dict(bus="nvme", nsid=0),
                    dict(bus="nvme", nsid=qemu.NVME_NSID_MAX + 1)):
            with self.assertRaises(ValueError, msg=bad):
                disk("1M", **bad)
        for disks in ((disk("1M", bus="nvme", nsid=2),),
                      (disk("1M"), disk("1M", bus="nvme", nsid=2)),
                      (disk("1M", bus="nvme"), disk("1M", bus="nvme", nsid=2),
                       disk("1M", bus="nvme", nsid=2))):
            with self.assertRaises(ValueError, msg=disks):
                Machine(disks=disks)

    def test_image_problems_name_the_first_wrong_sector(self):
        disk = qemu.Disk("1M")
        regions = (qemu.Region(10, 4, 1), qemu.Region(20, 2, 2), qemu.Region(30, 1, 3))
        image = qemu.Image(disk, self.path("d.img"))
        qemu.raw_create(image.path, qemu.Disk("1M", pattern=regions[:2]))
        with open(image.path, "r+b") as file:
            file.seek(12 * 512 + 7)       # a byte of region 10-13's third sector
            file.write(b"\xff")
            file.seek(1500 * 512)         # data where nothing was written
            file.write(b"x")
        self.assertEqual(qemu.image_problems(image, regions), [
            "sectors 10-13 (pattern 1): sector 12 holds other data",
            "sectors 30-30 (pattern 3): sector 30 holds zeros",
            "sector 1500 holds data where the disk must read as zeros"])
        self.assertEqual(len(qemu.image_problems(image, regions, most=1)), 1)

    def test_qcow2_reads_through_its_tables(self):
        cluster = 1 << 16
        image = qemu.Image(qemu.Disk("64M", format="qcow2"), self.path("q.img"))
        qemu.qcow2_create(image.path, 64 << 20)
        with open(image.path, "r+b") as file:  # map guest clusters 1 and 2 by hand
            file.seek(3 * cluster)
            file.write((4 * cluster | 1 << 63).to_bytes(8, "big"))   # L1[0]: L2 at 4
            file.seek(4 * cluster + 8)
            file.write((5 * cluster | 1 << 63).to_bytes(8, "big"))   # L2[1]: data at 5
            file.write((6 * cluster | 1 << 63 | 1).to_bytes(8, "big"))  # L2[2]: zeros
            file.seek(5 * cluster)
            file.write(b"\xab" * cluster)
            file.write(b"\xcd" * cluster)
        self.assertEqual(image.read(127, 2), bytes(512) + b"\xab" * 512)
        self.assertEqual(image.read(255, 2), b"\xab" * 512 + bytes(512))
        with self.assertRaises(ValueError):
            image.read(131071, 2)

    def test_boot_checks_the_images_after_qemu_exits(self):
        # A fake QEMU that writes into its first disk's image, then exits.
        fake = self.path("fake-qemu")
        with open(fake, "w") as file:
            file.write(f"#!{sys.executable}\n" + textwrap.dedent("""\
                import re, sys
                path = re.search(r"id=disk0,.*?file=([^, ]+)", " ".join(sys.argv)).group(1)
                with open(path, "r+b") as image:
                    image.seek(512)
                    image.write(b"written by the guest")
                """))
        os.chmod(fake, 0o755)
        machine = Machine(disks=(qemu.Disk("1M"),))
        seen = []

        def check(images):
            seen.append(images[0].read(1, 1)[:20])
            return ["a problem"]

        with unittest.mock.patch.object(qemu, "QEMU", fake):
            run = qemu.boot("iris.iso", machine, timeout=30, disk_check=check)
        self.assertEqual(seen, [b"written by the guest"])
        self.assertEqual(run.disk_problems, ["a problem"])
        with unittest.mock.patch.object(qemu, "QEMU", fake):
            run = qemu.boot("iris.iso", machine, timeout=30,
                            disk_check=lambda images: images[0].read(5000, 1) and [])
        self.assertIn("cannot read the disk images", run.disk_problems[0])

    def test_disk_check_is_a_result_of_its_own(self):
        test = GuestTest("disks", "test=user", disk_check=lambda images: [])
        run = fake_run("")
        run.disk_problems = []
        self.assertIn("PASS disks/disk images", [r.line() for r in evaluate(test, run)])
        run.disk_problems = ["sector 3 holds zeros", "sector 9 holds other data"]
        self.assertIn("FAIL disks/disk images: sector 3 holds zeros; sector 9 holds other data",
                      [r.line() for r in evaluate(test, run)])
        run.disk_problems = None
        self.assertIn("FAIL disks/disk images: the disk images were not checked",
                      [r.line() for r in evaluate(test, run)])
        self.assertNotIn("disk images", " ".join(
            r.line() for r in evaluate(GuestTest("plain", "test=user"), fake_run(""))))

    def test_image_command_line(self):
        region = qemu.Region(8, 2, 0x10)
        self.assertEqual(suite.image_cmdline("ahci0.1", ("read", region), "flush", "hold"),
                         "test=user run=@!devmgr,test_blk_image+ahci0.1+read:8:2:16+flush+hold")


class RunnerTest(unittest.TestCase):
    def main(self, *argv) -> tuple:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = suite.main(list(argv))
        return status, out.getvalue().splitlines()

    def write_json(self, directory: str, name: str, data) -> str:
        path = os.path.join(directory, name)
        with open(path, "w") as file:
            json.dump(data, file)
        return path

    def test_missing_iso_fails_with_totals_last(self):
        with tempfile.TemporaryDirectory() as build:
            extra = self.write_json(build, "host.json",
                                    {"passed": 12, "failed": 1, "failures": ["queue"]})
            status, lines = self.main("--build", build, "--extra-results", extra)
        self.assertEqual(status, 1)
        self.assertIn("iris.iso not found", lines[0])
        self.assertEqual(lines[-1], "12 passed, 2 failed, 0 skipped")

    def test_extra_results_may_count_skips(self):
        with tempfile.TemporaryDirectory() as build:
            extra = self.write_json(build, "host.json",
                                    {"passed": 3, "failed": 0, "skipped": 2})
            status, lines = self.main("--build", build, "--extra-results", extra)
        self.assertEqual(lines[-1], "3 passed, 1 failed, 2 skipped")  # the ISO is missing

    def test_unreadable_extra_results_count_as_failure(self):
        with tempfile.TemporaryDirectory() as build:
            bad = self.write_json(build, "bad.json", {"passed": 1})
            status, lines = self.main("--build", build, "--extra-results", bad)
        self.assertEqual(status, 1)
        self.assertTrue(lines[0].startswith(f"FAIL {bad}: cannot read extra results"))
        self.assertEqual(lines[-1], "0 passed, 2 failed, 0 skipped")

    def test_list_and_only(self):
        status, lines = self.main("--list", "--only", "kernel-*")
        self.assertEqual(status, 0)
        self.assertEqual([line.split()[0] for line in lines], [
            "kernel-q35-seabios-smp1", "kernel-pc-seabios-smp4-6g", "kernel-q35-ovmf-smp2"])

    def test_unknown_test_name_is_an_error(self):
        with self.assertRaises(SystemExit), contextlib.redirect_stderr(io.StringIO()):
            suite.main(["--only", "nonexistent"])

    def test_test_names_are_unique(self):
        names = [test.name for test in suite.TESTS]
        self.assertEqual(len(names), len(set(names)))


def ktap_output(*points: str) -> str:
    """KTAP with a plan and one line per point ("ok 1 a", "not ok 2 b # why")."""
    return f"KTAP version 1\n1..{len(points)}\n" + "".join(f"{p}\n" for p in points)


class SharedPointsTest(unittest.TestCase):
    """The same points on several machines (points=) count once each."""

    def point(self, machine: str, output: str) -> tuple:
        test = GuestTest(machine, "test=kernel", ktap=True, points="kernel")
        return machine, [r for r in evaluate(test, fake_run(output)) if r.point]

    def test_a_point_passes_only_if_no_machine_failed_it(self):
        runs = [self.point("m1", ktap_output("ok 1 a", "ok 2 b", "ok 3 c # SKIP one CPU")),
                self.point("m2", ktap_output("ok 1 a", "not ok 2 b # x.c:9: expected y",
                                             "ok 3 c"))]
        self.assertEqual([r.line() for r in suite.merge_points(runs)], [
            "PASS kernel/a",
            "FAIL kernel/b: on m2: x.c:9: expected y",
            "PASS kernel/c (passed on m2; skipped on m1: one CPU)",
        ])

    def test_a_point_every_machine_skipped_is_skipped(self):
        runs = [self.point("m1", ktap_output("ok 1 high # SKIP 128 MiB")),
                self.point("m2", ktap_output("ok 1 high # SKIP 1024 MiB"))]
        merged = suite.merge_points(runs)
        self.assertEqual([r.line() for r in merged],
                         ["SKIP kernel/high: on m1: 128 MiB; on m2: 1024 MiB"])
        self.assertTrue(merged[0].skipped and not merged[0].passed)

    def test_points_are_matched_by_number_and_missing_ones_fail(self):
        runs = [self.point("m1", ktap_output("ok 1 list (5 processes)", "ok 2 b")),
                self.point("m2", "1..2\nok 1 list (7 processes)\n")]
        self.assertEqual([r.line() for r in suite.merge_points(runs)], [
            "PASS kernel/list (5 processes)",
            "FAIL kernel/b: on m2: never reported",
        ])

    def test_the_runner_counts_shared_points_once(self):
        tests = [GuestTest(f"k{n}", "test=kernel", ktap=True, points="kernel")
                 for n in (1, 2, 3)] + [GuestTest("boot", "test=boot")]
        outputs = {"k1": ktap_output("ok 1 a", "ok 2 smp # SKIP one CPU"),
                   "k2": ktap_output("ok 1 a", "ok 2 smp"),
                   "k3": ktap_output("ok 1 a", "ok 2 smp"),
                   "boot": ""}

        def fake_run_test(test, iso, log_dir):
            return evaluate(test, fake_run(outputs[test.name])), None

        tally = suite.Tally()
        out = io.StringIO()
        with tempfile.TemporaryDirectory() as logs, contextlib.redirect_stdout(out), \
                unittest.mock.patch.object(suite, "run_test", fake_run_test):
            suite.run_tests(tests, "iris.iso", logs, 2, tally)
        lines = out.getvalue().splitlines()
        self.assertEqual(tally.summary(), "3 passed, 0 failed, 0 skipped")
        self.assertEqual(sorted(line for line in lines if line.startswith("RUN")),
                         ["RUN  k1 (1.5 s)", "RUN  k2 (1.5 s)", "RUN  k3 (1.5 s)"])
        self.assertIn("PASS kernel/smp (passed on k2, k3; skipped on k1: one CPU)", lines)
        self.assertIn("PASS kernel/a", lines)
        self.assertIn("PASS boot (1.5 s)", lines)

    def test_suite_groups_run_one_program(self):
        groups = {}
        for test in suite.TESTS:
            if test.points:
                groups.setdefault(test.points, set()).add(test.cmdline.replace("+poweroff", ""))
        self.assertEqual(set(groups), {"kernel", "test_process"})
        for cmdlines in groups.values():
            self.assertEqual(len(cmdlines), 1)


# --------------------------------------------------------------------------
# Scripts, the monitor and the screen
# --------------------------------------------------------------------------

# A fake guest shell on stdin/stdout: a prompt without a newline (in bold, as
# escapes), echo of what is typed, `echo WORDS`, Ctrl-C, `log` (what it has
# read, in chunks), `poweroff` (exit 0).
FAKE_SHELL = """
    import os, sys
    out = sys.stdout.buffer
    def say(data):
        out.write(data); out.flush()
    say(b"iris: booting\\r\\n\\x1b[1m$ \\x1b[0m")
    line, reads = b"", []
    while True:
        data = os.read(0, 4096)
        if not data:
            break
        reads.append(len(data))
        for byte in data:
            b = bytes([byte])
            if b == b"\\x03":
                say(b"^C\\r\\n$ "); line = b""; continue
            say(b)
            if b != b"\\n":
                line += b; continue
            cmd, line = line.decode("latin-1"), b""
            if cmd.startswith("echo "):
                say(cmd[5:].encode() + b"\\r\\n")
            elif cmd == "log":
                say(b"reads " + repr(reads).encode() + b"\\r\\n")
            elif cmd == "poweroff":
                sys.exit(0)
            say(b"$ ")
"""


def draw(text_rows: list, cols: int, rows: int, fg=b"\xaa\xaa\xaa", bg=b"\x00\x00\x00",
         cursor=None, extra_width: int = 0) -> screen.Image:
    """An image with `text_rows` drawn like fbcon does, the cell `cursor` inverted."""
    width = cols * screen.FONT_WIDTH + extra_width
    pixels = bytearray(bg * (width * rows * screen.FONT_HEIGHT))
    for row, text in enumerate(text_rows):
        for col, bitmap in enumerate(screen.render(text)):
            for y in range(screen.FONT_HEIGHT):
                for x in range(screen.FONT_WIDTH):
                    lit = bool(bitmap[y] & (0x80 >> x))
                    if cursor == (col, row):
                        lit = not lit
                    offset = (((row * screen.FONT_HEIGHT + y) * width) +
                              col * screen.FONT_WIDTH + x) * 3
                    pixels[offset:offset + 3] = fg if lit else bg
    return screen.Image(width, rows * screen.FONT_HEIGHT, bytes(pixels))


class FakeMonitor:
    """A QEMU human monitor on a unix socket: records commands, echoes them like
    QEMU 7.2 does (redrawn after each character), saves `self.image` for
    screendump, refuses unknown keys."""

    def __init__(self, directory: str):
        self.path = os.path.join(directory, "monitor.sock")
        self.commands = []
        self.image = draw([], 4, 2)
        self.server = socket.socket(socket.AF_UNIX)
        self.server.bind(self.path)
        self.server.listen(1)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"QEMU 7.2 monitor - type 'help' for more information\r\n(qemu) ")
                pending = b""
                while True:
                    data = conn.recv(4096)
                    if not data:
                        break
                    pending += data
                    while b"\n" in pending:
                        line, pending = pending.split(b"\n", 1)
                        echo = b"".join(line[:n] + b"\x1b[K" + b"\x1b[D" * n
                                        for n in range(1, len(line)))
                        conn.sendall(echo + line + b"\x1b[K\r\n" + self.reply(line.decode()) +
                                     b"(qemu) ")

    def reply(self, line: str) -> bytes:
        self.commands.append(line)
        words = line.split()
        if words[0] == "sendkey" and "bogus" in words[1]:
            return b"invalid parameter: bogus\r\n"
        if words[0] == "screendump":
            with open(words[1], "wb") as file:
                file.write(screen.make_ppm(self.image))
        return b""

    def close(self):
        self.server.close()


class KeyNamesTest(unittest.TestCase):
    def test_text_letters_digits_and_punctuation(self):
        self.assertEqual(qemu.key_names("Hi 5!\n"),
                         ["shift-h", "i", "spc", "5", "shift-1", "ret"])
        self.assertEqual(qemu.key_names("a-b_c|~/"),
                         ["a", "minus", "b", "shift-minus", "c", "shift-backslash",
                          "shift-grave_accent", "slash"])

    def test_control_characters_and_escape_sequences(self):
        self.assertEqual(qemu.key_names("\x03\x04\t\b\x7f"),
                         ["ctrl-c", "ctrl-d", "tab", "backspace", "backspace"])
        self.assertEqual(qemu.key_names("\x1b[A\x1b[D\x1b[3~\x1bx"),
                         ["up", "left", "delete", "esc", "x"])

    def test_untypable_character(self):
        with self.assertRaises(ValueError):
            qemu.key_names("caf\u00e9")
        with self.assertRaises(ValueError):
            qemu.key_names("\x00")


class StepTest(unittest.TestCase):
    def test_bad_steps_are_refused(self):
        for kwargs in ({"via": "telepathy"}, {"pattern": "("},
                       {"via": "keyboard", "text": b"x"}, {"via": "keyboard", "text": "\u00e9"},
                       {"text": "\u20ac"}):
            with self.subTest(kwargs=kwargs), self.assertRaises(ValueError):
                Step("bad", **kwargs)

    def test_text_is_one_byte_per_character_in_pieces(self):
        self.assertEqual(Step("s", text="a\x03\xffbcd").pieces(None),
                         ([b"a\x03\xffb", b"cd"], qemu.TYPE_INTERVAL))
        self.assertEqual(Step("s", text=b"\x00\x80", via="burst").pieces(None),
                         ([b"\x00\x80"], 0))
        self.assertEqual(Step("s", text="Ab", via="keyboard").pieces(None),
                         (["shift-a", "b"], qemu.KEY_INTERVAL))

    def test_text_made_from_the_match(self):
        step = Step("kill", r"(\d+) spin", lambda match: f"kill {match.group(1)}\n")
        self.assertEqual(step.pieces(re.search(step.pattern, "  42 spin")),
                         ([b"kill", b" 42\n"], qemu.TYPE_INTERVAL))


class ScriptFeedTest(unittest.TestCase):
    """The matching, without a process: output fed by hand."""

    def script(self, *steps) -> Script:
        script = Script(steps)
        read, write = os.pipe()
        self.addCleanup(os.close, read)
        self.addCleanup(os.close, write)
        os.set_blocking(read, False)  # a missing write fails the test instead of hanging it
        self.read_fd = read
        script.attach(write, 100.0)
        return script

    def test_pattern_across_chunks_escapes_and_no_newline(self):
        script = self.script(Step("prompt", r"^\$ $", "ls\n"))
        for chunk in (b"boot\r\n\x1b", b"[1", b"m$", b" \x1b[0m"):
            script.feed(chunk, 101.0)
        self.assertEqual(script.outcomes, [StepOutcome("prompt", True, "at 1.0 s")])
        script.tick(101.0)
        self.assertEqual(os.read(self.read_fd, 100), b"ls\n")

    def test_utf8_split_across_chunks(self):
        script = self.script(Step("degrees", "20\u00b0C"))
        text = "20\u00b0C".encode()
        script.feed(text[:3], 101.0)
        script.feed(text[3:], 101.0)
        self.assertTrue(script.outcomes[0].ok)

    def test_a_match_consumes_the_output(self):
        script = self.script(Step("first", r"\$ "), Step("second", r"\$ "))
        script.feed(b"$ ", 101.0)
        self.assertEqual([o.name for o in script.outcomes], ["first"])
        script.feed(b"x\n$ ", 102.0)
        self.assertEqual([o.name for o in script.outcomes], ["first", "second"])
        self.assertEqual(script.stop_reason(), "")

    def test_a_text_function_that_fails_fails_its_step(self):
        script = self.script(Step("pid", r"pid (\d+)", lambda match: match.group(2)))
        script.feed(b"pid 7", 101.0)
        self.assertEqual(script.outcomes, [StepOutcome(
            "pid", False, "its text could not be made: IndexError('no such group')")])
        self.assertEqual(script.stop_reason(), "step 'pid' failed")

    def test_one_chunk_can_complete_several_steps(self):
        script = self.script(Step("a", "A"), Step("b", "B"), Step("c", "C"))
        script.feed(b"A B C", 101.0)
        self.assertEqual(len(script.outcomes), 3)

    def test_timeout_fails_the_step_and_the_rest_are_not_reached(self):
        script = self.script(Step("prompt", r"\$ ", timeout=5), Step("later"))
        script.feed(b"booting...", 101.0)
        script.tick(104.0)
        self.assertEqual(script.outcomes, [])
        self.assertAlmostEqual(script.wake_time(), 105.001)
        script.tick(105.5)
        self.assertEqual(script.stop_reason(), "step 'prompt' failed")
        script.finish("stopped")
        self.assertEqual(script.outcomes, [
            StepOutcome("prompt", False, "/\\$ / not seen within 5 s; output since the "
                                         "previous step ends 'booting...'"),
            StepOutcome("later", False, "not reached (step 'prompt' failed)")])

    def test_the_end_of_the_run_fails_the_waiting_step(self):
        script = self.script(Step("prompt", r"\$ "))
        script.finish("QEMU exited with status 0")
        self.assertEqual(script.outcomes, [StepOutcome(
            "prompt", False, "QEMU exited with status 0 before /\\$ / appeared; "
                             "no output since the previous step")])

    def test_typing_pace_and_the_next_steps_clock(self):
        script = self.script(Step("type", "", "abcdefghij"), Step("next", "never", timeout=1))
        self.assertEqual([data for _, _, data in script.queue], [b"abcd", b"efgh", b"ij"])
        for n, (_, due, _) in enumerate(script.queue):
            self.assertAlmostEqual(due, 100.0 + n * qemu.TYPE_INTERVAL)
        self.assertAlmostEqual(script.step_start, 100.0 + 2 * qemu.TYPE_INTERVAL)
        script.tick(100.0)
        self.assertEqual(os.read(self.read_fd, 100), b"abcd")
        script.tick(100.0 + 2 * qemu.TYPE_INTERVAL)
        self.assertEqual(os.read(self.read_fd, 100), b"efghij")
        script.tick(100.5)  # within `next`'s timeout, counted from the last chunk typed
        self.assertEqual(script.stop_reason(), "")

    def test_delay_before_typing(self):
        script = self.script(Step("wait", "", "\x03", delay=2), Step("next", "x", timeout=1))
        self.assertEqual(script.queue[0][1:], (102.0, b"\x03"))
        script.tick(101.9)
        self.assertEqual(script.queue[0][1:], (102.0, b"\x03"))
        script.tick(102.5)
        self.assertEqual(os.read(self.read_fd, 10), b"\x03")
        self.assertEqual(script.stop_reason(), "")

    def test_quiet_waits_for_the_output_to_stop(self):
        script = self.script(Step("settle", "x", "\x03", quiet=2), Step("next", "y"))
        script.feed(b"x", 101.0)
        self.assertEqual(script.outcomes, [])
        script.feed(b"more", 102.0)
        self.assertAlmostEqual(script.wake_time(), 104.0)
        script.tick(103.9)
        self.assertEqual(script.outcomes, [])
        script.tick(104.0)
        self.assertEqual(script.outcomes, [StepOutcome("settle", True, "at 4.0 s")])
        self.assertEqual(os.read(self.read_fd, 10), b"\x03")

    def test_output_that_never_stops_fails_a_quiet_step(self):
        script = self.script(Step("settle", "", quiet=2, timeout=5))
        for second in range(101, 107):
            script.feed(b".", float(second))
            script.tick(float(second))
        self.assertEqual(script.outcomes, [StepOutcome(
            "settle", False, "the output was never quiet for 2 s within 5 s")])

    def test_a_delay_without_text_delays_what_follows(self):
        script = self.script(Step("pause", "", delay=3), Step("type", "", "x"))
        self.assertEqual(script.queue[0][1:], (103.0, b"x"))

    def test_burst_is_one_write(self):
        script = self.script(Step("burst", "", "x" * 5000, via="burst"))
        self.assertEqual([data for _, _, data in script.queue], [b"x" * 5000])
        script.tick(100.0)
        self.assertEqual(len(os.read(self.read_fd, 10000)), 5000)

    def test_a_full_pipe_is_retried(self):
        script = self.script(Step("burst", "", b"y" * (1 << 20), via="burst"))
        script.tick(100.0)
        first = len(os.read(self.read_fd, 1 << 20))
        self.assertLess(first, 1 << 20)
        self.assertEqual(len(script.queue), 1)
        self.assertEqual(len(script.queue[0][2]), (1 << 20) - first)

    def test_stop_at_end_waits_for_the_typing(self):
        script = Script([Step("last", "", "bye")], stop_at_end=True)
        read, write = os.pipe()
        self.addCleanup(os.close, read)
        self.addCleanup(os.close, write)
        script.attach(write, 100.0)
        self.assertEqual(script.stop_reason(), "")
        script.tick(100.0)
        self.assertEqual(script.stop_reason(), qemu.SCRIPT_FINISHED)


class ScriptRunTest(unittest.TestCase):
    """Scripts against a fake guest shell running as a process."""

    def run_shell(self, steps, stop_at_end=False, timeout=20) -> Run:
        return run_command(python(FAKE_SHELL), timeout=timeout, idle_timeout=10,
                           script=Script(steps, stop_at_end=stop_at_end))

    def test_a_session(self):
        run = self.run_shell([
            Step("prompt", r"\$ $", "echo hello world\n"),
            Step("echo", r"^hello world$"),
            Step("prompt again", r"\$ $", "sleep\x03"),
            Step("ctrl-c", r"\^C\n\$ $", "poweroff\n"),
        ])
        self.assertEqual((run.status, run.timeout, run.stopped), (0, None, ""))
        self.assertEqual([o.ok for o in run.steps], [True] * 4, run.steps)
        self.assertIn("$ echo hello world\nhello world\n$ sleep^C\n$ poweroff\n", run.output)

    def test_typed_text_arrives_in_small_pieces_and_a_burst_at_once(self):
        run = self.run_shell([
            Step("prompt", r"\$ $", "echo " + "z" * 40 + "\n"),
            Step("typed", r"\$ $", "log\n"),
            Step("reads", r"reads \[(.*)\]\n\$ $", "echo " + "w" * 40 + "\nlog\n", via="burst"),
            Step("burst", r"reads \[.*\]"),
        ], stop_at_end=True)
        self.assertTrue(all(o.ok for o in run.steps), run.steps)
        logs = [line for line in run.output.split("\n") if line.startswith("reads")]
        typed = eval(logs[0][6:])  # the sizes of the fake's reads, e.g. [4, 4, ...]
        self.assertGreaterEqual(len(typed), 10)
        self.assertLessEqual(max(typed), qemu.TYPE_CHUNK)
        burst = eval(logs[1][6:])[len(typed):]
        self.assertIn(len("echo " + "w" * 40 + "\nlog\n"), burst)

    def test_stop_at_end_ends_a_guest_that_would_run_on(self):
        run = self.run_shell([Step("prompt", r"\$ ", "echo hi\n"), Step("echo", "^hi$")],
                             stop_at_end=True)
        self.assertEqual((run.status, run.timeout, run.stopped),
                         (None, None, qemu.SCRIPT_FINISHED))
        self.assertEqual(run.describe(), "stopped by the harness: the script finished")
        self.assertLess(run.seconds, 10)

    def test_a_failing_step_stops_the_run_at_once(self):
        run = self.run_shell([Step("prompt", r"\$ ", "echo hi\n"),
                              Step("never", "^bye$", timeout=0.5), Step("after", "")])
        self.assertEqual(run.stopped, "step 'never' failed")
        self.assertLess(run.seconds, 10)
        self.assertEqual([o.ok for o in run.steps], [True, False, False])
        self.assertIn("/^bye$/ not seen within 0.5 s; output since the previous step ends "
                      "'echo hi\\nhi\\n$ '", run.steps[1].detail)

    def test_the_guest_ending_early_fails_the_waiting_step(self):
        run = self.run_shell([Step("prompt", r"\$ ", "poweroff\n"), Step("more", "x")])
        self.assertEqual(run.status, 0)
        self.assertEqual(run.steps[1], StepOutcome(
            "more", False, "QEMU exited with status 0 before /x/ appeared; "
                           "output since the previous step ends 'poweroff\\n'"))


class MonitorScriptTest(unittest.TestCase):
    """Keyboard steps and screen checks against a fake monitor."""

    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.dir = tmp.name
        self.monitor = FakeMonitor(self.dir)
        self.addCleanup(self.monitor.close)

    def script(self, *steps) -> Script:
        script = Script(steps, self.monitor.path, os.path.join(self.dir, "shot.ppm"))
        read, write = os.pipe()
        self.addCleanup(os.close, read)
        self.addCleanup(os.close, write)
        script.attach(write, time.monotonic())
        self.addCleanup(script.finish, "test over")
        return script

    def test_monitor_command_output_without_echo_and_prompt(self):
        monitor = qemu.Monitor(self.monitor.path)
        self.addCleanup(monitor.close)
        self.assertEqual(monitor.command("sendkey a 30"), "")
        self.assertEqual(monitor.command("sendkey bogus"), "invalid parameter: bogus")

    def test_keyboard_steps_send_keys_one_at_a_time(self):
        script = self.script(Step("type", "", "Ls\n", via="keyboard"))
        due = [due for _, due, _ in script.queue]
        self.assertAlmostEqual(due[2] - due[0], 2 * qemu.KEY_INTERVAL)
        script.tick(due[0])
        self.assertEqual(self.monitor.commands, [f"sendkey shift-l {qemu.KEY_HOLD_MS}"])
        script.tick(due[2])
        self.assertEqual(self.monitor.commands[1:], [f"sendkey s {qemu.KEY_HOLD_MS}",
                                                     f"sendkey ret {qemu.KEY_HOLD_MS}"])

    def test_a_refused_key_fails_the_step_that_typed_it(self):
        script = self.script(Step("type", "", "x", via="keyboard"), Step("next", "never"))
        script.queue[0] = (0, script.queue[0][1], "bogus")
        script.tick(time.monotonic())
        self.assertEqual(script.outcomes[0],
                         StepOutcome("type", False, "sendkey bogus: invalid parameter: bogus"))
        self.assertEqual(script.stop_reason(), "step 'type' failed")

    def test_screen_check_passes_once_the_text_is_drawn(self):
        script = self.script(Step("prompt", r"\$ ", screen="$ ", screen_last=1, timeout=30),
                             Step("after", "done"))
        self.monitor.image = draw(["Iris"], 10, 3)
        script.feed(b"$ ", time.monotonic())
        self.assertEqual(script.outcomes, [])  # waits for the screen
        script.tick(time.monotonic())
        self.assertEqual(script.outcomes, [])
        self.assertEqual(script.screen_seen, ["Iris"])
        self.monitor.image = draw(["Iris", "$ "], 10, 3, cursor=(2, 1))
        script.tick(script.screen_due)
        self.assertEqual([o.name for o in script.outcomes], ["prompt"])
        self.assertTrue(os.path.exists(os.path.join(self.dir, "shot.ppm")))

    def test_screen_check_timeout_shows_the_screen(self):
        self.monitor.image = draw(["Iris", "ok"], 10, 3)
        script = self.script(Step("prompt", "", screen="$ ", timeout=0.2))
        script.tick(time.monotonic())
        time.sleep(0.3)
        script.tick(time.monotonic())
        self.assertEqual(script.outcomes, [StepOutcome(
            "prompt", False, "'$ ' not on the screen within 0.2 s; it shows: Iris | ok")])

    def test_a_blank_screen_is_reported_as_such(self):
        script = self.script(Step("prompt", "", screen="$ ", timeout=0.2))
        time.sleep(0.3)
        script.tick(time.monotonic())
        self.assertEqual(script.outcomes[0].detail,
                         "'$ ' not on the screen within 0.2 s; it shows: a blank screen")

    def test_screen_steps_need_a_monitor(self):
        script = Script([Step("prompt", "", screen="$ ")])
        read, write = os.pipe()
        self.addCleanup(os.close, read)
        self.addCleanup(os.close, write)
        script.attach(write, time.monotonic())
        script.tick(time.monotonic())
        self.assertEqual(script.outcomes[0].detail,
                         "the step needs QEMU's monitor, and the run has none")


class ScreenTest(unittest.TestCase):
    def test_font_is_the_consoles(self):
        glyphs = screen.font()
        self.assertEqual(len(glyphs), 96)  # printable ASCII and the unknown box
        self.assertEqual(glyphs["!"][4:14], (8, 8, 8, 8, 8, 8, 8, 0, 8, 8))
        self.assertEqual(glyphs[" "], screen.BLANK)
        self.assertEqual(len(set(glyphs.values())), 96)  # every glyph reads back
        self.assertEqual(screen.glyph("\x01"), glyphs[None])

    def test_bad_font_tables(self):
        with self.assertRaisesRegex(ValueError, "has 2 rows"):
            screen.parse_font("/* 0x41 'A' */ { 0x00, 0x01 }")
        with self.assertRaisesRegex(ValueError, "incomplete"):
            screen.parse_font("/* 0x41 'A' */ {" + " 0x00," * 16 + "}")

    def test_ppm_round_trip_and_bad_images(self):
        image = draw(["ab"], 3, 1)
        self.assertEqual(screen.parse_ppm(screen.make_ppm(image)), image)
        commented = b"P6\n# QEMU\n2 1\n255\n" + b"\x01" * 6
        self.assertEqual(screen.parse_ppm(commented).rgb, b"\x01" * 6)
        for bad in (b"P3\n1 1\n255\n\x00\x00\x00", b"P6\n1 1\n65535\n" + b"\x00" * 6,
                    b"P6\n2 2\n255\n\x00", b"P6\n1", b"", b"P6\n0 1\n255\n"):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                screen.parse_ppm(bad)

    def test_reads_text_in_any_colours(self):
        image = draw(["Iris 0.1", "", "$ echo hi", "hi", "$ "], 16, 8,
                     fg=b"\x10\xff\x10", bg=b"\x00\x00\x80", cursor=(2, 4), extra_width=5)
        shot = screen.Screen(image)
        self.assertEqual((shot.cols, shot.rows), (16, 8))
        self.assertEqual(shot.lines()[:5], ["Iris 0.1", "", "$ echo hi", "hi", "$"])
        self.assertEqual(shot.find("echo hi"), (2, 2))
        self.assertEqual(shot.find("$ ", last=1), (0, 4))
        self.assertEqual(shot.find("hi", last=2), (0, 3))
        self.assertIsNone(shot.find("Iris", last=3))
        self.assertIsNone(shot.find("echo ho"))
        self.assertEqual(shot.tail(2), ["hi", "$"])

    def test_reverse_video_and_the_cursor_on_a_letter(self):
        shot = screen.Screen(draw(["abc"], 4, 1, cursor=(1, 0)))
        self.assertEqual(shot.lines(), ["abc"])
        self.assertEqual(shot.find("abc"), (0, 0))

    def test_a_cell_of_three_colours_matches_nothing(self):
        image = draw(["x"], 2, 1)
        rgb = bytearray(image.rgb)
        rgb[0:3] = b"\x12\x34\x56"
        shot = screen.Screen(screen.Image(image.width, image.height, bytes(rgb)))
        self.assertEqual(shot.lines(), [screen.UNKNOWN_CHAR])
        self.assertIsNone(shot.find("x"))

    def test_a_glyph_is_not_a_space(self):
        shot = screen.Screen(draw(["a b"], 4, 1))
        self.assertIsNone(shot.find("   "))
        self.assertEqual(shot.find(" b"), (1, 0))


class ScriptEvaluateTest(unittest.TestCase):
    STEPS = (Step("prompt", r"\$ ", check=False), Step("echo", "hi"))

    def test_checking_steps_count_waits_and_the_run_do_not(self):
        test = GuestTest("sh", "run=@sh", exit="stopped", script=self.STEPS)
        run = fake_run("$ hi\n", status=None)
        run.stopped = qemu.SCRIPT_FINISHED
        run.steps = [StepOutcome("prompt", True, "at 9.3 s"),
                     StepOutcome("echo", True, "at 9.9 s")]
        results = evaluate(test, run)
        self.assertEqual([r.line() for r in results], [
            "WAIT sh/prompt (at 9.3 s)", "PASS sh/echo (at 9.9 s)", "RUN  sh (1.5 s)"])
        self.assertEqual([r.tag for r in results], ["WAIT", "", "RUN"])

    def test_a_script_of_waits_counts_the_run(self):
        test = GuestTest("sh", "run=@sh", exit="poweroff", script=self.STEPS[:1])
        run = fake_run("$ ", status=0)
        run.steps = [StepOutcome("prompt", True, "at 9.3 s")]
        self.assertEqual([r.line() for r in evaluate(test, run)], [
            "WAIT sh/prompt (at 9.3 s)", "PASS sh (1.5 s)"])

    def test_a_failed_step_fails_the_run(self):
        test = GuestTest("sh", "run=@sh", exit="poweroff", script=self.STEPS)
        run = fake_run("$ ", status=None)
        run.stopped = "step 'echo' failed"
        run.steps = [StepOutcome("prompt", True, "at 1.0 s"),
                     StepOutcome("echo", False, "/hi/ not seen within 60 s")]
        self.assertEqual([r.line() for r in evaluate(test, run)], [
            "WAIT sh/prompt (at 1.0 s)", "FAIL sh/echo: /hi/ not seen within 60 s",
            "FAIL sh: stopped by the harness: step 'echo' failed; 1.5 s"])

    def test_a_failed_wait_is_shown_and_fails_the_run(self):
        test = GuestTest("sh", "run=@sh", exit="poweroff", script=self.STEPS)
        run = fake_run("", status=None)
        run.stopped = "step 'prompt' failed"
        run.steps = [StepOutcome("prompt", False, "/\\$ / not seen within 60 s"),
                     StepOutcome("echo", False, "not reached (step 'prompt' failed)")]
        results = evaluate(test, run)
        self.assertEqual([r.line() for r in results], [
            "WAIT sh/prompt: failed: /\\$ / not seen within 60 s",
            "FAIL sh/echo: not reached (step 'prompt' failed)",
            "FAIL sh: stopped by the harness: step 'prompt' failed; 1.5 s"])
        self.assertEqual([r.tag for r in results], ["WAIT", "", ""])

    def test_a_step_that_checks_nothing_must_say_so(self):
        with self.assertRaises(ValueError):
            GuestTest("sh", "run=@sh", exit="stopped", script=(Step("type", "", "x"),))
        GuestTest("sh", "run=@sh", exit="stopped", script=(Step("type", "", "x", check=False),))
        GuestTest("sh", "run=@sh", exit="stopped", script=(Step("look", "", screen="$ "),))

    def test_prompt_steps_are_waits_unless_they_check(self):
        self.assertFalse(suite.prompt("p", "ls\n").check)
        self.assertTrue(suite.prompt("p", screen="$ ").check)
        self.assertTrue(suite.prompt("p", timeout=15, check=True).check)

    def test_stopped_expects_the_guest_to_run_on(self):
        test = GuestTest("sh", "run=@sh", exit="stopped", script=self.STEPS)
        results = evaluate(test, fake_run("", status=0))
        self.assertEqual(results[-1].line(), "FAIL sh: expected the guest to run until the "
                         "script's end, but QEMU exited with status 0 (triple fault or "
                         "shutdown); 1.5 s")

    def test_bad_script_tests_are_refused(self):
        with self.assertRaises(ValueError):
            GuestTest("sh", "run=@sh", exit="stopped")
        with self.assertRaises(ValueError):
            GuestTest("sh", "run=@sh", script=(Step("a"), Step("a")))


class ShellTestsTest(unittest.TestCase):
    def test_garbage_never_ends_the_line_or_the_shell(self):
        data = suite.garbage(2000, 7)
        self.assertEqual(len(data), 2000)
        self.assertFalse(set(data) & set(b"\r\n\x03\x04"))
        self.assertGreater(len(set(data)), 200)
        self.assertEqual(data, suite.garbage(2000, 7))

    def test_one_shell_across_console_restarts(self):
        listing = "  PID  PPID STATE     THREADS    CPU ms   MEM KiB HANDLES  NAME\n" \
                  "    1     0 sleeping        1        17       104      55  init\n" \
                  "    {pid}     1 sleeping        1        97       152      55  sh\n" \
                  "    9     {pid} sleeping        1        21       108      52  test_terminal\n"
        machine = Machine("q35", "seabios", smp=2, mem="256M")
        same = "tick 1\n".join(listing.format(pid=4) for _ in range(3))
        self.assertEqual(suite.check_one_shell(same, machine, ""), [])
        restarted = listing.format(pid=4) * 2 + listing.format(pid=14)
        self.assertIn("pids 4, 4, 14", suite.check_one_shell(restarted, machine, "")[0])
        self.assertIn("found 2", suite.check_one_shell(listing.format(pid=4) * 2, machine, "")[0])


# init restarts a service after 10 ms, devmgr a driver (instance ps20 of ps2) after 20 ms.
SUPERVISED = """\
proc: pid 3 (svc) started at 100.000 ms\r
proc: pid 4 (ps2) started at 101.500 ms
proc: pid 3 (svc) ended at 150.250 ms
init: svc exited with status 3; restart 1 in 10 ms
proc: pid 5 (svc) started at 161.000 ms
proc: pid 4 (ps2) ended at 200.000 ms
devmgr: ps20 (pid 4) crashed on request: CPU exception 14; restart 1 in 20 ms
proc: pid 6 (ps2) started at 220.100 ms
"""

BANNER = """\
\x1b[5;3H*Iris      \x1b[m
  Booting `Iris'
frame: 243 MiB in 4 regions, 8 KiB of bitmaps at 0xffdd000
Iris 0.1.0 ready. CPUs: 2 online, memory: 255 MiB usable (242 MiB free), modules: 2
  module 0: init (218 KiB)
  module 1: ns (192 KiB)
"""

MEM = """\
frame: 243 MiB in 4 regions, 8 KiB of bitmaps at 0xffdd000
iris$ mem\r
   total KiB     used KiB     free KiB\r
      249440        13068       236372\r
3267 of 62360 pages (4 KiB) in use, 5%\r
"""


class MeasureTest(unittest.TestCase):
    MACHINE = Machine("q35", "seabios", smp=2, mem="256M")

    def test_honest_restarts_are_measured(self):
        measured, problems = measure.restart_delays(SUPERVISED)
        self.assertEqual(problems, [])
        self.assertEqual([(announced, round(delay, 3)) for _, announced, delay in measured],
                         [(10.0, 10.75), (20.0, 20.1)])
        self.assertEqual(measure.check_restarts(2)(SUPERVISED, self.MACHINE, ""), [])

    def test_a_restart_at_once_is_caught(self):
        early = SUPERVISED.replace("161.000", "151.000")
        problems = measure.check_restarts(2)(early, self.MACHINE, "")
        self.assertEqual(len(problems), 1)
        self.assertIn("pid 5 started 0.750 ms after pid 3 ended, not 10", problems[0])

    def test_a_restart_far_too_late_is_caught(self):
        late = SUPERVISED.replace("220.100", "5000.000")
        self.assertIn("far more than 20", measure.restart_delays(late)[1][0])

    def test_a_restart_without_an_end_is_caught(self):
        problems = measure.restart_delays(SUPERVISED.replace("(pid 4)", "(pid 9)"))[1]
        self.assertEqual(len(problems), 1)
        self.assertIn("no process end", problems[0])

    def test_too_few_restarts_measured(self):
        pending = SUPERVISED.rsplit("proc:", 1)[0]  # the run ends before ps2 starts again
        self.assertEqual(len(measure.restart_delays(pending)[0]), 1)
        self.assertIn("1 restarts measured",
                      measure.check_restarts(2)(pending, self.MACHINE, "")[0])
        self.assertIn("0 restarts measured", measure.check_restarts(1)("", self.MACHINE, "")[0])

    def test_banner_numbers(self):
        modules = ("init", "ns")
        self.assertEqual(measure.banner_problems(BANNER, self.MACHINE, modules), [])
        self.assertEqual(measure.banner_problems(
            BANNER, Machine("q35", "seabios", smp=4, mem="1G"), modules),
            ["the banner says 2 CPUs online, QEMU has -smp 4",
             "the banner says 255 MiB usable, QEMU has -m 1G"])
        zero = BANNER.replace("255 MiB usable", "0 MiB usable").replace("modules: 2",
                                                                        "modules: 0")
        self.assertEqual(len(measure.banner_problems(zero, self.MACHINE, modules)), 3)
        self.assertIn("first difference at 1: [(1, 'ns')] against [(1, 'vfs')]",
                      measure.banner_problems(BANNER, self.MACHINE, ("init", "vfs"))[0])

    def test_grub_menu_is_not_a_banner(self):
        menu = BANNER.split("frame:")[0]
        self.assertIn("0 lines", measure.banner_problems(menu, self.MACHINE, ())[0])

    def test_mem_numbers(self):
        self.assertEqual(measure.check_mem(MEM, self.MACHINE, ""), [])
        free_as_used = MEM.replace("13068", "236372").replace("3267 of", "59093 of")
        self.assertEqual(measure.check_mem(free_as_used, self.MACHINE, ""), [
            "mem: 236372 KiB used + 236372 KiB free != 249440 KiB",
            "mem: 59093 of 62360 pages is not 5%",
            "mem: 59093 of 62360 pages in use on a freshly booted machine"])
        self.assertIn("the frame allocator has 100 MiB",
                      measure.check_mem(MEM.replace("243 MiB", "100 MiB"), self.MACHINE, "")[0])
        self.assertIn("no output of mem", measure.check_mem("", self.MACHINE, "")[0])

    def test_checks_join_the_runs_problems(self):
        test = GuestTest("init-services", "loglevel=debug", exit="success",
                         checks=(measure.check_restarts(3),))
        results = evaluate(test, fake_run(SUPERVISED))
        self.assertFalse(results[-1].passed)
        self.assertIn("2 restarts measured", results[-1].reason)


if __name__ == "__main__":
    unittest.main()
