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
from phiwatch.monitor._schema import LAKE_COLUMN_NAMES, STAGED_COLUMNS
from phiwatch.monitor.readers import CsvMapping, Problem, action_for, stage_csv, stage_fhir

_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".ndjson": "fhir", ".jsonl": "fhir", ".json": "fhir"}
MEMORY_LIMIT = "1GB"

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
    connection.execute(f"SET temp_directory = '{work_dir / 'spill'}'")
    connection.execute("SET preserve_insertion_order = false")
    connection.execute("SET TimeZone = 'UTC'")
    return connection


def _new_ingest_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(4)


def _parquet_list(paths: Iterable[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


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
    files = input_files(paths)
    kinds = [_kind(f) for f in files]
    lake = Lake.of(settings)
    key = pseudonym_key(settings)
    report = progress or (lambda _stage, _done, _total: None)
    with lake.writer():
        result = IngestResult(ingest_id=_new_ingest_id(), files=len(files))
        work = lake.staging(result.ingest_id)
        connection = _connect(work)
        try:
            problems = _stage_all(connection, files, kinds, mapping, key, work, report)
            if problems and not skip_bad:
                raise problems[0].error()
            result.rejected = len(problems)
            if problems:  # quarantined before the commit, so a crash loses no reject
                result.rejects_file = str(
                    _write_rejects(rejects_path or lake.root / "rejects", result, problems)
                )
            _publish(connection, lake, result, mapping, key, work, report)
        finally:
            connection.close()
            shutil.rmtree(work, ignore_errors=True)
        result.seconds = time.perf_counter() - started
        return result


_STAGED_TYPES = {
    "event_id": "VARCHAR",
    "patient_index": "INTEGER",
    "recorded": "TIMESTAMP",
    "user_id": "VARCHAR",
    "patient_id": "VARCHAR",
    "action": "VARCHAR",
    "subtype": "VARCHAR",
    "outcome": "VARCHAR",
    "network_address": "VARCHAR",
    "workstation": "VARCHAR",
    "department": "VARCHAR",
    "source": "VARCHAR",
    "query_count": "INTEGER",
    "patient_count": "INTEGER",
    "source_format": "VARCHAR",
    "_bad": "VARCHAR",
    "_file": "INTEGER",
}


def _stage_all(
    connection: duckdb.DuckDBPyConnection,
    files: list[Path],
    kinds: list[str],
    mapping: CsvMapping | None,
    key: bytes,
    work: Path,
    report: Progress,
) -> list[Problem]:
    """Read every file into the temporary table ``staged`` (spilled to disk when large)."""
    assert tuple(_STAGED_TYPES)[:-1] == STAGED_COLUMNS
    columns = ", ".join(f"{name} {kind}" for name, kind in _STAGED_TYPES.items())
    connection.execute(f"CREATE TEMP TABLE staged ({columns})")
    problems: list[Problem] = []
    for number, (path, kind) in enumerate(zip(files, kinds, strict=True)):
        report("read", number, len(files))
        if kind == "csv":
            problems.extend(stage_csv(connection, path, mapping, key, number))
        else:
            problems.extend(stage_fhir(connection, path, number, work))
    report("read", len(files), len(files))
    return problems


def _csv_actions(connection: duckdb.DuckDBPyConnection, mapping: CsvMapping | None) -> None:
    """Table ``csv_actions``: each distinct CSV metric name and its C/R/U/D/E action."""
    names = [
        row[0]
        for row in connection.execute(
            "SELECT DISTINCT subtype FROM staged WHERE action IS NULL AND _bad IS NULL"
        ).fetchall()
    ]
    actions = mapping.actions if mapping else {}
    connection.execute("CREATE TEMP TABLE csv_actions (subtype VARCHAR, action VARCHAR)")
    if names:
        connection.executemany(
            "INSERT INTO csv_actions VALUES (?, ?)",
            [(name, action_for(name, actions)) for name in names],
        )


def _publish(
    connection: duckdb.DuckDBPyConnection,
    lake: Lake,
    result: IngestResult,
    mapping: CsvMapping | None,
    key: bytes,
    work: Path,
    report: Progress,
) -> None:
    counts = connection.execute(
        "SELECT count(*), count(DISTINCT hash(event_id, patient_index)) FROM staged "
        "WHERE _bad IS NULL"
    ).fetchall()[0]
    total, distinct = int(counts[0]), int(counts[1])
    result.read = total
    if not total:
        return
    days = [
        str(row[0])
        for row in connection.execute(
            "SELECT DISTINCT CAST(recorded AS DATE) FROM staged WHERE _bad IS NULL ORDER BY 1"
        ).fetchall()
    ]
    _csv_actions(connection, mapping)
    good = "(SELECT * FROM staged WHERE _bad IS NULL)"
    # Pseudonyms: the HMAC runs once per distinct identifier, then is joined back.
    connection.execute(
        f"CREATE TEMP TABLE pu AS SELECT user_id, {pseudonym_sql(key, 'user_id')} AS pseudonym "  # noqa: S608
        f"FROM (SELECT DISTINCT user_id FROM {good})"
    )
    connection.execute(
        "CREATE TEMP TABLE pp AS "  # noqa: S608
        f"SELECT patient_id, {pseudonym_sql(key, 'patient_id')} AS pseudonym "
        f"FROM (SELECT DISTINCT patient_id FROM {good} WHERE patient_id IS NOT NULL)"
    )
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
    out_dir = work / "out"
    added = 0
    # One day at a time: each write is a single file with bounded buffers (a
    # partitioned COPY keeps a writer per day open and thrashes under the memory cap).
    for number, day in enumerate(days):
        report("write", number, len(days))
        in_day = (
            f"s.recorded >= TIMESTAMP '{day}' AND s.recorded < TIMESTAMP '{day}' + INTERVAL 1 DAY"
        )
        source = f"(SELECT * FROM staged s WHERE _bad IS NULL AND {in_day})"  # noqa: S608
        if distinct < total:  # the same event twice in this batch: keep one
            source = (
                f"(SELECT * FROM staged s WHERE _bad IS NULL AND {in_day} "  # noqa: S608
                "QUALIFY row_number() OVER (PARTITION BY event_id, patient_index) = 1)"
            )
        existing = lake.files({day})
        known = (
            f"ANTI JOIN (SELECT DISTINCT event_id FROM read_parquet({_parquet_list(existing)})) k "  # noqa: S608
            "ON s.event_id = k.event_id"
            if existing
            else ""
        )
        query = f"""
            SELECT {columns}
            FROM {source} s
            JOIN pu ON s.user_id = pu.user_id
            LEFT JOIN pp ON s.patient_id = pp.patient_id
            LEFT JOIN csv_actions a ON s.action IS NULL AND s.subtype = a.subtype
            {known}
        """  # noqa: S608
        target = out_dir / f"day={day}" / "part.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        written = connection.execute(
            f"COPY ({query}) TO '{target}' (FORMAT parquet, COMPRESSION snappy)"
        ).fetchall()
        rows = int(written[0][0]) if written else 0
        if rows:
            added += rows
            result.days.append(day)
        else:
            shutil.rmtree(target.parent)
    report("write", len(days), len(days))
    result.added = added
    result.duplicates = total - added
    if added:
        lake.publish(result.ingest_id, out_dir, added, result.as_dict())


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
