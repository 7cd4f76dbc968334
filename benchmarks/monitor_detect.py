"""Detection over a simulated hospital: full run, incremental day, quality against labels.

    python benchmarks/monitor_detect.py --sim big/ --data-dir bigdata/
    (big/ from: phiwatch simulate hospital --users 5000 --patients 500000 --days 30
                --attacks --formats csv,bulk --out big/)

Prepares the data directory if its lake is empty (ingests every day but the
last, loads the context), then measures, each in a child process (wall time,
peak RSS from wait4):

1. ``monitor detect --full`` over the days ingested so far;
2. ingest of the last day, then an incremental ``monitor detect`` (that day only);
3. ``monitor detect --full`` again over all days (the figure reported);
4. the floor: DuckDB alone reading the whole lake and counting distinct
   patients per user and day (the least any bulk-access detector must do);
5. ``monitor evaluate --labels``, printed as a table.

Prints one result line per measurement (``RESULT ...``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

FLOOR = """
import json, sys
from phiwatch.config import load_settings
from phiwatch.monitor import Lake
con = Lake.of(load_settings(data_dir=sys.argv[1])).connect()
n = con.execute("SELECT count(*) FROM (SELECT user_pseudonym, day, "
                "count(DISTINCT patient_pseudonym) FROM events GROUP BY ALL)").fetchall()[0][0]
print(json.dumps({"groups": n}))
"""


def _run(args: list[str]) -> tuple[dict[str, object], float, float]:
    """(its JSON answer, wall seconds, peak RSS in MiB) of one child process."""
    started = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"child failed ({status}): {output[-2000:]}")
    return json.loads(output), seconds, usage.ru_maxrss / 1024


def _phiwatch(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "phiwatch", "--data-dir", str(data_dir), *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sim", type=Path, required=True, help="simulator output folder")
    parser.add_argument("--data-dir", type=Path, required=True)
    options = parser.parse_args()
    events = sorted((options.sim / "events").glob("access-log-*.csv"))
    data = options.data_dir
    if not (data / "lake" / "manifests").is_dir():
        _run(_phiwatch(data, "monitor", "ingest", *map(str, events[:-1]), "-f", "json"))
        _run(
            _phiwatch(
                data,
                "monitor",
                "context",
                "load",
                str(options.sim / "context" / "bulk"),
                "-f",
                "json",
            )
        )
    first, seconds, rss = _run(_phiwatch(data, "monitor", "detect", "--full", "-f", "json"))
    print(
        f"RESULT full detection, {first['days']} days, {first['events']:,} rows: "
        f"{seconds:.1f} s, peak RSS {rss:,.0f} MiB, {first['new_alerts']} alerts"
    )
    _run(_phiwatch(data, "monitor", "ingest", str(events[-1]), "-f", "json"))
    day, seconds, rss = _run(_phiwatch(data, "monitor", "detect", "-f", "json"))
    print(
        f"RESULT incremental detection, {day['days']} day, {day['events']:,} rows: "
        f"{seconds:.1f} s, peak RSS {rss:,.0f} MiB, {day['new_alerts']} new alerts"
    )
    full, full_seconds, full_rss = _run(
        _phiwatch(data, "monitor", "detect", "--full", "-f", "json")
    )
    _floor, floor_seconds, floor_rss = _run([sys.executable, "-c", FLOOR, str(data)])
    print(
        f"RESULT full detection, {full['days']} days, {full['events']:,} rows: "
        f"{full_seconds:.1f} s, peak RSS {full_rss:,.0f} MiB; floor (DuckDB distinct "
        f"patients per user-day) {floor_seconds:.1f} s, {floor_rss:,.0f} MiB; "
        f"ratio {full_seconds / floor_seconds:.1f}x"
    )
    labels = options.sim / "labels" / "incidents.ndjson"
    quality, seconds, _rss = _run(
        _phiwatch(data, "monitor", "evaluate", "--labels", str(labels), "-f", "json")
    )
    for row in quality.pop("kinds"):  # type: ignore[attr-defined]
        print("KIND", json.dumps(row))
    print("RESULT quality", json.dumps(quality), f"(evaluate {seconds:.0f} s)")


if __name__ == "__main__":
    main()
