"""Ingest speed and peak memory: phiwatch's CSV and FHIR NDJSON ingest beside DuckDB's bare copy.

Each measurement runs in its own process, so peak RSS is that process's own
(from wait4). The floor is DuckDB reading the same files and writing them to
Parquet with no checks, no identity, no pseudonyms, in the same run. CSV is
measured twice by default: identified by its ACCESS_ID column and patient (the
built-in mapping), and by the hash of the whole row (an export without ids).

    python benchmarks/monitor_ingest.py                    # simulate an input, measure both formats
    python benchmarks/monitor_ingest.py --input DIR --format ndjson --files 19   # ~5 GB of NDJSON
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Each child reports the seconds of its work alone ("seconds": from before
# connecting to after the last write) besides the process's own wall time, which
# also counts the interpreter and its imports (about 0.15 s for duckdb alone,
# 0.8 s for phiwatch.monitor, which imports every part of the monitor).
INGEST = """
import json, sys, time
from pathlib import Path
from phiwatch.config import load_settings
from phiwatch.monitor import ingest
from phiwatch.monitor.readers import EPIC, CsvMapping
settings = load_settings(environ={}, data_dir=sys.argv[1], secret_key="b" * 48)
# "row": identify each CSV record by the keyed hash of all its fields, as for an
# export without an access id column; "id": by its ACCESS_ID (the built-in mapping)
columns = {k: v for k, v in EPIC.columns.items() if sys.argv[2] == "id" or k != "id"}
mapping = CsvMapping(columns=columns, name="bench")
started = time.perf_counter()
result = ingest(settings, [Path(p) for p in sys.argv[3:]], mapping=mapping)
print(json.dumps({"events": result.added, "seconds": time.perf_counter() - started}))
"""

FLOOR = """
import json, sys, time, duckdb
files, fmt, out = sys.argv[3:], sys.argv[1], sys.argv[2]
reader = "read_csv" if fmt == "csv" else "read_json"
extra = "" if fmt == "csv" else ", format = 'newline_delimited'"
started = time.perf_counter()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
n = con.execute(f"COPY (SELECT * FROM {reader}({files!r}{extra})) TO '{out}' (FORMAT parquet)")
rows = n.fetchall()[0][0]
print(json.dumps({"events": rows, "seconds": time.perf_counter() - started}))
"""


def _run(code: str, args: list[str]) -> tuple[dict[str, float], float, float, float]:
    """(its JSON answer, wall seconds, peak RSS in MiB, CPU seconds) of one child process.

    CPU seconds (user + system, all threads) move less than wall time when
    other work shares the machine, so the ratio of CPU times is printed too.
    """
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    assert child.stdout is not None
    output = child.stdout.read()
    if status != 0:
        raise SystemExit(f"child failed ({status}): {output}")
    cpu = usage.ru_utime + usage.ru_stime
    return json.loads(output.strip().splitlines()[-1]), seconds, usage.ru_maxrss / 1024, cpu


def _simulate(folder: Path) -> None:
    """The default input, simulated in a child process of its own.

    A child forked from a parent that had simulated in-process counted the
    parent's memory in its peak RSS (951 MiB for every measurement), so the
    simulation never runs in the process that starts the measured children.
    """
    code = (
        "import sys; from pathlib import Path; "
        "from phiwatch.simulate import HospitalConfig, simulate_hospital; "
        "simulate_hospital(HospitalConfig(users=2000, patients=200_000, days=4, seed=5, "
        "formats=('csv', 'ndjson')), Path(sys.argv[1]))"
    )
    subprocess.run([sys.executable, "-c", code, str(folder)], check=True)


def measure(files: list[str], fmt: str, work: Path, identity: str = "id") -> dict[str, float]:
    size = sum(os.path.getsize(f) for f in files) / 2**20
    floor, floor_s, floor_rss, floor_cpu = _run(
        FLOOR, [fmt, str(work / f"floor-{fmt}.parquet"), *files]
    )
    data_dir = str(work / f"data-{fmt}-{identity}")
    ours, ours_s, ours_rss, ours_cpu = _run(INGEST, [data_dir, identity, *files])
    assert ours["events"] == floor["events"] or fmt == "ndjson", (ours, floor)
    work_s, floor_work_s = ours["seconds"], floor["seconds"]
    label = " (row-hash identity)" if fmt == "csv" and identity == "row" else ""
    rate, floor_rate = ours["events"] / work_s, floor["events"] / floor_work_s
    print(
        f"monitor_ingest {fmt}{label}: {len(files)} files, {size:,.0f} MiB, "
        f"{ours['events']:,.0f} events "
        f"in {work_s:.2f} s = {rate:,.0f} events/s, peak RSS {ours_rss:,.0f} MiB | "
        f"floor (DuckDB bare copy to Parquet) {floor_work_s:.2f} s = {floor_rate:,.0f} rows/s, "
        f"peak RSS {floor_rss:,.0f} MiB | ratio {work_s / floor_work_s:.2f}x the floor | "
        f"whole processes {ours_s:.2f} s vs {floor_s:.2f} s: {ours_s / floor_s:.2f}x | "
        f"CPU {ours_cpu:.2f} s vs {floor_cpu:.2f} s: {ours_cpu / floor_cpu:.2f}x"
    )
    return {
        "events_per_s": rate,
        "ratio": work_s / floor_work_s,
        "process_ratio": ours_s / floor_s,
        "cpu_ratio": ours_cpu / floor_cpu,
        "peak_rss_mib": ours_rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, help="simulated hospital output (default: make one)")
    parser.add_argument("--format", choices=["csv", "ndjson", "both"], default="both")
    parser.add_argument("--files", type=int, default=0, help="use only the first N files")
    parser.add_argument(
        "--identity",
        choices=["id", "row", "both"],
        default="both",
        help="CSV record identity: its ACCESS_ID column, the hash of the whole row, or both runs",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="phiwatch-bench-") as tmp:
        work = Path(tmp)
        source = args.input
        if source is None:
            source = work / "hospital"
            _simulate(source)
        formats = ["csv", "ndjson"] if args.format == "both" else [args.format]
        for fmt in formats:
            pattern = "access-log-*.csv" if fmt == "csv" else "audit-events-*.ndjson"
            files = sorted(glob.glob(str(source / "events" / pattern)))
            if args.files:
                files = files[: args.files]
            if not files:
                raise SystemExit(f"no {pattern} files under {source / 'events'}")
            identities = ["id", "row"] if args.identity == "both" else [args.identity]
            for identity in identities if fmt == "csv" else ["id"]:
                measure(files, fmt, work, identity)


if __name__ == "__main__":
    main()
