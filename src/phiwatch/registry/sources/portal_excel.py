"""The portal's spreadsheet export (XLS or XLSX), for users who downloaded that instead.

Cells may arrive typed (numbers as floats, dates as dates) or as text; both
are turned into the text the CSV export would hold, then parsed by the same
``parse_row``. The header may sit below a title row, so the first rows are
searched for it.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from phiwatch.errors import InputError
from phiwatch.registry.sources._record import (
    COLUMNS,
    PortalExport,
    RawRow,
    check_header,
    raw_row,
)

_HEADER_SEARCH_ROWS = 5


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return f"{value.month:02d}/{value.day:02d}/{value.year:04d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_header(row: list[str]) -> bool:
    return len(row) >= 3 and row[1].strip() == COLUMNS[1] and row[2].strip() == COLUMNS[2]


def read_portal_excel(path: Path, *, display_name: str | None = None) -> PortalExport:
    name = display_name or str(path)
    raw = path.read_bytes()
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet_rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own untyped errors for damaged files
        raise InputError(f"cannot read the spreadsheet: {exc}", file=name) from None
    text_rows = [[_as_text(v) for v in row] for row in sheet_rows]
    header_index = next(
        (i for i, row in enumerate(text_rows[:_HEADER_SEARCH_ROWS]) if _is_header(row)), 0
    )
    if not text_rows:
        raise InputError("the spreadsheet is empty; expected a breach portal export", file=name)
    header = text_rows[header_index]
    while header and not header[-1].strip():
        header = header[:-1]
    check_header(header, file=name, line=header_index + 1)
    rows: list[RawRow] = []
    for offset, row in enumerate(text_rows[header_index + 1 :], start=1):
        cells = row[: len(COLUMNS)] + [""] * (len(COLUMNS) - len(row))
        if not any(c.strip() for c in cells):
            continue
        rows.append(raw_row(cells, file=name, line=header_index + 1 + offset, record=len(rows) + 1))
    if not rows:
        raise InputError("the export has a header but no breaches", file=name)
    return PortalExport.from_rows(
        name=name,
        sha256=hashlib.sha256(raw).hexdigest(),
        source_format=path.suffix.lower().lstrip("."),
        rows=rows,
    )
