"""Write a copy with PHI replaced: by type labels, by masks, or by keyed pseudonyms.

Pseudonyms are an HMAC of the type and the value under a key derived for
this purpose (``derive_key(settings, "scan-pseudonym")``), so the same
patient gets the same pseudonym across files and runs — analysts can still
count and join — while nobody without the key can reverse or recompute it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from phiwatch.errors import ConfigurationError
from phiwatch.scan._findings import Finding, mask
from phiwatch.scan._scanner import ColumnContext, Scanner
from phiwatch.scan._vocab import RedactionStyle

COPY_BLOCK = 1024 * 1024


def _normalised(entity: str, text: str) -> bytes:
    """The same value written two ways (219-09-9998, 219099998) gets one pseudonym."""
    if entity == "PERSON" or entity == "EMAIL":
        value = " ".join(text.lower().split())
    else:
        value = "".join(ch for ch in text.upper() if ch.isalnum())
    return f"{entity}\0{value}".encode()


def replacement(finding: Finding, style: RedactionStyle, key: bytes | None = None) -> str:
    if style is RedactionStyle.label:
        return f"[{finding.entity}]"
    if style is RedactionStyle.mask:
        return mask(finding.text, keep=0)
    if key is None:
        raise ConfigurationError("pseudonym redaction needs a key")
    digest = hmac.new(key, _normalised(finding.entity, finding.text), hashlib.sha256).hexdigest()
    return f"[{finding.entity}-{digest[:10]}]"


def redact_bytes(
    data: bytes,
    findings: Iterable[Finding],
    style: RedactionStyle = RedactionStyle.label,
    key: bytes | None = None,
) -> bytes:
    """``data`` with each finding's byte span replaced (findings from scanning ``data``)."""
    out: list[bytes] = []
    position = 0
    for finding in sorted(findings, key=lambda f: f.start):
        if finding.start < position:
            continue
        out.append(data[position : finding.start])
        out.append(replacement(finding, style, key).encode("utf-8"))
        position = finding.end
    out.append(data[position:])
    return b"".join(out)


def redact_text(
    text: str,
    scanner: Scanner | None = None,
    style: RedactionStyle = RedactionStyle.label,
    key: bytes | None = None,
) -> str:
    """Scan ``text`` and return it with PHI replaced."""
    scanner = scanner or Scanner()
    data = text.encode("utf-8", "surrogatepass")
    return redact_bytes(data, scanner.scan_bytes(data), style, key).decode("utf-8", "replace")


def redact_stream(
    source: BinaryIO,
    findings: Iterable[Finding],
    target: BinaryIO,
    style: RedactionStyle = RedactionStyle.label,
    key: bytes | None = None,
) -> int:
    """Copy ``source`` to ``target`` replacing finding spans; findings must be in order.

    Memory stays bounded for files of any size. Returns the number replaced.
    """
    position = 0
    replaced = 0

    def copy_until(offset: int) -> None:
        nonlocal position
        while position < offset:
            block = source.read(min(COPY_BLOCK, offset - position))
            if not block:
                break
            target.write(block)
            position += len(block)

    for finding in findings:
        if finding.start < position:
            continue
        copy_until(finding.start)
        source.read(finding.end - finding.start)
        target.write(replacement(finding, style, key).encode("utf-8"))
        position = finding.end
        replaced += 1
    while block := source.read(COPY_BLOCK):
        target.write(block)
    return replaced


def redact_file(
    path: Path,
    target: Path,
    scanner: Scanner,
    style: RedactionStyle = RedactionStyle.label,
    key: bytes | None = None,
    column_context: ColumnContext | None = None,
) -> int:
    """Write ``target`` as ``path`` with PHI replaced, streaming (text formats only).

    Written to a temporary name and renamed, so a failure leaves no half-written copy.
    """
    partial = target.with_name(target.name + ".partial")
    try:
        with path.open("rb") as scanning, path.open("rb") as copying, partial.open("wb") as out:
            findings = scanner.scan_stream(scanning, column_context=column_context)
            count = redact_stream(copying, findings, out, style, key)
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return count


def redact_path(
    path: Path,
    target: Path,
    scanner: Scanner,
    style: RedactionStyle = RedactionStyle.label,
    key: bytes | None = None,
) -> Path:
    """Write a redacted copy of ``path``; returns the path written.

    Text, CSV, JSON, DOCX and XLSX keep their format. PDF and mail cannot be
    rewritten faithfully here, so their copy is the scanned text with PHI
    replaced, one section per part, in ``<target>.txt``.
    """
    from phiwatch.scan._extract import DELIMITED, column_context_from_header, file_kind, parts_of
    from phiwatch.scan._redact_office import redact_docx, redact_xlsx

    kind = file_kind(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if kind in {"text", "delimited"}:
        context = None
        if kind == "delimited":
            with path.open("rb") as handle:
                header = handle.readline(65536)
            context = column_context_from_header(header, DELIMITED[path.suffix.lower()])
        redact_file(path, target, scanner, style, key, context)
        return target
    if kind in {"docx", "xlsx"}:
        writer = redact_docx if kind == "docx" else redact_xlsx
        partial = target.with_name(target.name + ".partial" + target.suffix)
        try:
            writer(path, partial, scanner, lambda f: replacement(f, style, key))
            partial.replace(target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return target
    written = target.with_name(target.name + ".txt")
    sections: list[bytes] = []
    for part in parts_of(path, kind):
        data = part.data if part.data is not None else b""
        findings = scanner.scan_bytes(data, column_context=part.column_context)
        heading = f"== {part.location or path.name} ==\n".encode()
        sections.append(heading + redact_bytes(data, findings, style, key) + b"\n")
    partial = written.with_name(written.name + ".partial")
    partial.write_bytes(b"".join(sections))
    partial.replace(written)
    return written
