"""The lake's one table, ``events``: flat columns that any SQL engine can read.

Detectors (a later part) are SQL over these columns, transpiled with SQLGlot
for DuckDB or Spark, so the schema stays flat (no structs, no lists) and
every column is documented in docs/monitor.md. One row is one (access,
patient) pair: an AuditEvent naming three patients becomes three rows that
share ``event_id`` and differ in ``patient_index``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

# (name, DuckDB type) in file order. Times are UTC, stored without a zone.
LAKE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("event_id", "VARCHAR"),
    ("patient_index", "INTEGER"),
    ("recorded", "TIMESTAMP"),
    ("day", "DATE"),
    ("user_pseudonym", "VARCHAR"),
    ("patient_pseudonym", "VARCHAR"),
    ("action", "VARCHAR"),
    ("subtype", "VARCHAR"),
    ("outcome", "VARCHAR"),
    ("network_address", "VARCHAR"),
    ("workstation", "VARCHAR"),
    ("department", "VARCHAR"),
    ("source", "VARCHAR"),
    ("query_count", "INTEGER"),
    ("patient_count", "INTEGER"),
    ("source_format", "VARCHAR"),
    ("ingest_id", "VARCHAR"),
)

LAKE_COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _ in LAKE_COLUMNS)

# The columns a reader produces before pseudonymising: the clear identifiers
# replace the two pseudonym columns, and ``_bad`` names why a staged FHIR row is
# rejected (a CSV row without a time or user is found by its missing day or pseudonym).
STAGED_COLUMNS: tuple[str, ...] = (
    "event_id",
    "patient_index",
    "recorded",
    "user_id",
    "patient_id",
    "action",
    "subtype",
    "outcome",
    "network_address",
    "workstation",
    "department",
    "source",
    "query_count",
    "patient_count",
    "source_format",
    "_bad",
)

ACTIONS = ("C", "R", "U", "D", "E")


def utc_sql(expression: str) -> str:
    """SQL turning a TIMESTAMPTZ ``expression`` into the lake's zone-less UTC ``recorded``.

    Through epoch microseconds rather than ``timezone('UTC', ...)``: the same
    instant, but integer arithmetic instead of a time-zone conversion per
    row, which made the conversion about an eighth of a CSV ingest's CPU.
    """
    return f"make_timestamp(epoch_us({expression}))"


def sql_text(value: str | Path) -> str:
    """``value`` as a SQL string literal (file names, paths and names may hold quotes)."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_text_list(values: Iterable[str | Path]) -> str:
    """``values`` as a SQL list of string literals, e.g. the files for ``read_parquet``."""
    return "[" + ", ".join(sql_text(v) for v in values) + "]"


def constant_text_sql(value: str, among: Sequence[str] = ()) -> str:
    """SQL for a text that every row of a part shares (ingest id, file name, format).

    Typed as an ENUM of one value (or of ``among``, the values its rows may
    share, such as the names of files read together): the Parquet file holds
    the same strings and readers see VARCHAR, but DuckDB writes the column
    from the ENUM's own dictionary instead of hashing every row's copy of the
    text, which made four such columns about a tenth of a CSV ingest's CPU.
    """
    literal = sql_text(value)
    values = ", ".join(sql_text(v) for v in among) if among else literal
    return f"CAST({literal} AS ENUM({values}))"
