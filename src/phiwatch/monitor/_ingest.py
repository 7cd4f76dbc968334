"""Ingest access events into the lake: stage, check, de-duplicate, pseudonymise, publish.

Two DuckDB passes, both streaming (memory is capped by ``memory_limit``;
DuckDB spills to the staging directory beyond it):

1. each input file is mapped to staged rows (clear identifiers, a ``_bad``
   flag) in a Parquet work file;
2. the good rows not already in the lake (anti-join on ``event_id`` against
   the days they touch) get their pseudonyms (HMAC of each distinct
   identifier, joined back) and are written partitioned by day, then
   published with one atomic manifest rename (see ``_lake``).

Nothing is published when a bad record stops the ingest. Work files hold
clear identifiers only while the ingest runs, inside the data directory;
they are deleted afterwards, and by the next ingest after a crash.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from phiwatch.config import Settings
from phiwatch.errors import InputError
from phiwatch.monitor._lake import Lake
from phiwatch.monitor._pseudonym import pseudonym_key, pseudonym_sql
from phiwatch.monitor._schema import LAKE_COLUMN_NAMES
from phiwatch.monitor.readers import (
    CsvMapping,
    CsvScan,
    Problem,
    action_for,
    csv_problems,
    csv_select,
    csv_timezone,
    plan_csv,
    stage_fhir,
)

_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".ndjson": "fhir", ".jsonl": "fhir", ".json": "fhir"}
MEMORY_LIMIT = "1GB"
COMPRESSION = "snappy"

Progress = Callable[[str, int, int], None]


@dataclass
class IngestResult:
    """What an ingest did; ``added`` rows are visible in the lake once it returns."""

    ingest_id: str
    files: int = 0
    read: int = 0
    added: int = 0
    duplicates: int = 0
    rejected: int = 0
    days: list[str] = field(default_factory=list)
    rejects_file: str | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "ingest_id": self.ingest_id,
            "files": self.files,
            "read": self.read,
            "added": self.added,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "days": self.days,
            "rejects_file": self.rejects_file,
            "seconds": round(self.seconds, 3),
        }


def input_files(paths: Iterable[Path]) -> list[Path]:
    """The event files named, directories expanded to their CSV/NDJSON/JSON files."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in _SUFFIXES))
        elif path.is_file():
            found.append(path)
        else:
            raise InputError("no such file or directory", file=path)
    if not found:
        raise InputError("no event files (.csv, .ndjson, .json) found in the paths given")
    return found


def _kind(path: Path) -> str:
    kind = _SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            "unknown event format: expected .csv, .tsv, .ndjson, .jsonl or .json", file=path
        )
    return kind


def _connect(work_dir: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")
    connection.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    connection.execute(f"SET temp_directory = {_quoted(work_dir / 'spill')}")
    connection.execute("SET preserve_insertion_order = false")
    connection.execute("SET TimeZone = 'UTC'")
    return connection


def _new_ingest_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(4)


def _quoted(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _parquet_list(paths: Iterable[Path]) -> str:
    return "[" + ", ".join(_quoted(p) for p in paths) + "]"


def _unique(files: list[Path]) -> list[Path]:
    """``files`` without repeats: a file named twice is read once (its rows are the same)."""
    seen: set[Path] = set()
    unique: list[Path] = []
    for path in files:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            unique.append(path)
    return unique


def _snapshot(files: list[Path]) -> list[tuple[int, int]]:
    """(size, mtime) of each file: CSV files are read twice, and must not change in between."""
    stats = [f.stat() for f in files]
    return [(s.st_size, s.st_mtime_ns) for s in stats]


def ingest(
    settings: Settings,
    paths: Iterable[Path],
    *,
    mapping: CsvMapping | None = None,
    skip_bad: bool = False,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    """Ingest event files into the lake; all of them land, or (on error) none.

    Without ``skip_bad`` the first bad record raises ``InputError`` naming the
    file, line and field. With it, bad records go to a reject file (NDJSON:
    location, reason and the record as read, which is PHI: mode 0600).
    """
    started = time.perf_counter()
    named = input_files(paths)
    files = _unique(named)
    kinds = [_kind(f) for f in files]
    lake = Lake.of(settings)
    key = pseudonym_key(settings)
    report = progress or (lambda _stage, _done, _total: None)
    with lake.writer():
        result = IngestResult(ingest_id=_new_ingest_id(), files=len(named))
        work = lake.staging(result.ingest_id)
        connection = _connect(work)
        try:
            before = _snapshot(files)
            plan = _check(connection, files, kinds, mapping, key, work, report)
            if plan.problems and not skip_bad:
                raise plan.problems[0].error()
            late = _write(connection, lake, result, plan, mapping, key, work, report)
            if late and not skip_bad:
                raise late[0].error()
            for path, (old, new) in zip(
                files, zip(before, _snapshot(files), strict=True), strict=True
            ):
                if old != new:
                    raise InputError("the file changed while it was being ingested", file=path)
            problems = plan.problems + late
            result.rejected = len(problems)
            if problems:  # quarantined before the commit, so a crash loses no reject
                result.rejects_file = str(
                    _write_rejects(rejects_path or lake.root / "rejects", result, problems)
                )
            if result.added:
                lake.publish(result.ingest_id, work / "out", result.added, result.as_dict())
        finally:
            connection.close()
            shutil.rmtree(work, ignore_errors=True)
        result.seconds = time.perf_counter() - started
        return result


@dataclass
class _Plan:
    """What the checking pass found, and how the writing pass reads the rows again."""

    problems: list[Problem] = field(default_factory=list)
    # SQL selects of the staged columns (plus _file), one per CSV scan or staged file
    sources: list[str] = field(default_factory=list)
    # CSV scans read again by the writing pass, and the reject table that read fills
    rechecks: list[tuple[CsvScan, str]] = field(default_factory=list)
    zone: CsvScan | None = None  # the scan whose time zone the writing pass runs in


# One row per (file, day, user, patient, bad?) and one per distinct action name:
# everything the writing pass needs to know in advance, and small (distinct
# people a day, not events).
_KEYS = """
    INSERT INTO keys
    SELECT _file, day, user_id, patient_id, bad, subtype, unmapped,
           GROUPING(_file) = 1 AS names, count(*) AS n
    FROM (
        SELECT _file, CAST(recorded AS DATE) AS day, user_id, patient_id,
               _bad IS NOT NULL AS bad, subtype, action IS NULL AS unmapped
        FROM ({source})
    )
    GROUP BY GROUPING SETS ((_file, day, user_id, patient_id, bad), (subtype, unmapped))
"""


def _check(
    connection: duckdb.DuckDBPyConnection,
    files: list[Path],
    kinds: list[str],
    mapping: CsvMapping | None,
    key: bytes,
    work: Path,
    report: Progress,
) -> _Plan:
    """The checking pass: find bad records and fill table ``keys``, writing nothing to the lake.

    CSV is cheap to parse, so it is read here without its row identity and
    read again by the writing pass; FHIR JSON is dear to parse, so it is
    staged once to a Parquet work file that the writing pass reads.
    """
    connection.execute(
        "CREATE TEMP TABLE keys (_file VARCHAR, day DATE, user_id VARCHAR, patient_id VARCHAR, "
        "bad BOOLEAN, subtype VARCHAR, unmapped BOOLEAN, names BOOLEAN, n BIGINT)"
    )
    plan = _Plan()
    csv_files = [f for f, kind in zip(files, kinds, strict=True) if kind == "csv"]
    scans = plan_csv(csv_files, mapping) if csv_files else []
    steps = len(scans) + len(files) - len(csv_files)
    done = 0
    for number, scan in enumerate(scans):
        report("read", done, steps)
        with csv_timezone(connection, scan):
            connection.execute(_KEYS.format(source=csv_select(scan, None, f"rejects_{number}")))
        flagged = {
            str(name): int(count)
            for name, count in connection.execute(
                "SELECT _file, sum(n) FROM keys WHERE NOT names AND bad GROUP BY _file"
            ).fetchall()
        }
        plan.problems.extend(csv_problems(connection, scan, f"rejects_{number}", flagged))
        # One mapping per ingest, so every scan parses zone-less times in the same zone,
        # and the writing pass (one query over all scans) runs in it.
        again = f"recheck_{number}"
        plan.zone = plan.zone or scan
        plan.sources.append(csv_select(scan, key, again))
        plan.rechecks.append((scan, again))
        done += 1
    for number, path in enumerate(files):
        if path not in csv_files:
            report("read", done, steps)
            problems, target = stage_fhir(connection, path, number, work)
            plan.problems.extend(problems)
            source = f"SELECT * FROM read_parquet({_quoted(target)})"  # noqa: S608
            connection.execute(_KEYS.format(source=source))
            plan.sources.append(source)
            done += 1
    report("read", steps, steps)
    return plan


def _csv_actions(connection: duckdb.DuckDBPyConnection, mapping: CsvMapping | None) -> None:
    """Table ``csv_actions``: each distinct CSV metric name and its C/R/U/D/E action."""
    names = [
        row[0]
        for row in connection.execute(
            "SELECT DISTINCT subtype FROM keys WHERE names AND unmapped"
        ).fetchall()
    ]
    actions = mapping.actions if mapping else {}
    connection.execute("CREATE TEMP TABLE csv_actions (subtype VARCHAR, action VARCHAR)")
    if names:
        connection.executemany(
            "INSERT INTO csv_actions VALUES (?, ?)",
            [(name, action_for(name, actions)) for name in names],
        )


def _write(
    connection: duckdb.DuckDBPyConnection,
    lake: Lake,
    result: IngestResult,
    plan: _Plan,
    mapping: CsvMapping | None,
    key: bytes,
    work: Path,
    report: Progress,
) -> list[Problem]:
    """The writing pass: one partitioned ``COPY`` of the new rows into ``work/out/day=*/``.

    Returns the records this pass could not read although the checking pass
    could (none unless DuckDB reads differently when it reads every column).
    """
    good = "FROM keys WHERE NOT names AND NOT bad"
    total = int(connection.execute(f"SELECT coalesce(sum(n), 0) {good}").fetchall()[0][0])
    result.read = total
    if not total:
        return []
    days = [
        str(row[0])
        for row in connection.execute(f"SELECT DISTINCT day {good} ORDER BY 1").fetchall()
    ]
    _csv_actions(connection, mapping)
    # Pseudonyms: the HMAC runs once per distinct identifier, then is joined back.
    connection.execute(
        f"CREATE TEMP TABLE pu AS SELECT user_id, {pseudonym_sql(key, 'user_id')} AS pseudonym "  # noqa: S608
        f"FROM (SELECT DISTINCT user_id {good})"
    )
    connection.execute(
        "CREATE TEMP TABLE pp AS "  # noqa: S608
        f"SELECT patient_id, {pseudonym_sql(key, 'patient_id')} AS pseudonym "
        f"FROM (SELECT DISTINCT patient_id {good} AND patient_id IS NOT NULL)"
    )
    existing = lake.files(set(days))
    known = ""
    if existing:  # only days the lake already holds need the de-duplication join
        connection.execute(
            "CREATE TEMP TABLE known AS SELECT DISTINCT event_id, day "  # noqa: S608
            f"FROM read_parquet({_parquet_list(existing)})"
        )
        known = "ANTI JOIN known k ON s.event_id = k.event_id AND CAST(s.recorded AS DATE) = k.day"
    columns = ", ".join(
        {
            "day": "CAST(s.recorded AS DATE) AS day",
            "action": "coalesce(s.action, a.action) AS action",
            "user_pseudonym": "pu.pseudonym AS user_pseudonym",
            "patient_pseudonym": "pp.pseudonym AS patient_pseudonym",
            "ingest_id": f"'{result.ingest_id}' AS ingest_id",
        }.get(name, f"s.{name}")
        for name in LAKE_COLUMN_NAMES
    )
    union = " UNION ALL BY NAME ".join(f"({source})" for source in plan.sources)
    out_dir = work / "out"

    def copy(deduplicate: bool) -> int:
        rows = f"(SELECT * FROM ({union}) WHERE _bad IS NULL)"  # noqa: S608
        if deduplicate:  # the same event twice in this batch: keep one
            rows = (
                f"(SELECT * FROM ({union}) WHERE _bad IS NULL "  # noqa: S608
                "QUALIFY row_number() OVER "
                "(PARTITION BY CAST(recorded AS DATE), event_id, patient_index) = 1)"
            )
        query = f"""
            SELECT {columns}
            FROM {rows} s
            JOIN pu ON s.user_id = pu.user_id
            LEFT JOIN pp ON s.patient_id = pp.patient_id
            LEFT JOIN csv_actions a ON s.action IS NULL AND s.subtype = a.subtype
            {known}
        """  # noqa: S608
        zone = csv_timezone(connection, plan.zone) if plan.zone else contextlib.nullcontext()
        # DuckDB cannot estimate a CSV scan's size and would build its hash tables
        # from the events (all of them, spilling) and probe with the few pseudonyms:
        # keep the written order, events probing, lookup tables built.
        connection.execute("SET disabled_optimizers = 'build_side_probe_side'")
        try:
            with zone:
                written = connection.execute(
                    f"COPY ({query}) TO {_quoted(out_dir)} (FORMAT parquet, "
                    f"COMPRESSION {COMPRESSION}, PARTITION_BY (day), WRITE_PARTITION_COLUMNS true)"
                ).fetchall()
        finally:
            connection.execute("RESET disabled_optimizers")
        return int(written[0][0]) if written else 0

    report("write", 0, 1)
    added = copy(deduplicate=False)
    if added and _has_repeats(connection, out_dir):
        shutil.rmtree(out_dir)
        for _scan, table in plan.rechecks:
            connection.execute(f"DROP TABLE IF EXISTS {table}")
            connection.execute(f"DROP TABLE IF EXISTS {table}_scans")
        added = copy(deduplicate=True)
    report("write", 1, 1)
    late = _late_problems(connection, plan)
    result.read = total - len(late)
    result.added = added
    result.duplicates = result.read - added
    result.days = sorted(p.name[len("day=") :] for p in out_dir.glob("day=*")) if added else []
    return late


def _has_repeats(connection: duckdb.DuckDBPyConnection, out_dir: Path) -> bool:
    """Whether the rows just written hold an event twice (the same row read twice)."""
    row = connection.execute(
        "SELECT count(*) > count(DISTINCT (day, event_id, patient_index)) "  # noqa: S608
        f"FROM read_parquet({_quoted(out_dir / 'day=*' / '*.parquet')})"
    ).fetchall()[0]
    return bool(row[0])


def _late_problems(connection: duckdb.DuckDBPyConnection, plan: _Plan) -> list[Problem]:
    """Records the writing pass skipped that the checking pass did not report."""
    reported = {(str(p.file), p.line) for p in plan.problems}
    late: list[Problem] = []
    for scan, table in plan.rechecks:
        for problem in csv_problems(connection, scan, table, {}):
            if (str(problem.file), problem.line) not in reported:
                late.append(problem)
    return late


def _write_rejects(directory: Path, result: IngestResult, problems: list[Problem]) -> Path:
    """Quarantine bad records: one JSON object a line, readable by the owner only."""
    if directory.suffix:  # a file name was given
        path = directory
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{result.ingest_id}.ndjson"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        for problem in problems:
            handle.write(json.dumps(problem.as_reject(), ensure_ascii=False) + "\n")
    return path
