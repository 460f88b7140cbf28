"""
The documentation's copies of the code's limits: wherever docs/ or the
README writes a constant's name with a number beside it — `` `NAME` (64) ``,
`` `NAME` (8 MiB) ``, `` `x > NAME`, 64 KiB `` or a table row
`` | what (`NAME`) | 96 | `` — the number must be the value of that
#define in the tree's headers. And docs/testing.md's table of QEMU tests
names every test of test/harness/suite.py, and no other; docs/syscalls.md's
table of the calls lists every call of include/iris/abi/syscalls.def, with
its number, and no other. Every break of test/mutate/breaks.py still
applies to the tree, and docs/testing.md's mutation table lists each one.
Run by `./iris test` (python3 -m unittest).
"""
import pathlib
import re
import unittest

import suite

ROOT = pathlib.Path(__file__).resolve().parents[2]
HEADER_DIRS = ("include", "kernel", "libc", "servers", "drivers", "common")
DEFINE = re.compile(r"^\s*#\s*define\s+([A-Z][A-Z0-9_]*)\s+([^/\n]+?)\s*(?:/[*/].*)?$", re.M)
# A constant in backticks (alone or ending an expression) and its number:
# "`NAME` (N", "`x > NAME`, N" or a table row "(`NAME`[, `its/header.h`]) | N"; a
# number in seconds or with a fraction is not a copy of a constant.
MENTION = re.compile(r"(?:`(?:[^`\n]*?[^A-Z0-9_`])?([A-Z][A-Z0-9_]{2,})`(?:\s*\(|,\s*)"
                     r"|\(`([A-Z][A-Z0-9_]{2,})`(?:,\s*`[^`\n]*/[^`\n]*`)?\)\s*\|\s*)"
                     r"(\d+)(?![.\d]|\s*(?:s|ms|us)\b)(?:\s*(KiB|MiB|GiB)\b)?")
UNITS = {None: 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}
SAFE_EXPR = re.compile(r"^[0-9a-fA-Fx()<<+*\- ]+$")


def header_values() -> dict:
    """Every integer #define of the tree's headers: name -> set of values."""
    values = {}
    for top in HEADER_DIRS:
        for path in (ROOT / top).rglob("*.h"):
            for name, expr in DEFINE.findall(path.read_text(errors="replace")):
                expr = re.sub(r"(?<=[0-9a-fA-F])(?:ull|ul|u|ll|l)\b", "", expr, flags=re.I)
                if not SAFE_EXPR.match(expr):
                    continue
                try:
                    value = eval(expr, {"__builtins__": {}})  # digits and operators only
                except (SyntaxError, TypeError):
                    continue
                values.setdefault(name, set()).add(value)
    return values


def doc_mentions() -> list:
    """(file, line, name, value) for every number the docs write beside a constant."""
    found = []
    for path in sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for m in MENTION.finditer(line):
                name = m.group(1) or m.group(2)
                if name.startswith("SYS_"):
                    continue  # a call named beside its limit, not a constant's value
                found.append((path.relative_to(ROOT), number, name,
                              int(m.group(3)) * UNITS[m.group(4)]))
    return found


class DocLimitsTest(unittest.TestCase):
    def test_numbers_beside_constants_match_the_headers(self):
        values = header_values()
        checked = set()
        for path, line, name, value in doc_mentions():
            if name not in values:
                continue
            checked.add(name)
            with self.subTest(name=name, where=f"{path}:{line}"):
                self.assertIn(value, values[name],
                              f"{path}:{line} says {name} is {value}; the headers say "
                              f"{sorted(values[name])}")
        # The limits the Limits table of docs/syscalls.md names are really checked.
        for name in ("IRIS_SPAWN_HANDLES_MAX", "BOOT_MAX_MODULES", "IRIS_HANDLES_MAX",
                     "IRIS_IMAGE_MAX", "IRIS_CHANNEL_HANDLES_MAX"):
            self.assertIn(name, checked)


def matrix_names() -> list:
    """The test names in the first column of docs/testing.md's "The QEMU matrix" table."""
    text = (ROOT / "docs" / "testing.md").read_text()
    section = text.split("## The QEMU matrix", 1)[1].split("\n## ", 1)[0]
    names = []
    for line in section.splitlines():
        cells = line.split("|")
        if len(cells) > 2 and line.startswith("|") and not set(cells[1].strip()) <= {"-"}:
            names += re.findall(r"`([^`]+)`", cells[1])
    return names


class DocMatrixTest(unittest.TestCase):
    def test_the_matrix_names_every_suite_test_once(self):
        names = matrix_names()
        self.assertEqual(sorted(n for n in set(names) if names.count(n) > 1), [],
                         "docs/testing.md names these tests twice")
        suite_names = {test.name for test in suite.TESTS}
        self.assertEqual(sorted(suite_names - set(names)), [],
                         "tests of suite.py missing from docs/testing.md's QEMU matrix")
        self.assertEqual(sorted(set(names) - suite_names), [],
                         "docs/testing.md's QEMU matrix names tests suite.py does not have")


SYSCALL_ENTRY = re.compile(r"^SYSCALL\(\s*(\d+),\s*([A-Z0-9_]+),", re.M)


def defined_syscalls() -> dict:
    """SYS_NAME -> number for every entry of include/iris/abi/syscalls.def."""
    text = (ROOT / "include" / "iris" / "abi" / "syscalls.def").read_text()
    return {"SYS_" + name: int(nr) for nr, name in SYSCALL_ENTRY.findall(text)}


def documented_syscalls() -> list:
    """(number, SYS_NAME) of each row of docs/syscalls.md's "The calls" table."""
    text = (ROOT / "docs" / "syscalls.md").read_text()
    section = text.split("## The calls", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\|\s*(\d+)\s*\|\s*`(SYS_[A-Z0-9_]+)`\s*\|", section, re.M)
    return [(int(nr), name) for nr, name in rows]


class DocSyscallsTest(unittest.TestCase):
    def test_the_table_of_calls_matches_syscalls_def(self):
        defined = defined_syscalls()
        self.assertGreater(len(defined), 40, "syscalls.def was not parsed")
        self.assertEqual(sorted(defined.values()), list(range(len(defined))),
                         "syscalls.def numbers do not run from 0 without a gap")
        rows = documented_syscalls()
        names = [name for _, name in rows]
        self.assertEqual(sorted(n for n in set(names) if names.count(n) > 1), [],
                         "docs/syscalls.md lists these calls twice")
        self.assertEqual(sorted(set(defined) - set(names)), [],
                         "calls of syscalls.def missing from docs/syscalls.md")
        self.assertEqual(sorted(set(names) - set(defined)), [],
                         "docs/syscalls.md lists calls syscalls.def does not have")
        for nr, name in rows:
            with self.subTest(name=name):
                self.assertEqual(nr, defined[name], f"docs/syscalls.md numbers {name} {nr}")


class MutationListTest(unittest.TestCase):
    """The mutation list cannot rot: a moved or rewritten line is noticed at once."""

    def test_every_break_applies_and_is_in_the_table(self):
        import sys
        sys.path.insert(0, str(ROOT / "test" / "mutate"))
        from breaks import BREAKS
        table = (ROOT / "docs" / "testing.md").read_text()
        self.assertGreaterEqual(len(BREAKS), 19)
        for brk in BREAKS:
            with self.subTest(brk=brk.id):
                text = (ROOT / brk.path).read_text()
                for before, _ in brk.edits:
                    self.assertEqual(text.count(before), 1,
                                     f"{brk.path}: {before!r} is not there exactly once")
                self.assertIn(f"| {brk.id}: ", table,
                              f"docs/testing.md's mutation table has no row for {brk.id}")


if __name__ == "__main__":
    unittest.main()
