"""Ingest access events into the lake: read, pseudonymise, file by day, de-duplicate, publish.

Each input is read once, into a DuckDB table of its own (several at once,
one per core): memory is capped by ``memory_limit`` and DuckDB spills to the
staging directory beyond it, so the input's size does not matter.

1. FHIR JSON, dear to parse and whose problems are located in Python, is
   first staged to a Parquet work file; CSV is read straight from the file.
2. Each source's rows are materialised once, pseudonymised (the HMAC of each
   distinct identifier, joined back) and its good rows written to a part, a
   file per day; its bad rows are counted, and located only if there are any.
3. Parts without repeats or events the lake already holds are moved into
   place as they are; otherwise the new rows are rewritten in one
   partitioned ``COPY``. Then one atomic manifest rename publishes
   everything (see ``_lake``).

Nothing is published when a bad record stops the ingest. Work files hold
clear identifiers only while the ingest runs, inside the data directory;
they are deleted afterwards, and by the next ingest after a crash.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from phiwatch.config import Settings
from phiwatch.errors import InputError
from phiwatch.monitor._lake import Lake, fsync_path
from phiwatch.monitor._pseudonym import pseudonym_key, pseudonym_sql
from phiwatch.monitor._repeats import RowHashes, files_may_repeat, identity_hash
from phiwatch.monitor._schema import LAKE_COLUMN_NAMES, constant_text_sql, sql_text, sql_text_list
from phiwatch.monitor.readers import (
    EPIC,
    CsvMapping,
    CsvScan,
    Problem,
    action_sql,
    csv_constants,
    csv_read_problems,
    csv_scan,
    csv_select,
    empty_field_problems,
    set_csv_timezone,
    stage_fhir,
)

_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".ndjson": "fhir", ".jsonl": "fhir", ".json": "fhir"}
MEMORY_LIMIT = "1GB"
COMPRESSION = "snappy"
# DuckDB's rows per row group, the unit its zone maps skip.
_ROW_GROUP_ROWS = 122_880
# Sources written at once: a cursor each, each holding its materialised rows.
_MAX_WRITERS = 4
# CSV read together as one source, at most, and sources a writer at least (see _group_bytes).
_GROUP_BYTES = 64 * 1024 * 1024
_SOURCES_PER_WRITER = 2

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


def _connect(spill_dir: Path, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB database of its own, spilling to ``spill_dir`` (one folder per database).

    ``threads`` fixes the size of its thread pool when the database opens:
    changing it later (``SET threads``) relaunches the pool while other
    statements may be running, which DuckDB's issue tracker links to hangs.
    """
    config: dict[str, str | bool | int | float | list[str]] = (
        {} if threads is None else {"threads": threads}
    )
    connection = duckdb.connect(config=config)
    connection.execute("SET enable_progress_bar = false")
    connection.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    connection.execute(f"SET temp_directory = {sql_text(spill_dir)}")
    connection.execute("SET preserve_insertion_order = false")
    connection.execute("SET TimeZone = 'UTC'")
    return connection


@contextmanager
def interrupts_as_keyboard() -> Iterator[None]:
    """Ctrl-C as ``KeyboardInterrupt``, also when it lands inside a DuckDB call.

    DuckDB answers a SIGINT that arrives during one of its statements with a
    plain ``RuntimeError('Query interrupted')``, so an interrupted ingest
    would end in a traceback, or in an error message, instead of the
    interruption callers (and the CLI's "Aborted!") expect.
    """
    try:
        yield
    except RuntimeError as exc:
        if str(exc) == "Query interrupted":
            raise KeyboardInterrupt from exc
        raise


def _new_ingest_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(4)


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
    """(size, mtime) of each file: bad records are located by reading a file again."""
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
    with lake.writer(), interrupts_as_keyboard():
        result = IngestResult(ingest_id=_new_ingest_id(), files=len(named))
        work = lake.staging(result.ingest_id)
        connection = _connect(work / "spill")
        try:
            before = _snapshot(files)
            sources, problems = _sources(connection, files, kinds, mapping, key, work, report)
            if problems and not skip_bad:  # FHIR problems are known before anything is written
                raise problems[0].error()
            hashes = RowHashes()
            parts = _write_parts(
                sources, mapping or EPIC, result.ingest_id, key, work, hashes, report
            )
            problems += _part_problems(parts)
            problems.sort(key=lambda p: (str(p.file), p.line or 0))
            if problems and not skip_bad:
                raise problems[0].error()
            _finish(connection, lake, result, parts, hashes, work / "out")
            for path, (old, new) in zip(
                files, zip(before, _snapshot(files), strict=True), strict=True
            ):
                if old != new:
                    raise InputError("the file changed while it was being ingested", file=path)
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


@dataclass(frozen=True)
class _Source:
    """One input (a FHIR file, or CSV files read together), read once, written to one part.

    ``select`` gives the staged columns. A CSV source keeps its bad rows (they
    have no day or no user, and are counted by :func:`_write_part`) so that
    its file is read once; a staged FHIR file's problems are known already,
    and its bad rows are left out.
    """

    select: str
    csv: tuple[CsvScan, ...] = ()
    rejects: tuple[str, ...] = ()
    constants: Mapping[str, str] = field(default_factory=dict)


@dataclass
class _Part:
    """What one source wrote: its good rows, a file per day, and how many rows were bad."""

    source: _Source
    files: list[Path] = field(default_factory=list)
    rows: int = 0
    bad: int = 0
    read_problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class _DayCount:
    """One day of a materialised source (None: rows without a time): its rows and row groups."""

    day: str | None
    rows: int
    row_groups: int


def _sources(
    connection: duckdb.DuckDBPyConnection,
    files: list[Path],
    kinds: list[str],
    mapping: CsvMapping | None,
    key: bytes,
    work: Path,
    report: Progress,
) -> tuple[list[_Source], list[Problem]]:
    """How each file will be read, and the problems already found.

    CSV is cheap to parse and is read once, by the writing pass; FHIR JSON is
    dear to parse and its problems must be located in Python, so it is staged
    to a Parquet work file first, which the writing pass reads.
    """
    sources: list[_Source] = []
    problems: list[Problem] = []
    fhir = [f for f, kind in zip(files, kinds, strict=True) if kind == "fhir"]
    scans = [
        csv_scan(path, mapping) for path, kind in zip(files, kinds, strict=True) if kind == "csv"
    ]
    sizes = [scan.file.stat().st_size for scan in scans]
    for group in _csv_groups(scans, sizes, _group_bytes(sizes)):
        names = list(dict.fromkeys(scan.file.name for scan in group))  # an ENUM's values
        rejects = tuple(f"rejects_{len(sources)}_{n}" for n in range(len(group)))
        select = " UNION ALL ".join(
            csv_select(scan, key, table, names) for scan, table in zip(group, rejects, strict=True)
        )
        sources.append(_Source(select, tuple(group), rejects, csv_constants(group[0].mapping)))
    for done, path in enumerate(fhir):
        report("read", done, len(fhir))
        found, target = stage_fhir(connection, path, len(sources), work)
        problems.extend(found)
        staged = f"SELECT * FROM read_parquet({sql_text(target)}) WHERE _bad IS NULL"  # noqa: S608
        sources.append(_Source(staged))
    if fhir:
        report("read", len(fhir), len(fhir))
    return sources, problems


def _group_bytes(sizes: list[int]) -> int:
    """How much CSV one source reads: an equal share, ``_SOURCES_PER_WRITER`` a writer at least.

    Small files cost a source's fixed work each (its lookups, counts and a
    ``COPY`` for each of its days: 15% of a 76,000-row file's time), so
    several are read together. Equal shares keep the writers busy to the end
    (a last, smaller source left a core idle for a tenth of an ingest);
    ``_GROUP_BYTES`` keeps a source's table within memory.
    """
    writers = max(1, min(os.cpu_count() or 1, _MAX_WRITERS))
    total = sum(sizes)
    sources = writers * max(_SOURCES_PER_WRITER, -(-total // (writers * _GROUP_BYTES)))
    return max(1, total // sources)


def _csv_groups(scans: list[CsvScan], sizes: list[int], budget: int) -> list[list[CsvScan]]:
    """``scans`` in order, consecutive files with the same columns together, about ``budget``
    bytes a group: a file joins the group unless that takes it past ``budget`` by more than
    half the file.

    Files read together share one mapping and one column list, so that their
    rows stage into one table.
    """
    groups: list[list[CsvScan]] = []
    size = 0
    for scan, grows in zip(scans, sizes, strict=True):
        last = groups[-1] if groups else None
        if (
            last is not None
            and size + grows / 2 <= budget
            and (scan.header, scan.mapping) == (last[0].header, last[0].mapping)
        ):
            last.append(scan)
            size += grows
        else:
            groups.append([scan])
            size = grows
    return groups


@dataclass(frozen=True)
class _PartSql:
    """The statements that write one source: its tables, its lake rows, their counts by day."""

    tables: tuple[str, ...]
    create: tuple[str, ...]
    rows: str
    counts: str
    hashes: str


def _part_sql(
    source: _Source, name: str, key: bytes, ingest_id: str, actions: dict[str, str]
) -> _PartSql:
    """How one source becomes lake rows, in temporary tables named after ``name``.

    The staged rows are materialised once (spilling beyond the memory limit),
    so the file is read once: the HMAC then runs once per distinct identifier
    of the source and is joined back, as is the action of each distinct CSV
    name. CSV user, patient and action names are trimmed there too, once per
    distinct value rather than on every row (a blank one becomes NULL: the
    row is then bad, or has no patient). The lake rows are not materialised
    again: each day's ``COPY`` joins its rows to the small lookup tables, so
    memory holds one copy of the source.
    """
    csv = bool(source.csv)
    staged, users, patients, names = (f"{kind}_{name}" for kind in ("s", "pu", "pp", "a"))

    def cleaned(column: str) -> str:
        return f"nullif(trim({column}), '')" if csv else column

    def value(column: str) -> str:  # a staged column, or the constant left out of the table
        return source.constants.get(column, f"s.{column}")

    columns = ", ".join(
        {
            "action": f"coalesce({value('action')}, a.action)",
            "subtype": "a.cleaned" if csv else "s.subtype",
            "user_pseudonym": "pu.pseudonym",
            "patient_pseudonym": "pp.pseudonym",
            "patient_count": f"coalesce({value('patient_count')}, "
            "CAST(pp.pseudonym IS NOT NULL AS INTEGER))",
            "ingest_id": constant_text_sql(ingest_id),
        }.get(column, value(column))
        + f" AS {column}"
        for column in LAKE_COLUMN_NAMES
    )
    create = (
        f"CREATE TEMP TABLE {staged} AS "  # noqa: S608
        f"SELECT *, CAST(recorded AS DATE) AS day FROM ({source.select})",
        _lookup(users, staged, "user_id", f"{pseudonym_sql(key, cleaned('user_id'))} AS pseudonym"),
        _lookup(
            patients,
            staged,
            "patient_id",
            f"{pseudonym_sql(key, cleaned('patient_id'))} AS pseudonym",
        ),
        _lookup(
            names,
            staged,
            "subtype",
            f"{action_sql('subtype', actions)} AS action, {cleaned('subtype')} AS cleaned",
            where=f"{value('action')} IS NULL",
        ),
    )
    # Good rows only: a time (so a day) and a user that is not blank.
    rows = f"""
        SELECT {columns}
        FROM {staged} s
        JOIN {users} pu ON s.user_id = pu.user_id AND pu.pseudonym IS NOT NULL
        LEFT JOIN {patients} pp ON s.patient_id = pp.patient_id
        LEFT JOIN {names} a
            ON {value("action")} IS NULL AND s.subtype IS NOT DISTINCT FROM a.subtype
        WHERE s.day IS NOT NULL
    """  # noqa: S608
    counts = (
        f"SELECT CAST(day AS VARCHAR), count(*), count(DISTINCT rowid // {_ROW_GROUP_ROWS}) "  # noqa: S608
        f"FROM {staged} GROUP BY day"
    )
    # Identities of the rows with a day and a user: those written, and any
    # whose user is blank (a repeat among those only costs the exact path).
    hashes = (
        f"SELECT {identity_hash(value('patient_index'))} AS h FROM {staged} s "  # noqa: S608
        "WHERE day IS NOT NULL AND user_id IS NOT NULL"
    )
    return _PartSql((staged, users, patients, names), create, rows, counts, hashes)


def _lookup(table: str, staged: str, column: str, values: str, where: str = "") -> str:
    """A statement creating ``table``: each distinct ``column`` of ``staged``, and ``values``."""
    condition = where or f"{column} IS NOT NULL"
    return (
        f"CREATE TEMP TABLE {table} AS SELECT {column}, {values} "  # noqa: S608
        f"FROM (SELECT DISTINCT {column} FROM {staged} s WHERE {condition})"
    )


def _write_parts(
    sources: list[_Source],
    mapping: CsvMapping,
    ingest_id: str,
    key: bytes,
    work: Path,
    hashes: RowHashes,
    report: Progress,
) -> list[_Part]:
    """Write each source to its own part, a file per day, several sources at a time.

    One source per cursor, on as many cursors as there are cores (up to
    ``_MAX_WRITERS``): one partitioned ``COPY`` of everything at once cost up to
    twice the CPU, the most on inputs of many days. See :func:`_write_part`.
    The writers get a database of their own, its pool sized to the cores they
    leave: each writer runs its statements on its own thread as well, and a
    pool of the default size beside them cost 12-15% more CPU on two cores.
    """
    cores = os.cpu_count() or 1
    workers = max(1, min(len(sources), cores, _MAX_WRITERS))
    database = _connect(work / "spill-writers", threads=cores - workers + 1)
    cursors = [database.cursor() for _ in range(workers)]
    parts_dir = work / "parts"
    idle: queue.SimpleQueue[duckdb.DuckDBPyConnection] = queue.SimpleQueue()
    stopping = threading.Event()

    def write(number: int, source: _Source) -> _Part:
        cursor = idle.get()
        try:
            sql = _part_sql(source, str(number), key, ingest_id, dict(mapping.actions))
            part = _write_part(cursor, source, sql, parts_dir / str(number), hashes, stopping)
            if not stopping.is_set():
                for rejects in source.rejects:
                    part.read_problems += csv_read_problems(cursor, rejects)
            return part
        finally:
            idle.put(cursor)

    prefix = f"phiwatch-ingest-{ingest_id}"
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=prefix)
    try:
        for cursor in cursors:
            set_csv_timezone(cursor, mapping)
            idle.put(cursor)
        parts_dir.mkdir()
        report("write", 0, len(sources))
        futures = [pool.submit(write, n, source) for n, source in enumerate(sources)]
        for done, _ in enumerate(as_completed(futures), start=1):
            report("write", done, len(sources))
        return [future.result() for future in futures]
    except BaseException:  # a file failed, or Ctrl-C: stop the others now, not file by file
        stopping.set()
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        _join_writers(prefix, cursors, stopping)
        for cursor in cursors:
            cursor.close()
        database.close()


def _write_part(
    cursor: duckdb.DuckDBPyConnection,
    source: _Source,
    sql: _PartSql,
    target: Path,
    hashes: RowHashes,
    stopping: threading.Event,
) -> _Part:
    """Materialise one source, count its rows by day, write its good rows a day at a time.

    A ``COPY`` per day cost about half the CPU of one ``COPY ... PARTITION_BY
    (day)`` (DuckDB's partitioned writer gathers every row into per-day
    buffers first). Each day's ``COPY`` only reads the row groups whose zone
    map holds that day, so this holds while the days keep to their own row
    groups, as in a log written in time order; when they are mixed (see
    :func:`_per_day`), one partitioned ``COPY`` is used instead. Bad rows (no
    time, hence no day, or no user) are counted, never written. The tables
    are dropped once written; after a failure, with the cursor.
    """
    files: list[Path] = []
    for statement in sql.create:
        if stopping.is_set():  # stopped before this source was written: nothing to keep
            return _Part(source)
        cursor.execute(statement)
    counts = [
        _DayCount(day, int(rows), int(groups))
        for day, rows, groups in cursor.execute(sql.counts).fetchall()
    ]
    days = [c for c in counts if c.day is not None]
    written = 0
    if days and _per_day(days):
        for count in days:
            if stopping.is_set():
                return _Part(source)
            path = target / f"day={count.day}" / "data_0.parquet"
            path.parent.mkdir(parents=True)
            rows = cursor.execute(
                f"COPY ({sql.rows} AND s.day = DATE {sql_text(str(count.day))}) TO "
                f"{sql_text(path)} (FORMAT parquet, COMPRESSION {COMPRESSION})"
            ).fetchall()[0][0]
            if rows:
                files.append(path)
                written += int(rows)
            else:  # every row of the day was bad (no user)
                path.unlink()
                path.parent.rmdir()
    elif days:
        stats = cursor.execute(
            f"COPY ({sql.rows}) TO {sql_text(target)} (FORMAT parquet, COMPRESSION {COMPRESSION}, "
            "PARTITION_BY (day), WRITE_PARTITION_COLUMNS true, RETURN_STATS)"
        ).fetchall()
        files.extend(Path(row[0]) for row in stats)
        written = sum(int(row[1]) for row in stats)
    for path in files:
        # Flushed now, while the other writers work, rather than one after
        # another when the lake publishes (which then finds little to flush).
        fsync_path(path)
    if written and hashes.reserve(written):
        hashes.add(cursor.execute(sql.hashes).fetchnumpy()["h"])
    for table in sql.tables:
        cursor.execute(f"DROP TABLE {table}")
    return _Part(source, files, written, sum(c.rows for c in counts) - written)


def _per_day(counts: list[_DayCount]) -> bool:
    """Whether a ``COPY`` per day is cheaper than one partitioned ``COPY``.

    A day's ``COPY`` reads every row group that holds the day. In time order
    a row group holds a day or two, and the days' ``COPY``s together read the
    rows about once: on 2.26 M rows over 31 days they took 1.75 s of CPU,
    against 3.3-3.8 s for the partitioned ``COPY``. With the same rows
    shuffled they took 3.5 s, and more with more days. So past four reads of
    every row group (days mixed, as in an export sorted by user) the
    partitioned ``COPY``, whose cost does not grow with the days, is used.
    """
    groups = sum(c.row_groups for c in counts)
    spanned = max(1, -(-sum(c.rows for c in counts) // _ROW_GROUP_ROWS))
    return len(counts) == 1 or groups <= 4 * spanned


def _join_writers(
    prefix: str, cursors: list[duckdb.DuckDBPyConnection], stopping: threading.Event
) -> None:
    """Wait for every writer thread, interrupting their statements while stopping.

    The pool's own shutdown does not wait for a thread that Ctrl-C caught while
    it was being started (the pool had not recorded it yet), and an interrupt
    sent before a statement begins does not stop it: such a thread went on
    writing its part after the work folder was removed. So every thread of
    this ingest is joined, and its cursor interrupted again until it ends.
    """
    for thread in threading.enumerate():
        if not thread.name.startswith(prefix):
            continue
        while thread.is_alive():
            if stopping.is_set():
                for cursor in cursors:
                    cursor.interrupt()
            thread.join(0.05)


def _part_problems(parts: list[_Part]) -> list[Problem]:
    """The bad records the writing pass met: unreadable ones, and ones without a time or user."""
    problems: list[Problem] = []
    for part in parts:
        problems.extend(part.read_problems)
        if part.bad and part.source.csv:
            problems.extend(empty_field_problems(part.source.csv, part.bad))
    return problems


def _finish(
    connection: duckdb.DuckDBPyConnection,
    lake: Lake,
    result: IngestResult,
    parts: list[_Part],
    hashes: RowHashes,
    out_dir: Path,
) -> None:
    """File the good rows of the parts under ``out_dir/day=*/``, each event once.

    The usual case costs a rename per file: no event the lake holds already,
    no event twice (the parts hold good rows only). Otherwise the rows not
    yet in the lake are rewritten, once each, in one partitioned ``COPY``.
    """
    files = [f for part in parts for f in part.files]
    result.read = sum(p.rows for p in parts)
    if not result.read:
        return
    days = {f.parent.name[len("day=") :] for f in files}
    existing = lake.files(days)
    repeats = hashes.repeat() if hashes.complete else files_may_repeat(connection, files)
    out_dir.mkdir()
    if existing or repeats:
        result.added = _filtered_copy(connection, files, existing, repeats, out_dir)
    else:
        for number, path in enumerate(files):
            day_dir = out_dir / path.parent.name
            day_dir.mkdir(exist_ok=True)
            path.rename(day_dir / f"part-{number}.parquet")
        result.added = result.read
    result.duplicates = result.read - result.added
    result.days = (
        sorted(p.name[len("day=") :] for p in out_dir.glob("day=*")) if result.added else []
    )


def _filtered_copy(
    connection: duckdb.DuckDBPyConnection,
    files: list[Path],
    existing: list[Path],
    repeats: bool,
    out_dir: Path,
) -> int:
    """Rewrite the rows of ``files`` by day, leaving out known and repeated events."""
    rows = f"(SELECT * FROM read_parquet({sql_text_list(files)})"  # noqa: S608
    if repeats:  # the same event twice in this batch: keep one
        rows += " QUALIFY row_number() OVER (PARTITION BY day, event_id, patient_index) = 1"
    rows += ") s"
    known = ""
    if existing:  # only days the lake already holds need the de-duplication join
        connection.execute(
            "CREATE TEMP TABLE known AS SELECT DISTINCT event_id, day "  # noqa: S608
            f"FROM read_parquet({sql_text_list(existing)})"
        )
        known = "ANTI JOIN known k ON s.event_id = k.event_id AND s.day = k.day"
    written = connection.execute(
        f"COPY (SELECT s.* FROM {rows} {known}) TO {sql_text(out_dir)} "  # noqa: S608
        f"(FORMAT parquet, COMPRESSION {COMPRESSION}, PARTITION_BY (day), "
        "WRITE_PARTITION_COLUMNS true, OVERWRITE_OR_IGNORE true)"
    ).fetchall()
    return int(written[0][0]) if written else 0


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
