#!/usr/bin/env python3
"""Break the code on purpose, one line at a time, and see whether the suite notices.

    python3 test/mutate/mutate.py [--scratch DIR] [--docs docs/testing.md] [ID ...]
    ./iris mutate [ID ...]

Each break in breaks.py replaces exact pieces of text in one file. The
script copies the tree's tracked files (as they are in the working tree) to
a scratch directory (default build/mutate/src) and builds it there once.
Then, for every break: apply it, rebuild, run the tests the break names
(host tests through `meson test`, QEMU tests through suite.py), put the line
back. A break is caught when at least one of its tests fails; a break that
no longer applies (its text is not in the file exactly once) or does not
build is reported as such, and counts as not caught.

The table goes to standard output and to SCRATCH/../table.md; with --docs
it also replaces the part of that file between the markers
`<!-- mutate:begin -->` and `<!-- mutate:end -->` when every break was
tried. The exit status is 0
only if every selected break was caught.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from breaks import BREAKS  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BEGIN, END = "<!-- mutate:begin -->", "<!-- mutate:end -->"
FAIL_RE = re.compile(r"^FAIL ([^:\s]+)", re.MULTILINE)
NOT_RUN = "not found (an earlier stage failed)"  # suite.py: an ISO is missing


def copy_tree(dest: str):
    """Copy the tracked files of the working tree to `dest` (kept: its build/)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = os.path.join(ROOT, rel)
        if not os.path.isfile(src):
            continue  # deleted in the working tree
        dst = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if not os.path.exists(dst) or not same_file(src, dst):
            shutil.copy2(src, dst)


def same_file(a: str, b: str) -> bool:
    """Whether two files have the same bytes."""
    if os.path.getsize(a) != os.path.getsize(b):
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def run(cmd: list, cwd: str, log) -> int:
    """Run `cmd` in `cwd`, its output appended to `log`; returns the exit status."""
    log.write(f"$ {' '.join(cmd)}\n")
    log.flush()
    return subprocess.run(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                          env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1")).returncode


def build(src: str, log) -> bool:
    """Build the scratch tree incrementally, both ISOs included; True on success."""
    return run(["./iris", "sysroot-iso"], src, log) == 0


def run_tests(src: str, tests: tuple, log_path: str, lock: str = "") -> list:
    """Run `tests` (host:NAME or QEMU test names); the names of those that failed."""
    host = [t.split(":", 1)[1] for t in tests if t.startswith("host:")]
    guest = [t for t in tests if not t.startswith("host:")]
    failed = []
    with open(log_path, "w") as log:
        for name in host:
            if run(["meson", "test", "-C", "build", "--no-rebuild", "--print-errorlogs", name],
                   src, log) != 0:
                failed.append(f"host:{name}")
        if guest:
            cmd = (["flock", lock] if lock else []) + \
                ["python3", "test/harness/suite.py", "--build", "build"]
            for name in guest:
                cmd += ["--only", name]
            start = log.tell()
            status = run(cmd, src, log)
            log.flush()
            with open(log_path) as f:
                f.seek(start)
                text = f.read()
            if NOT_RUN in text:
                raise RuntimeError("a QEMU test could not run: " + NOT_RUN)
            names = sorted({m.split("/")[0] for m in FAIL_RE.findall(text)})
            if status != 0:
                failed += names or guest
    return failed


def apply(path: str, edits: tuple) -> str:
    """Make every (before, after) edit in `path`; returns the original text."""
    with open(path) as f:
        original = f.read()
    text = original
    for before, after in edits:
        if text.count(before) != 1:
            raise ValueError(f"{before!r} found {text.count(before)} times")
        text = text.replace(before, after)
    with open(path, "w") as f:
        f.write(text)
    return original


def table(rows: list) -> str:
    """The Markdown table of results."""
    out = ["| break | where | tests run | result |", "|---|---|---|---|"]
    for brk, result in rows:
        tests = ", ".join(f"`{t}`" for t in brk.tests)
        out.append(f"| {brk.id}: {brk.what} | `{brk.file}` in `{brk.part}/` | {tests} | {result} |")
    return "\n".join(out) + "\n"


def update_docs(path: str, text: str):
    """Put `text` between the markers in `path`."""
    with open(path) as f:
        doc = f.read()
    start, end = doc.find(BEGIN), doc.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"mutate: {path} has no {BEGIN} ... {END} section")
    with open(path, "w") as f:
        f.write(doc[:start + len(BEGIN)] + "\n" + text + doc[end:])


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scratch", default=os.path.join(ROOT, "build", "mutate", "src"))
    parser.add_argument("--docs", help="also write the table into this file's mutate section")
    parser.add_argument("--lock", default="",
                        help="run the QEMU tests under `flock FILE` (shared with other QEMU users)")
    parser.add_argument("ids", nargs="*", help="the breaks to try (default: all)")
    args = parser.parse_args(argv)

    unknown = set(args.ids) - {b.id for b in BREAKS}
    if unknown:
        raise SystemExit(f"mutate: no such break: {', '.join(sorted(unknown))}")
    chosen = [b for b in BREAKS if not args.ids or b.id in args.ids]
    src = os.path.abspath(args.scratch)
    logs = os.path.join(os.path.dirname(src), "logs")
    os.makedirs(logs, exist_ok=True)
    copy_tree(src)
    with open(os.path.join(logs, "build.log"), "w") as log:
        if not build(src, log):
            raise SystemExit(f"mutate: the unbroken tree does not build (see {log.name})")

    rows, caught = [], 0
    for brk in chosen:
        start = time.monotonic()
        result = ""
        path = os.path.join(src, brk.path)
        try:
            original = apply(path, brk.edits)
        except (OSError, ValueError) as err:
            result = f"**does not apply** ({err})"
        else:
            try:
                with open(os.path.join(logs, f"{brk.id}.build.log"), "w") as log:
                    built = build(src, log)
                if not built:
                    result = "**does not build**"
                else:
                    try:
                        failed = run_tests(src, brk.tests, os.path.join(logs, f"{brk.id}.log"),
                                           args.lock)
                    except RuntimeError as err:
                        failed, result = [], f"**not run** ({err})"
                    if failed:
                        caught += 1
                        result = "caught by " + ", ".join(f"`{t}`" for t in failed)
                    elif not result:
                        result = "**not caught**"
            finally:
                with open(path, "w") as f:
                    f.write(original)
        rows.append((brk, result))
        print(f"{brk.id}: {result} ({time.monotonic() - start:.0f} s)", flush=True)

    with open(os.path.join(logs, "restore.log"), "w") as log:
        build(src, log)  # leave the scratch build clean for the next run
    text = table(rows)
    with open(os.path.join(os.path.dirname(src), "table.md"), "w") as f:
        f.write(text)
    if args.docs and not args.ids:
        update_docs(args.docs, text)  # the table in the docs always covers every break
    print(text, end="")
    print(f"{caught} of {len(chosen)} breaks caught")
    return 0 if caught == len(chosen) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
