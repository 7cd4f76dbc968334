"""Rows out, in the format the user asked for: one ``--format`` option for every command.

``table`` is for people; ``json`` (a list of objects), ``ndjson`` (one object
a line) and ``csv`` are for scripts and spreadsheets. Values are made
JSON-safe once, here: dates become ISO strings, sets become sorted lists
(joined with "; " in CSV and tables). CSV text that a spreadsheet would run
as a formula gets a leading ``'`` (``phiwatch._spreadsheet``); numbers stay
numbers.
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, TextIO

import typer
from rich.console import Console
from rich.table import Table

from phiwatch._spreadsheet import spreadsheet_cell


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    ndjson = "ndjson"


FormatOption = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        "-f",
        help="Output format: table for people; json, ndjson or csv for scripts.",
        case_sensitive=False,
    ),
]


def plain(value: Any) -> Any:
    """A JSON-safe version of ``value``."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    return value


# Whole numbers that are labels, not quantities: never shown with thousands separators.
_LABEL_COLUMNS = frozenset({"year", "id", "import", "hit", "record", "line", "month"})


def _console(stream: TextIO) -> Console:
    """A console as wide as the terminal, or 200 columns when writing to a pipe or file."""
    width = None if stream.isatty() else shutil.get_terminal_size(fallback=(200, 24)).columns
    return Console(file=stream, width=width, soft_wrap=False)


def _cell(value: Any, column: str = "") -> str:
    value = plain(value)
    if column in _LABEL_COLUMNS and isinstance(value, int):
        return str(value)
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _csv_cell(value: Any) -> Any:
    value = plain(value)
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    return spreadsheet_cell(value)


def emit(
    rows: Iterable[Mapping[str, Any]],
    fmt: OutputFormat,
    *,
    columns: Sequence[str] | None = None,
    title: str | None = None,
    out: TextIO | None = None,
) -> None:
    """Write ``rows`` in ``fmt``. ``columns`` picks and orders the keys shown."""
    stream = out or sys.stdout
    materialised = [dict(r) for r in rows]
    keys = list(columns) if columns else (list(materialised[0]) if materialised else [])
    if fmt is OutputFormat.json:
        json.dump([plain(r) for r in materialised], stream, ensure_ascii=False, indent=2)
        stream.write("\n")
    elif fmt is OutputFormat.ndjson:
        for r in materialised:
            stream.write(json.dumps(plain(r), ensure_ascii=False) + "\n")
    elif fmt is OutputFormat.csv:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow([spreadsheet_cell(k) for k in keys])
        for r in materialised:
            writer.writerow([_csv_cell(r.get(k)) for k in keys])
    else:
        table = Table(title=title, show_lines=False)
        for key in keys:
            numeric = any(
                isinstance(r.get(key), int | float) and not isinstance(r.get(key), bool)
                for r in materialised
            )
            table.add_column(key.replace("_", " "), justify="right" if numeric else "left")
        for r in materialised:
            table.add_row(*(_cell(r.get(k), k) for k in keys))
        _console(stream).print(table)


def emit_record(record: Mapping[str, Any], fmt: OutputFormat, *, out: TextIO | None = None) -> None:
    """Write one record: a field/value listing for people, an object for scripts."""
    stream = out or sys.stdout
    if fmt is OutputFormat.table:
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold")
        table.add_column(overflow="fold")
        for key, value in record.items():
            table.add_row(key.replace("_", " "), _cell(value, key))
        _console(stream).print(table)
    elif fmt is OutputFormat.json:
        json.dump(plain(record), stream, ensure_ascii=False, indent=2)
        stream.write("\n")
    else:
        emit([record], fmt, out=stream)


def say(message: str) -> None:
    """A progress or summary line for people: to stderr, so stdout stays machine-readable."""
    Console(stderr=True, highlight=False).print(message)
