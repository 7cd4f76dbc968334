"""Readers of the HHS OCR breach portal's exports, one module per file format.

Every reader yields the same ``PortalRecord``s and raises ``InputError``
naming the file, line, record and column of the first problem, so the
importer never sees a half-valid file.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from phiwatch.errors import InputError
from phiwatch.registry.sources._record import PortalExport, PortalRecord
from phiwatch.registry.sources.portal_csv import read_portal_csv
from phiwatch.registry.sources.portal_excel import read_portal_excel

__all__ = ["PortalExport", "PortalRecord", "read_export"]

_EXCEL_SUFFIXES = {".xls", ".xlsx", ".xlsm", ".ods"}


def read_export(path: Path, *, display_name: str | None = None) -> PortalExport:
    """Read a portal export (CSV, optionally gzipped, or XLS/XLSX) completely and validate it."""
    if not path.is_file():
        raise InputError("no such file", file=display_name or path)
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _EXCEL_SUFFIXES:
        export = read_portal_excel(path, display_name=display_name)
    else:
        export = read_portal_csv(path, display_name=display_name)
    saved_on = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date()
    return dataclasses.replace(export, saved_on=saved_on)
