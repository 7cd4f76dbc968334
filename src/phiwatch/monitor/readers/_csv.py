"""CSV access-log exports: a column mapping, then one DuckDB ``read_csv`` per file.

Every row is mapped to the staged columns in SQL (no Python loop over rows).
Type errors (a time that is not a time, a wrong number of fields) are caught
by DuckDB's reject tables, which give the line and column; rows whose
required fields are empty are marked by the query and located afterwards
with a Python scan, which only runs when such rows exist.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from phiwatch.errors import InputError
from phiwatch.monitor._pseudonym import row_id_sql, source_id_sql
from phiwatch.monitor._schema import (
    ACTIONS,
    STAGED_COLUMNS,
    constant_text_sql,
    sql_text,
    utc_sql,
)
from phiwatch.monitor.readers._problems import Problem

# Lake fields a mapping can fill, and whether a CSV must provide them.
FIELDS: dict[str, bool] = {
    "id": False,
    "time": True,
    "user": True,
    "patient": True,
    "action": True,
    "workstation": False,
    "network_address": False,
    "department": False,
    "outcome": False,
    "query_count": False,
    "source": False,
}

EPIC_COLUMNS: dict[str, str] = {
    "id": "ACCESS_ID",
    "time": "ACCESS_TIME",
    "user": "USER_ID",
    "patient": "PAT_ID",
    "action": "METRIC_NAME",
    "workstation": "WORKSTATION_ID",
    "network_address": "IP_ADDRESS",
    "department": "DEPARTMENT",
}

# Keywords of action / metric names, checked in this order; anything else is a read.
_ACTION_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("D", ("delete", "remove", "purge")),
    ("E", ("print", "export", "download", "fax", "copy", "extract", "report run", "login")),
    ("C", ("create", "new ", "add", "insert", "register")),
    ("U", ("modif", "edit", "update", "change", "sign", "correct", "merge")),
)


@dataclass(frozen=True)
class CsvMapping:
    """Which CSV column holds which lake field, and how to read it."""

    columns: Mapping[str, str]
    delimiter: str = ","
    timestamp_format: str | None = None
    timezone: str = "UTC"
    actions: Mapping[str, str] = field(default_factory=dict)
    name: str = "custom"

    def __post_init__(self) -> None:
        unknown = set(self.columns) - set(FIELDS)
        if unknown:
            raise InputError(f"unknown mapping field(s) {sorted(unknown)}; known: {sorted(FIELDS)}")
        bad = {k: v for k, v in self.actions.items() if v not in ACTIONS}
        if bad:
            raise InputError(f"action mapping must map to C, R, U, D or E, not {sorted(bad)}")

    def with_overrides(self, overrides: Mapping[str, str]) -> CsvMapping:
        return replace(self, columns={**self.columns, **overrides}, name=f"{self.name}+cli")


EPIC = CsvMapping(columns=EPIC_COLUMNS, name="epic")


def load_mapping(path: Path) -> CsvMapping:
    """A mapping from a TOML file: ``[columns]``, optional ``[options]`` and ``[actions]``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot read the mapping: {exc}", file=path) from exc
    columns = data.get("columns")
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise InputError('expected a [columns] table of field = "CSV column"', file=path)
    options: dict[str, Any] = data.get("options", {})
    allowed = {"delimiter", "timestamp_format", "timezone"}
    if set(options) - allowed:
        raise InputError(f"unknown [options] {sorted(set(options) - allowed)}", file=path)
    return CsvMapping(
        columns=columns,
        actions=dict(data.get("actions", {})),
        name=path.name,
        **options,
    )


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """``["user=UserName", ...]`` from the command line into a dict."""
    result: dict[str, str] = {}
    for pair in pairs:
        name, sep, column = pair.partition("=")
        if not sep or not name.strip() or not column.strip():
            raise InputError(f"--map expects field=COLUMN, got {pair!r}")
        result[name.strip()] = column.strip()
    return result


def read_header(path: Path, delimiter: str) -> list[str]:
    with path.open("rb") as handle:
        first = handle.readline()
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", file=path, line=1) from exc
    header = next(csv.reader([text], delimiter=delimiter), None)
    if not header:
        raise InputError("empty file: expected a header line", file=path, line=1)
    return [h.strip() for h in header]


def resolve_mapping(path: Path, mapping: CsvMapping | None) -> tuple[CsvMapping, list[str]]:
    """The mapping to use for ``path`` (the built-in Epic one by default) and its header."""
    chosen = mapping or EPIC
    header = read_header(path, chosen.delimiter)
    present = {name: column for name, column in chosen.columns.items() if column in header}
    for name, required in FIELDS.items():
        if required and name not in present:
            expected = chosen.columns.get(name, "(unmapped)")
            raise InputError(
                f"no column {expected!r} for the {name} field (mapping {chosen.name}); "
                "give --map or --mapping FILE",
                file=path,
                line=1,
            )
    return replace(chosen, columns=present), header


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def action_sql(column: str, actions: Mapping[str, str]) -> str:
    """SQL giving the C/R/U/D/E action of a CSV action or metric name in ``column``.

    The ingest runs it once per distinct name (a few hundred at most) and
    joins the result back, so it may be a long ``CASE``. Single letters pass
    through, the mapping's ``[actions]`` come next (case and surrounding
    spaces ignored), then keywords; anything else, an empty name included,
    is a read.
    """
    text = f"trim(coalesce({column}, ''))"
    lowered = f"lower({text})"
    letters = ", ".join(f"'{a}'" for a in ACTIONS)
    whens = [f"WHEN upper({text}) IN ({letters}) THEN upper({text})"]
    whens += [
        f"WHEN {lowered} = {sql_text(name.strip().lower())} THEN '{action}'"
        for name, action in actions.items()
    ]
    whens += [
        "WHEN "
        + " OR ".join(f"contains({lowered}, {sql_text(w)})" for w in words)
        + f" THEN '{action}'"
        for action, words in _ACTION_KEYWORDS
    ]
    return "CASE " + " ".join(whens) + " ELSE 'R' END"


def _outcome_sql(column: str) -> str:
    text = f"lower(trim({column}))"
    return (
        f"CASE WHEN {column} IS NULL OR {text} IN ('', '0', 'success', 'ok', 'succeeded') "
        f"THEN '0' WHEN {text} IN ('4', '8', '12') THEN {text} ELSE '4' END"
    )


def csv_constants(mapping: CsvMapping) -> dict[str, str]:
    """The staged columns whose value every row of a CSV source shares, as SQL.

    :func:`csv_select` leaves them out: the ingest writes them from these
    expressions instead of storing a copy on every staged row (1-3% of the
    CPU of writing a part). Every CSV access is one patient's (index 0); its
    action is mapped from the name later, its patient count from the patient;
    without an outcome column every access succeeded.
    """
    constants = {
        "patient_index": "CAST(0 AS INTEGER)",
        "action": "CAST(NULL AS VARCHAR)",
        "patient_count": "CAST(NULL AS INTEGER)",
        "source_format": constant_text_sql("csv"),
    }
    if "outcome" not in mapping.columns:
        constants["outcome"] = constant_text_sql("0")
    if "query_count" not in mapping.columns:
        constants["query_count"] = "CAST(NULL AS INTEGER)"
    return constants


@dataclass(frozen=True)
class CsvScan:
    """One CSV file, its header and the mapping resolved against that header."""

    file: Path
    mapping: CsvMapping
    header: tuple[str, ...]


def csv_scan(path: Path, mapping: CsvMapping | None) -> CsvScan:
    """How to read ``path``: checks that its header has the mapping's required columns."""
    chosen, header = resolve_mapping(path, mapping)
    return CsvScan(path, chosen, tuple(header))


def _types(scan: CsvScan) -> dict[str, str]:
    cols = scan.mapping.columns
    types = dict.fromkeys(scan.header, "VARCHAR")
    # Without a format DuckDB types the column itself (its reject table then names the
    # line); with one, the text is parsed by strptime and failures are located afterwards.
    types[cols["time"]] = "VARCHAR" if scan.mapping.timestamp_format else "TIMESTAMPTZ"
    if "query_count" in cols:
        types[cols["query_count"]] = "INTEGER"
    return types


def _cleaned(column: str) -> str:
    """SQL for a field's text with surrounding spaces trimmed, NULL when nothing is left.

    ``trim`` copies every value, and most fields need nothing: the guard sends
    only empty values, values that begin or end with a space, and non-ASCII
    ones (``trim`` also removes Unicode spaces) through it: the same result
    at about a third of the cost, on the fields kept per row (names that are
    pseudonymised or mapped are trimmed once per distinct value instead).
    """
    return (
        f"CASE WHEN {column} = '' OR {column} LIKE ' %' OR {column} LIKE '% ' "
        f"OR strlen({column}) <> length({column}) "
        f"THEN nullif(trim({column}), '') ELSE {column} END"
    )


def csv_select(scan: CsvScan, key: bytes, rejects: str, together: Sequence[str] = ()) -> str:
    """SQL giving the staged columns of every row of ``scan``'s file.

    ``together``: the names of the files whose rows are staged with these
    (see ``_ingest._csv_groups``); the file-name column is typed to hold any.

    Rows DuckDB cannot read go to the reject tables ``<rejects>`` and
    ``<rejects>_scans`` of the connection that runs the query (see
    :func:`csv_read_problems`). Zone-less times are read in the session's
    time zone: set it to the mapping's (:func:`set_csv_timezone`) first.
    Rows without a time or a user are kept: the ingest counts them by their
    missing day or user pseudonym. The columns of :func:`csv_constants` are
    left out.
    """
    chosen = scan.mapping
    cols = chosen.columns
    types = _types(scan)
    spec = "{" + ", ".join(f"{sql_text(n)}: '{t}'" for n, t in types.items()) + "}"
    options = [
        "header = true",
        "auto_detect = false",
        f"delim = {sql_text(chosen.delimiter)}",
        "quote = '\"'",
        "escape = '\"'",
        f"columns = {spec}",
        "store_rejects = true",
        f"rejects_table = {sql_text(rejects)}",
        f"rejects_scan = {sql_text(rejects + '_scans')}",
    ]
    time_value = _quote(cols["time"])
    if chosen.timestamp_format:
        time_value = (
            f"CAST(try_strptime(nullif(trim({time_value}), ''), "
            f"{sql_text(chosen.timestamp_format)}) AS TIMESTAMPTZ)"
        )

    def col(name: str) -> str:
        return _quote(cols[name]) if name in cols else "NULL"

    row_id = row_id_sql(key, [(_quote(h), types[h]) for h in scan.header])
    if "id" in cols:  # the export's own id; the whole row's hash only where it is empty
        own_id = _cleaned(col("id"))
        by_id = source_id_sql(key, own_id, _cleaned(col("patient")))
        row_id = f"CASE WHEN {own_id} IS NULL THEN {row_id} ELSE {by_id} END"
    source = col("source") if "source" in cols else constant_text_sql(scan.file.name, together)
    # User, patient and action names are trimmed once per distinct value, where
    # they are pseudonymised or mapped (see _ingest._part_sql), not per row.
    values = {
        "event_id": row_id,
        "recorded": utc_sql(time_value),
        "user_id": col("user"),
        "patient_id": col("patient"),
        "subtype": col("action"),
        "network_address": _cleaned(col("network_address")),
        "workstation": _cleaned(col("workstation")),
        "department": _cleaned(col("department")),
        "source": source,
    }
    if "outcome" in cols:
        values["outcome"] = _outcome_sql(col("outcome"))
    if "query_count" in cols:
        values["query_count"] = f"CAST({col('query_count')} AS INTEGER)"
    selected = ", ".join(f"{values[name]} AS {name}" for name in STAGED_COLUMNS if name in values)
    return f"SELECT {selected} FROM read_csv({sql_text(scan.file)}, {', '.join(options)})"  # noqa: S608


def empty_field_problems(scans: Sequence[CsvScan], count: int) -> list[Problem]:
    """Locate the ``count`` records of ``scans``' files the query marked bad.

    An empty required field, or a time not in the mapping's format: a
    Python scan of the files finds them (it runs only when there are some).
    """
    located = [
        problem
        for scan in scans
        for problem in _locate_empty_fields(scan.file, scan.mapping, list(scan.header))
    ]
    if len(located) < count:
        names = ", ".join(scan.file.name for scan in scans[1:])
        within = f" (in this file or {names})" if names else ""
        located.append(
            Problem(
                scans[0].file,
                f"{count - len(located)} record(s) with an unreadable time{within}",
            )
        )
    return located


def set_csv_timezone(connection: duckdb.DuckDBPyConnection, mapping: CsvMapping) -> None:
    """Make ``connection`` read zone-less CSV times in ``mapping``'s zone."""
    try:
        connection.execute(f"SET TimeZone = {sql_text(mapping.timezone)}")
    except duckdb.Error as exc:
        raise InputError(f"unknown time zone {mapping.timezone!r} in the mapping") from exc


_REJECT_REASONS = {
    "CAST": "value is not of the expected type",
    "TOO MANY COLUMNS": "too many fields",
    "MISSING COLUMNS": "too few fields",
    "UNQUOTED VALUE": "badly quoted field",
    "LINE SIZE OVER MAXIMUM": "line too long",
    "INVALID ENCODING": "not valid UTF-8",
    "INVALID UNICODE": "not valid UTF-8",
}


def csv_read_problems(connection: duckdb.DuckDBPyConnection, rejects: str) -> list[Problem]:
    """Rows DuckDB could not read, from its reject tables (messages rebuilt: no values).

    Reject tables are temporary, so ask the connection (cursor) that ran the scan.
    """
    rows = connection.execute(
        f"SELECT s.file_path, r.line, r.column_name, r.error_type, r.csv_line "  # noqa: S608
        f"FROM {rejects} r JOIN {rejects}_scans s USING (scan_id, file_id) "
        "ORDER BY s.file_path, r.line"
    ).fetchall()
    problems = []
    seen: set[tuple[str, int]] = set()
    for file_path, line, column, error_type, raw in rows:
        if (file_path, int(line)) in seen:
            continue  # one record short of two fields is one bad record
        seen.add((file_path, int(line)))
        reason = _REJECT_REASONS.get(str(error_type), str(error_type).lower())
        if error_type == "CAST" and column:
            reason = "not a valid value for this column (expected a time or number)"
        problems.append(
            Problem(file=Path(file_path), reason=reason, line=int(line), column=column, raw=raw)
        )
    return problems


def _locate_empty_fields(path: Path, mapping: CsvMapping, header: list[str]) -> list[Problem]:
    """Find the records whose required fields are empty (runs only when there are some)."""
    cols = mapping.columns
    required = [(cols["time"], "time"), (cols["user"], "user")]
    positions = [(header.index(column), column) for column, _ in required]
    found: list[Problem] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, delimiter=mapping.delimiter)
        next(reader, None)
        for line, record in enumerate(reader, start=2):
            if len(record) != len(header):
                continue  # reported by DuckDB's reject table
            for index, column in positions:
                value = record[index].strip()
                unreadable = column == cols["time"] and value and not _parses(value, mapping)
                if not value or unreadable:
                    found.append(
                        Problem(
                            file=path,
                            reason=(
                                "not a time in the format of the mapping"
                                if unreadable
                                else "required field is empty"
                            ),
                            line=line,
                            column=column,
                            raw=mapping.delimiter.join(record),
                        )
                    )
                    break
    return found


def _parses(value: str, mapping: CsvMapping) -> bool:
    if not mapping.timestamp_format:
        return True  # DuckDB's own reject table reports these
    try:
        datetime.strptime(value, mapping.timestamp_format)
    except ValueError:
        return False
    return True
