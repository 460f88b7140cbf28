"""Unit tests of the QEMU harness, run without QEMU or an ISO:

    python3 -m unittest discover -s test/harness
"""

import contextlib
import io
import json
import os
import sys
import tempfile
import textwrap
import unittest

import qemu
import suite
from qemu import Machine, Run, parse_ktap, run_command
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

    def test_summary(self):
        self.assertEqual(qemu.ktap_summary(parse_ktap(FAILING_TRANSCRIPT)),
                         "KTAP: 5 planned, 2 passed, 3 failed "
                         "(paging_map; missing test 4; missing test 5)")


class EvaluateTest(unittest.TestCase):
    KTAP_TEST = GuestTest("kernel", "test=kernel", ktap=True)

    def lines(self, test: GuestTest, run: Run) -> list:
        return [result.line() for result in evaluate(test, run)]

    def test_ktap_success_counts_every_point_and_the_run(self):
        self.assertEqual(self.lines(self.KTAP_TEST, fake_run(PASSING_TRANSCRIPT)), [
            "PASS kernel/frame_alloc_free",
            "PASS kernel/paging_map",
            "PASS kernel/heap_sizes (SKIP no HPET)",
            "PASS kernel (1.5 s)",
        ])

    def test_ktap_failures_and_missing_points(self):
        run = fake_run(FAILING_TRANSCRIPT, status=qemu.exit_status(qemu.EXIT_FAILURE))
        self.assertEqual(self.lines(self.KTAP_TEST, run), [
            "PASS kernel/frame_alloc_free",
            "FAIL kernel/paging_map: paging.c:40: expected x",
            "PASS kernel/heap_sizes (SKIP no HPET)",
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
        self.assertEqual(lines[-1], "12 passed, 2 failed")

    def test_unreadable_extra_results_count_as_failure(self):
        with tempfile.TemporaryDirectory() as build:
            bad = self.write_json(build, "bad.json", {"passed": 1})
            status, lines = self.main("--build", build, "--extra-results", bad)
        self.assertEqual(status, 1)
        self.assertTrue(lines[0].startswith(f"FAIL {bad}: cannot read extra results"))
        self.assertEqual(lines[-1], "0 passed, 2 failed")

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


if __name__ == "__main__":
    unittest.main()
