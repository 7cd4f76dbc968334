"""Simulator speed: events generated per second, beside DuckDB rewriting the same CSV.

    python benchmarks/simulate_hospital.py          # 5,000 users, 500,000 patients, 30 days
    python benchmarks/simulate_hospital.py --users 500 --patients 20000 --days 7

The floor is DuckDB reading the generated CSV access logs and writing them
out again as CSV: the cost of the bytes alone, with no generation.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIMULATE = """
import json, sys
from pathlib import Path
from phiwatch.simulate import HospitalConfig, simulate_hospital
users, patients, days = (int(x) for x in sys.argv[2:5])
config = HospitalConfig(users=users, patients=patients, days=days, seed=7, attacks=True)
summary = simulate_hospital(config, Path(sys.argv[1]))
print(json.dumps({"events": summary.events}))
"""

FLOOR = """
import sys, duckdb
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
source = f"{sys.argv[1]}/events/*.csv"
con.execute(f"COPY (SELECT * FROM read_csv('{source}')) TO '{sys.argv[2]}' (HEADER)")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--patients", type=int, default=500_000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="phiwatch-bench-") as tmp:
        out = Path(tmp) / "hospital"
        started = time.perf_counter()
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                SIMULATE,
                str(out),
                str(args.users),
                str(args.patients),
                str(args.days),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        assert child.stdout is not None and status == 0
        events = json.loads(child.stdout.read().strip().splitlines()[-1])["events"]
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 2**30
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", FLOOR, str(out), str(Path(tmp) / "copy.csv")], check=True
        )
        floor = time.perf_counter() - started
        print(
            f"simulate_hospital: {args.users:,} users, {args.patients:,} patients, "
            f"{args.days} days: {events:,} events, {size:.1f} GiB written in {seconds:.1f} s "
            f"= {events / seconds:,.0f} events/s, peak RSS {usage.ru_maxrss / 1024:,.0f} MiB | "
            f"floor (DuckDB rewriting the CSV logs) {floor:.1f} s | ratio {seconds / floor:.2f}x"
        )


if __name__ == "__main__":
    main()
