"""Real documents for the tests, written with the same libraries people's tools use."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path

import docx
import openpyxl

RECORD = "Patient: Maria Lopez, DOB 03/14/1962, SSN 219-09-9998"


def write_docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.save(str(path))
    return path


def write_xlsx(path: Path, rows: list[list[object]], title: str = "Patients") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(str(path))
    return path


def pdf_bytes(lines: list[str]) -> bytes:
    """A minimal one-page PDF with ``lines`` as text, correct cross-reference table included."""
    text = (
        "BT /F1 11 Tf 72 720 Td 14 TL "
        + " ".join(
            "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '"
            for line in lines
        )
        + " ET"
    )
    stream = text.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def message(
    body: str,
    *,
    to: str = "colleague@partner-clinic.org",
    subject: str = "Follow-up",
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "nurse@hospital.example.org"
    mail["To"] = to
    mail["Subject"] = subject
    mail.set_content(body)
    for filename, payload, mime in attachments or []:
        maintype, subtype = mime.split("/")
        mail.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename)
    return mail


def write_mbox(path: Path, messages: list[EmailMessage]) -> Path:
    box = mailbox.mbox(path)
    try:
        for mail in messages:
            box.add(mail)
        box.flush()
    finally:
        box.close()
    return path
