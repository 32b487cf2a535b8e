"""Runs per hour of ``python -m lrlib reproduce`` with --jobs 1, --jobs 2 and --ray, in one run.

Each mode trains the same catalogue group afresh (``--retrain``) into a temporary results folder
of its own, as the command a user types, so that starting the workers (and Ray) counts as it
would for them. The modes alternate, round after round, so that a load that comes and goes hits
each alike; the load average is printed beside each, since another job on the machine takes its
share of the cores. Nothing is written to lrlib/results/.

What to expect on two CPU cores: little to gain. One run already spreads each operation over
both cores (TensorFlow's intra-op threads), so two runs at once can only fill the gaps one run
leaves (Python between batches, evaluation, building each model), and they compete for the same
cores (measured on the course's idle machine, median of 2 rounds of the quick decay grid: 878,
966 and 789 runs per hour for --jobs 1, --jobs 2 and Ray). The gains are on more cores, GPUs (a
run per GPU) and clusters.

    python benchmarks/reproduce_parallel.py [--profile quick] [--only decay-grid] [--modes jobs1,jobs2,ray] [--rounds 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODES = {"jobs1": ["--jobs", "1"], "jobs2": ["--jobs", "2"], "ray": ["--ray"]}


def run_mode(arguments: list[str], profile: str, group: str, folder: Path) -> tuple[float, int]:
    """Seconds of one ``reproduce`` command and the runs it stored."""
    results = folder / "results"
    command = [sys.executable, "-m", "lrlib", "reproduce", "--profile", profile, "--only", group, "--retrain",
               "--results-dir", str(results), *arguments]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "LRLIB_RESULTS_DIR": str(results)}
    started = time.perf_counter()
    with open(folder / "log.txt", "w") as log:
        done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{(folder / 'log.txt').read_text()[-3000:]}")
    return seconds, len(list(results.rglob("*.json")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick", choices=("tiny", "quick", "full"))
    parser.add_argument("--only", default="decay-grid", help="the catalogue group each mode trains")
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, of {', '.join(MODES)}")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of every mode, alternating")
    args = parser.parse_args()
    modes = args.modes.split(",")
    if unknown := set(modes) - set(MODES):
        parser.error(f"unknown modes {sorted(unknown)}; choose from {list(MODES)}")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"group {args.only}, {args.profile} profile, {cores} CPU cores; each mode trains it afresh")
    print(f"{'round':<6} {'mode':<10} {'runs':>5} {'wall s':>8} {'runs/hour':>10}  load average (1 min) before/after")
    per_hour = {mode: [] for mode in modes}
    with tempfile.TemporaryDirectory(prefix="lrlib-bench-") as temporary:
        for round_ in range(1, args.rounds + 1):
            for mode in modes:
                folder = Path(temporary) / f"{mode}-{round_}"
                folder.mkdir()
                before = os.getloadavg()[0]
                seconds, runs = run_mode(MODES[mode], args.profile, args.only, folder)
                per_hour[mode].append(runs / seconds * 3600)
                print(f"{round_:<6} {' '.join(MODES[mode]):<10} {runs:>5} {seconds:>8.1f} {per_hour[mode][-1]:>10.0f}  "
                      f"{before:.1f} / {os.getloadavg()[0]:.1f}", flush=True)
    baseline = statistics.median(per_hour["jobs1"]) if "jobs1" in per_hour else None
    print(f"median over {args.rounds} round(s):")
    for mode, values in per_hour.items():
        ratio = f" ({statistics.median(values) / baseline:.2f}x --jobs 1)" if baseline else ""
        print(f"  {' '.join(MODES[mode]):<10} {statistics.median(values):6.0f} runs/hour{ratio}")


if __name__ == "__main__":
    main()
