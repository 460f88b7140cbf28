#!/usr/bin/env python3
"""Run test_fuzz campaigns until time is up (`./iris fuzz`).

    python3 test/harness/fuzz.py --build build [--seconds 600] [--seed N] [--smp 2]

Each campaign boots the ISO with `run=test_fuzz+seed=S+rounds=R` on q35 with
--smp CPUs. The seeds are SEED, SEED+1, ... when --seed is given, else drawn
from the clock. A campaign fails if the guest panics, hangs (no serial
output for a minute), or test_fuzz reports a failure; its serial log is
saved as BUILD/fuzz/seed-S-smpN.log. The last line sums every campaign:
rounds, calls, processes, failures.
"""

import argparse
import os
import re
import shutil
import sys
import time

from qemu import EXPECTED_STATUS, Machine, boot

FIGURES_RE = re.compile(
    r"# fuzz figures: (\d+) rounds, (\d+) calls, (\d+) ring operations, (\d+) completions "
    r"checked, \d+ rings, \d+ scribbles, (\d+) processes spawned .*?, (\d+) killed")
FIELDS = ("rounds", "calls", "ops", "completions", "processes", "killed")


def campaign(iso: str, out_dir: str, seed: int, smp: int, rounds: int) -> tuple:
    """Boot one campaign; return (problem or None, its figures, its log path)."""
    log = os.path.join(out_dir, f"current-{os.getpid()}.log")  # one per ./iris fuzz at a time
    cmdline = f"test=user run=test_fuzz+seed={seed}+rounds={rounds}"
    kernel = os.path.join(os.path.dirname(iso), "kernel", "iris-kernel")
    run = boot(iso, Machine("q35", "seabios", smp=smp, mem="512M"), cmdline,
               timeout=120 + 60 * rounds, idle_timeout=60, log_path=log, kernel_elf=kernel)
    figures = {}
    match = FIGURES_RE.search(run.output)
    if match:
        figures = dict(zip(FIELDS, map(int, match.groups())))
    problem = None
    if run.timeout or run.stopped:
        problem = run.describe()
    elif run.status != EXPECTED_STATUS["success"]:
        problem = run.describe()
    elif "FUZZ FAIL" in run.output or not match:
        problem = "test_fuzz reported a failure" if match else "no figures line"
    return problem, figures, log


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(description="Run test_fuzz campaigns for a while.")
    parser.add_argument("--build", default="build", help="build directory (holds iris.iso)")
    parser.add_argument("--seconds", type=float, default=600, help="how long to keep going")
    parser.add_argument("--seed", type=int, help="first seed (default: from the clock)")
    parser.add_argument("--smp", type=int, default=2, help="CPUs of the guest")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per campaign")
    args = parser.parse_args(argv)

    iso = os.path.join(args.build, "iris.iso")
    out_dir = os.path.join(args.build, "fuzz")
    os.makedirs(out_dir, exist_ok=True)
    seed = args.seed if args.seed is not None else time.time_ns() % (1 << 48)
    totals = dict.fromkeys(FIELDS, 0)
    campaigns = 0
    failed = []
    start = time.monotonic()
    while campaigns == 0 or time.monotonic() - start < args.seconds:
        problem, figures, log = campaign(iso, out_dir, seed, args.smp, args.rounds)
        campaigns += 1
        for key, value in figures.items():
            totals[key] += value
        if problem:
            saved = os.path.join(out_dir, f"seed-{seed}-smp{args.smp}.log")
            shutil.move(log, saved)
            failed.append(seed)
            print(f"FAIL seed {seed} (smp {args.smp}): {problem}; log {saved}", flush=True)
        else:
            print(f"PASS seed {seed} (smp {args.smp}): {figures.get('calls', 0)} calls, "
                  f"{figures.get('processes', 0)} processes", flush=True)
        seed = seed + 1 if args.seed is not None else time.time_ns() % (1 << 48)
    print(f"fuzz: {campaigns} campaigns, {totals['rounds']} rounds, {totals['calls']} calls, "
          f"{totals['ops']} ring operations, {totals['completions']} completions checked, "
          f"{totals['processes']} processes ({totals['killed']} killed), "
          f"{len(failed)} failures" + (f" (seeds {' '.join(map(str, failed))})" if failed else ""),
          flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
