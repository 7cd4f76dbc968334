"""Redacted copies of DOCX and XLSX in their own format.

The document is turned into text exactly as the scanner reads it
(paragraphs, then table rows; a sheet's rows, tab-separated), remembering
which paragraph, table cell or sheet cell each stretch of text came from.
The whole text is scanned once, so context crosses paragraph and cell
boundaries as it did when the file was scanned, and each finding is then
written back into the pieces it overlaps. A paragraph that changes loses
its run formatting (bold, italics) but keeps its style.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phiwatch.scan._extract import column_context_from_header
from phiwatch.scan._findings import Finding
from phiwatch.scan._scanner import Scanner


@dataclass
class _Piece:
    """A stretch of the scanned text and how to write a new value back to its source."""

    start: int
    text: str
    write: Callable[[str], None]


class _TextMap:
    """Text joined from pieces, with each piece's byte offset in the UTF-8 encoding."""

    def __init__(self) -> None:
        self.pieces: list[_Piece] = []
        self.parts: list[bytes] = []
        self.size = 0

    def add(self, text: str, write: Callable[[str], None] | None) -> None:
        encoded = text.encode("utf-8")
        if write is not None:
            self.pieces.append(_Piece(self.size, text, write))
        self.parts.append(encoded)
        self.size += len(encoded)

    @property
    def data(self) -> bytes:
        return b"".join(self.parts)

    def apply(self, findings: list[Finding], replace: Callable[[Finding], str]) -> int:
        """Write each finding's replacement into the pieces it overlaps; returns how many
        pieces changed."""
        changed = 0
        for piece in self.pieces:
            raw = piece.text.encode("utf-8")
            end = piece.start + len(raw)
            inside = [f for f in findings if f.start < end and piece.start < f.end]
            if not inside:
                continue
            out: list[bytes] = []
            position = 0
            for finding in sorted(inside, key=lambda f: f.start):
                local_start = max(0, finding.start - piece.start)
                local_end = min(len(raw), finding.end - piece.start)
                if local_start < position:
                    continue
                out.append(raw[position:local_start])
                # The replacement goes where the finding starts; a finding that began in
                # an earlier piece only blanks its tail here.
                if finding.start >= piece.start:
                    out.append(replace(finding).encode("utf-8"))
                position = local_end
            out.append(raw[position:])
            piece.write(b"".join(out).decode("utf-8", "replace"))
            changed += 1
        return changed


def _paragraph_writer(paragraph: Any) -> Callable[[str], None]:
    def write(text: str) -> None:
        paragraph.text = text

    return write


def _cell_writer(cell: Any) -> Callable[[str], None]:
    def write(text: str) -> None:
        cell.text = text

    return write


def redact_docx(
    path: Path, target: Path, scanner: Scanner, replace: Callable[[Finding], str]
) -> int:
    import docx

    document = docx.Document(str(path))
    mapped = _TextMap()
    paragraphs = list(document.paragraphs)
    for number, paragraph in enumerate(paragraphs):
        mapped.add(paragraph.text, _paragraph_writer(paragraph))
        if number < len(paragraphs) - 1:
            mapped.add("\n", None)
    for table in document.tables:
        for row in table.rows:
            mapped.add("\n", None)
            for number, cell in enumerate(row.cells):
                if number:
                    mapped.add("\t", None)
                mapped.add(cell.text, _cell_writer(cell))
    changed = mapped.apply(scanner.scan_bytes(mapped.data), replace)
    document.save(str(target))
    return changed


def redact_xlsx(
    path: Path, target: Path, scanner: Scanner, replace: Callable[[Finding], str]
) -> int:
    import openpyxl

    book = openpyxl.load_workbook(str(path))
    changed = 0
    for sheet in book.worksheets:
        mapped = _TextMap()
        header = ""
        for row_number, row in enumerate(sheet.iter_rows()):
            if row_number:
                mapped.add("\n", None)
            texts = []
            for number, cell in enumerate(row):
                if number:
                    mapped.add("\t", None)
                text = "" if cell.value is None else str(cell.value)
                texts.append(text)
                mapped.add(text, _sheet_cell_writer(cell))
            if row_number == 0:
                header = "\t".join(texts)
        context = column_context_from_header(header.encode("utf-8"), b"\t")
        changed += mapped.apply(scanner.scan_bytes(mapped.data, column_context=context), replace)
    book.save(str(target))
    return changed


def _sheet_cell_writer(cell: Any) -> Callable[[str], None]:
    def write(text: str) -> None:
        cell.value = text

    return write
