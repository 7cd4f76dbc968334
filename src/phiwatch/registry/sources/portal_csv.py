"""The portal's CSV export (``breach_report.csv``), optionally gzipped.

Two parsers, one result. Arrow's C++ reader parses a well-formed export
several times faster than Python's ``csv`` module; anything it objects to
(a truncated quote, a short row, an empty file) is parsed again by the
strict ``csv`` module, whose position tracking names the line and record
of the problem. Both keep descriptions' LF, CRLF and lone-CR line breaks
exactly, and a test checks that they agree on the real files.

Physical line numbers are only needed for error messages, so on the fast
path they are worked out when a row turns out to be invalid.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as arrow_csv

from phiwatch.errors import InputError
from phiwatch.registry.sources._record import (
    COLUMNS,
    PortalExport,
    RawRow,
    check_header,
    raw_row,
)

_WIDTH = len(COLUMNS)


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (byte {exc.start}); the portal exports UTF-8: "
            "re-download the file or save it as 'CSV UTF-8'",
            file=name,
            line=line,
        ) from None


def _arrow_columns(data: bytes) -> list[list[str]] | None:
    """Every column, header cell first, as Arrow reads it; None when the file may be malformed.

    Arrow quietly closes a quote left open at the end of the file; in a
    well-formed export quotes come in pairs (an escaped quote is two), so an
    odd count sends the file to the strict parser, which reports it.
    """
    if data.count(b'"') % 2:
        return None
    try:
        table = arrow_csv.read_csv(
            # Arrow's own reader over the bytes: a Python file object is read through Python.
            pa.BufferReader(data),
            # One thread: quoted line breaks make Arrow find record boundaries serially
            # anyway, and its thread pool only added start-up time and jitter here.
            read_options=arrow_csv.ReadOptions(autogenerate_column_names=True, use_threads=False),
            parse_options=arrow_csv.ParseOptions(newlines_in_values=True),
            convert_options=arrow_csv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(_WIDTH)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if table.num_columns != _WIDTH:
        return None
    return [column.to_pylist() for column in table.columns]


def record_lines(text: str) -> list[int]:
    """The physical line each record starts on (header excluded), for error messages."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    lines = []
    line = reader.line_num + 1
    for _cells in reader:
        lines.append(line)
        line = reader.line_num + 1
    return lines


def _strict_rows(text: str, name: str) -> list[RawRow]:
    """The slow path: parse with ``csv`` and report the first problem with its position."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[RawRow] = []
    try:
        check_header(next(reader), file=name)
        line = reader.line_num + 1
        for number, cells in enumerate(reader, start=1):
            if cells:
                rows.append(raw_row(cells, file=name, line=line, record=number))
            line = reader.line_num + 1
    except csv.Error as exc:
        problem = str(exc)
        if "end of data" in problem or "EOF" in problem:
            problem = "a quoted field is not closed (the file may be truncated)"
        raise InputError(
            f"malformed CSV: {problem}", file=name, line=reader.line_num, record=len(rows) + 1
        ) from None
    return rows


def read_portal_csv(path: Path, *, display_name: str | None = None) -> PortalExport:
    name = display_name or str(path)
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputError(f"damaged gzip file: {exc}", file=name) from None
    digest = hashlib.sha256(data).hexdigest()
    # Arrow checks the text is UTF-8; anything it refuses is decoded here to say why.
    fast = None if data.isspace() or not data else _arrow_columns(data)
    if fast is None:
        text = _decode(data, name)
        if not text or text.isspace():  # isspace stops at the first character that is not
            raise InputError("the file is empty; expected a breach portal export", file=name)
        rows = _strict_rows(text, name)
        if not rows:
            raise InputError("the export has a header but no breaches", file=name)
        return PortalExport.from_rows(name=name, sha256=digest, source_format="csv", rows=rows)
    check_header([column[0] for column in fast], file=name)
    if len(fast[0]) < 2:
        raise InputError("the export has a header but no breaches", file=name)
    return PortalExport(
        name=name,
        sha256=digest,
        source_format="csv",
        columns=tuple(column[1:] for column in fast),
        # Deferred: only an error message needs them.
        locate_lines=lambda: record_lines(data.decode("utf-8-sig")),
    )
