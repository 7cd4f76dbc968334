"""Text out of the formats people keep PHI in, one ``Part`` per piece to scan.

Plain text, CSV/TSV and JSON/NDJSON are scanned as they are, streamed, so
positions are the file's own lines and byte offsets. Containers (DOCX,
XLSX, PDF, e-mail and its attachments) are turned into text first, and a
finding's ``location`` names the piece: ``page 3``, ``sheet Results``,
``message 12 / attachment labs.csv``. Binaries are skipped, not guessed at.
"""

from __future__ import annotations

import csv
import email
import email.policy
import html
import io
import mailbox
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from phiwatch.errors import InputError
from phiwatch.scan._scanner import ColumnContext

TEXT_SUFFIXES = frozenset(
    {".txt", ".text", ".log", ".md", ".rst", ".json", ".ndjson", ".jsonl", ".xml", ".hl7",
     ".yaml", ".yml", ".ini", ".cfg", ".sql", ".rtf", ".html", ".htm", ".csv", ".tsv"}
)  # fmt: skip
DELIMITED = {".csv": b",", ".tsv": b"\t"}
CONTAINER_SUFFIXES = frozenset({".docx", ".xlsx", ".xlsm", ".pdf", ".eml", ".mbox"})
SNIFF_BYTES = 8192
_TAG = re.compile(r"<[^>]{0,2000}>")


@dataclass(frozen=True)
class Part:
    """A piece of a file to scan: either a path to stream or text already extracted."""

    location: str | None
    path: Path | None = None
    data: bytes | None = None
    column_context: ColumnContext | None = None


def file_kind(path: Path) -> str:
    """``text``, ``delimited``, ``docx``, ``xlsx``, ``pdf``, ``eml``, ``mbox`` or ``binary``."""
    suffix = path.suffix.lower()
    if suffix in DELIMITED:
        return "delimited"
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in {".docx"}:
        return "docx"
    if suffix in {".xlsx", ".xlsm"}:
        return "xlsx"
    if suffix == ".pdf":
        return "pdf"
    if suffix == ".eml":
        return "eml"
    if suffix == ".mbox":
        return "mbox"
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"From ") and b"\n" in head:
        return "mbox"
    return "binary" if _looks_binary(head) else "text"


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start < len(head) - 3
    return False


def column_context_from_header(header: bytes, delimiter: bytes) -> ColumnContext:
    """Column names, lower-cased, from the first line of a delimited file."""
    line = header.decode("utf-8", "replace").strip("\r\n")
    names = next(csv.reader([line], delimiter=delimiter.decode()), [])
    return ColumnContext(
        delimiter, tuple(n.strip().lower().encode("ascii", "ignore") for n in names)
    )


def parts_of(path: Path, kind: str) -> Iterator[Part]:
    """The parts of ``path`` to scan; raises ``InputError`` for files it cannot read."""
    try:
        if kind == "text":
            yield Part(None, path=path)
        elif kind == "delimited":
            with path.open("rb") as handle:
                header = handle.readline(65536)
            context = column_context_from_header(header, DELIMITED[path.suffix.lower()])
            yield Part(None, path=path, column_context=context)
        elif kind == "docx":
            yield from _docx_parts(path.read_bytes(), None)
        elif kind == "xlsx":
            yield from _xlsx_parts(path.read_bytes(), None)
        elif kind == "pdf":
            yield from _pdf_parts(path.read_bytes(), None)
        elif kind == "eml":
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            yield from message_parts(message, None)
        elif kind == "mbox":
            box = mailbox.mbox(path, create=False)
            try:
                for number, raw in enumerate(box, start=1):
                    message = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
                    yield from message_parts(message, f"message {number}")
            finally:
                box.close()
    except InputError:
        raise
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, LookupError) as exc:
        raise InputError(f"cannot read this {kind} file ({type(exc).__name__})", file=path) from exc
    except Exception as exc:  # parsers of third-party formats raise their own errors
        raise InputError(f"cannot read this {kind} file ({type(exc).__name__})", file=path) from exc


def _join(prefix: str | None, location: str) -> str:
    return f"{prefix} / {location}" if prefix else location


def _docx_parts(blob: bytes, prefix: str | None) -> Iterator[Part]:
    import docx

    document = docx.Document(io.BytesIO(blob))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    yield Part(prefix, data="\n".join(lines).encode("utf-8"))


def _xlsx_parts(blob: bytes, prefix: str | None) -> Iterator[Part]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(blob), read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            rows = [
                "\t".join("" if v is None else str(v) for v in row)
                for row in sheet.iter_rows(values_only=True)
            ]
            data = "\n".join(rows).encode("utf-8")
            header = data.split(b"\n", 1)[0]
            yield Part(
                _join(prefix, f"sheet {sheet.title}"),
                data=data,
                column_context=column_context_from_header(header, b"\t"),
            )
    finally:
        book.close()


def _pdf_parts(blob: bytes, prefix: str | None) -> Iterator[Part]:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(blob))
    if reader.is_encrypted:
        raise InputError("the PDF is encrypted; its text cannot be scanned")
    for number, page in enumerate(reader.pages, start=1):
        yield Part(
            _join(prefix, f"page {number}"), data=(page.extract_text() or "").encode("utf-8")
        )


def _html_to_text(markup: str) -> str:
    return html.unescape(_TAG.sub(" ", markup))


def message_parts(message: EmailMessage, prefix: str | None) -> Iterator[Part]:
    """Headers, body parts and attachments (scanned by their own format) of one message."""
    headers = "\n".join(
        f"{name}: {value}"
        for name in ("From", "To", "Cc", "Reply-To", "Subject")
        for value in message.get_all(name, [])
    )
    yield Part(_join(prefix, "headers"), data=headers.encode("utf-8", "replace"))
    for number, part in enumerate(message.walk(), start=1):
        if part.is_multipart():
            continue
        filename = part.get_filename()
        content_type = part.get_content_type()
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        if filename:
            yield from _attachment_parts(filename, payload, _join(prefix, f"attachment {filename}"))
        elif content_type == "text/plain":
            charset = part.get_content_charset() or "utf-8"
            text = payload.decode(charset, "replace")
            yield Part(_join(prefix, f"body part {number}"), data=text.encode("utf-8"))
        elif content_type == "text/html":
            charset = part.get_content_charset() or "utf-8"
            text = _html_to_text(payload.decode(charset, "replace"))
            yield Part(_join(prefix, f"body part {number}"), data=text.encode("utf-8"))


def _attachment_parts(filename: str, payload: bytes, location: str) -> Iterator[Part]:
    suffix = Path(filename).suffix.lower()
    if suffix == ".docx":
        yield from _docx_parts(payload, location)
    elif suffix in {".xlsx", ".xlsm"}:
        yield from _xlsx_parts(payload, location)
    elif suffix == ".pdf" or payload.startswith(b"%PDF"):
        yield from _pdf_parts(payload, location)
    elif suffix == ".eml":
        inner = email.message_from_bytes(payload, policy=email.policy.default)
        yield from message_parts(inner, location)
    elif suffix in DELIMITED:
        header = payload.split(b"\n", 1)[0]
        yield Part(
            location,
            data=payload,
            column_context=column_context_from_header(header, DELIMITED[suffix]),
        )
    elif suffix in TEXT_SUFFIXES or not _looks_binary(payload[:SNIFF_BYTES]):
        yield Part(location, data=payload)
