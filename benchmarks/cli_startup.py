"""Benchmark: how long a ``phiwatch`` command takes before it does any work.

Times, in fresh processes, ``phiwatch --version``, ``phiwatch --help`` and
each sub-app's ``--help``, beside the bare interpreter (``python -c pass``)
started the same way in the same run: the floor no Python CLI can go below.
Every command that runs pays at least its sub-app's figure.

With ``--baseline-src DIR`` (the ``src`` folder of another checkout, e.g. a
``git worktree`` of an older commit), each phiwatch command is also timed
with that code first on ``PYTHONPATH``, interleaved with this one's.

Usage: python benchmarks/cli_startup.py [--rounds 7] [--baseline-src DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from _machine import describe_machine

COMMANDS: dict[str, list[str]] = {
    "python -c pass (floor)": ["-c", "pass"],
    "phiwatch --version": ["-m", "phiwatch", "--version"],
    "phiwatch --help": ["-m", "phiwatch", "--help"],
    **{
        f"phiwatch {name} --help": ["-m", "phiwatch", name, "--help"]
        for name in ("registry", "monitor", "scan", "notify", "respond", "simulate", "users")
    },
}


def _once(arguments: list[str], source: str | None = None) -> float:
    env = {**os.environ, "COLUMNS": "100"}
    if source:
        env["PYTHONPATH"] = source
    start = time.perf_counter()
    subprocess.run([sys.executable, *arguments], check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--baseline-src", help="also time the phiwatch in this src folder")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    runs: list[tuple[str, list[str], str | None]] = [
        (label, arguments, None) for label, arguments in COMMANDS.items()
    ]
    if args.baseline_src:
        baseline = str(Path(args.baseline_src).resolve())
        runs += [
            (f"{label} (baseline)", arguments, baseline)
            for label, arguments in COMMANDS.items()
            if "phiwatch" in arguments
        ]
    samples: dict[str, list[float]] = {label: [] for label, _, _ in runs}
    for _ in range(args.rounds):  # interleaved, so load on the machine hits all alike
        for label, arguments, source in runs:
            samples[label].append(_once(arguments, source))
    median = {label: statistics.median(values) for label, values in samples.items()}
    floor = median["python -c pass (floor)"]
    result = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": describe_machine(),
        "rounds": args.rounds,
        "median_ms": {label: round(value * 1000, 1) for label, value in median.items()},
        "vs_floor": {label: round(value / floor, 1) for label, value in median.items()},
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"CLI start-up, {result['date']}, {result['machine']}, {args.rounds} rounds")
    print("| command | median ms | x bare interpreter |")
    print("|---|---:|---:|")
    for label in samples:
        print(f"| `{label}` | {median[label] * 1000:.0f} | {median[label] / floor:.1f} |")


if __name__ == "__main__":
    main()
