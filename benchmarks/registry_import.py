"""Benchmark: importing the 2024 portal pair, against pandas merely parsing the same files.

Measures, in one run and interleaved round by round so that load on the
machine affects both sides alike:

* floor    pandas.read_csv of the archive and the under-investigation
           export (all columns as text): the bare parse, no checks;
* full     phiwatch importing both into a new, empty SQLite database (the
           schema already created; creating it is reported separately);
* reimport importing both files again: nothing changes, nothing is written;
* schema   creating and stamping a new SQLite database;
* write    SQLite alone storing the same breaches and descriptions (rows built
           before the clock starts, the same executemany and commit the
           importer uses): the part of a full import no parser can save;
* memory   the same inserts into an in-memory database with the same schema:
           SQLite's own work on the rows, without any file I/O or commit;
* read     phiwatch reading both files and hashing their rows, no parsing of
           values: the part of a full import that stands for the floor's work.

Each measurement runs in a fresh Python process (timed inside it, after the
imports), so no warm cache flatters later rounds. Goals (issue 2): full
within 3x of the floor, reimport within 2x.

Usage: python benchmarks/registry_import.py [--rounds 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from _machine import describe_machine

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data" / "breaches"
FILES = (
    "hhs_ocr_breach_report_archive_2024-04-26.csv",
    "hhs_ocr_breach_report_under_investigation_2024-06-28.csv",
)

_PANDAS = """
import sys, time, pandas
files = sys.argv[1:]
start = time.perf_counter()
for f in files:
    pandas.read_csv(f, dtype=str, keep_default_na=False)
print(time.perf_counter() - start)
"""

_PHIWATCH = """
import json, sys, time
from datetime import date
from pathlib import Path
from phiwatch import registry
from phiwatch.config import load_settings
from phiwatch.registry import ListName
from phiwatch.store import open_store
data_dir, archive, investigation = sys.argv[1:]
snapshot = date(2024, 6, 28)
import_file = registry.import_file  # the package imports it on first use: not on the clock
t0 = time.perf_counter()
store = open_store(load_settings(environ={}, data_dir=data_dir))
t1 = time.perf_counter()
import_file(store, Path(archive), list_name=ListName.archive, as_of=snapshot)
import_file(store, Path(investigation), list_name=ListName.investigation, as_of=snapshot)
t2 = time.perf_counter()
again = [
    import_file(store, Path(path), list_name=name, as_of=snapshot)
    for path, name in ((archive, ListName.archive), (investigation, ListName.investigation))
]
t3 = time.perf_counter()
assert not any(s.changed for s in again), "the re-import changed something"
print(json.dumps({"schema": t1 - t0, "full": t2 - t1, "reimport": t3 - t2}))
"""


_SQLITE_WRITE = """
import sys, time
from datetime import date
from pathlib import Path
from phiwatch import registry
from phiwatch.config import load_settings
from phiwatch.registry import ListName
from phiwatch.store import open_store
data_dir, where, archive, investigation = sys.argv[1:]
store = open_store(load_settings(environ={}, data_dir=data_dir))
rows, texts = [], []
for path in (archive, investigation):
    for record in registry.read_export(Path(path)).records:
        n = len(rows) + 1
        rows.append((n, f"{n:010x}", record.entity_name, record.entity_key, record.state,
            record.entity_type, record.individuals_affected, record.submitted_on.isoformat(),
            record.breach_types, record.locations, record.business_associate, record.match_key,
            n, record.content_hash, "archive", True, 1, 1))
        if record.description:
            texts.append((n, record.description))
columns = ("id, uid, entity_name, entity_key, state, entity_type, individuals_affected, "
    "submitted_on, breach_types, locations, business_associate, match_key, ordinal, "
    "content_hash, list_name, listed, first_import_id, last_changed_import_id")
if where == "memory":  # the same schema in memory: SQLite's own work, no file I/O
    import sqlite3
    with store.engine.connect() as source:
        ddl = [sql for (sql,) in source.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'")]
    connection = sqlite3.connect(":memory:")
    connection.execute("PRAGMA foreign_keys=ON")  # as the store has it
    for statement in ddl:
        connection.execute(statement)
    run = connection.execute
    many = connection.executemany
else:
    connection = store.engine.connect()
    run = many = connection.exec_driver_sql
run(
    "INSERT INTO registry_import (id, list_name, file_name, sha256, source_format, as_of, "
    "imported_at, records, new, updated, moved, delisted, unchanged) VALUES "
    "(1, 'archive', 'f', 'x', 'csv', '2024-06-28', '2024-06-28', 0, 0, 0, 0, 0, 0)")
connection.commit()
start = time.perf_counter()
many(f"INSERT INTO registry_breach ({columns}) VALUES ({', '.join('?' * 18)})", rows)
many("INSERT INTO registry_breach_description (breach_id, text) VALUES (?, ?)", texts)
connection.commit()
print(time.perf_counter() - start)
"""


_READ = """
import sys, time
from pathlib import Path
from phiwatch import registry
read_export = registry.read_export  # imported on first use: not on the clock
start = time.perf_counter()
for path in sys.argv[1:]:
    read_export(Path(path)).hashes
print(time.perf_counter() - start)
"""


def _input_files() -> list[Path]:
    if all((SHARED / name).is_file() for name in FILES):
        return [SHARED / name for name in FILES]
    # Fall back to the copies shipped in the package (byte-identical; see tests/registry).
    import gzip
    from importlib import resources

    folder = Path(tempfile.mkdtemp(prefix="phiwatch-bench-"))
    data = resources.files("phiwatch.registry") / "data"
    for name in FILES:
        (folder / name).write_bytes(gzip.decompress((data / f"{name}.gz").read_bytes()))
    return [folder / name for name in FILES]


def _run(code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    files = [str(f) for f in _input_files()]
    samples: dict[str, list[float]] = {
        "floor": [],
        "schema": [],
        "full": [],
        "reimport": [],
        "write": [],
        "write_memory": [],
        "read": [],
    }
    for _ in range(args.rounds):
        samples["floor"].append(float(_run(_PANDAS, *files)))
        samples["read"].append(float(_run(_READ, *files)))
        with tempfile.TemporaryDirectory() as data_dir:
            samples["write"].append(float(_run(_SQLITE_WRITE, data_dir, "file", *files)))
        with tempfile.TemporaryDirectory() as data_dir:
            samples["write_memory"].append(float(_run(_SQLITE_WRITE, data_dir, "memory", *files)))
        with tempfile.TemporaryDirectory() as data_dir:
            measured = json.loads(_run(_PHIWATCH, data_dir, *files))
        for key in ("schema", "full", "reimport"):
            samples[key].append(measured[key])

    median = {k: statistics.median(v) for k, v in samples.items()}
    result = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": describe_machine(),
        "rounds": args.rounds,
        "median_ms": {k: round(v * 1000, 1) for k, v in median.items()},
        "min_ms": {k: round(min(v) * 1000, 1) for k, v in samples.items()},
        "full_vs_floor": round(median["full"] / median["floor"], 2),
        "reimport_vs_floor": round(median["reimport"] / median["floor"], 2),
        "write_vs_floor": round(median["write"] / median["floor"], 2),
        "write_memory_vs_floor": round(median["write_memory"] / median["floor"], 2),
        "read_vs_floor": round(median["read"] / median["floor"], 2),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"registry import benchmark, {result['date']}, {result['machine']}, {args.rounds} rounds")
    print("| step | median ms | min ms | x floor (median) |")
    print("|---|---:|---:|---:|")
    for key, label in (
        ("floor", "pandas read_csv, both files (floor)"),
        ("full", "phiwatch import into a new SQLite db"),
        ("reimport", "phiwatch re-import, no changes"),
        ("schema", "create + stamp a new SQLite db"),
        ("write", "SQLite alone writing the same rows (part of full)"),
        ("write_memory", "the same inserts into an in-memory SQLite db (no I/O)"),
        ("read", "phiwatch reading and hashing both files (part of full)"),
    ):
        ratio = median[key] / median["floor"]
        print(
            f"| {label} | {median[key] * 1000:.1f} | {min(samples[key]) * 1000:.1f} | {ratio:.2f} |"
        )


if __name__ == "__main__":
    main()
