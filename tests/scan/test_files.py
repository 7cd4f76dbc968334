"""Files of every supported kind, found, located and skipped as they should be."""

from __future__ import annotations

from pathlib import Path

import pytest

from phiwatch.errors import InputError
from phiwatch.scan import ScanConfig, Scanner, iter_files, scan_file, scan_path, scan_paths
from tests.scan._documents import (
    RECORD,
    message,
    pdf_bytes,
    write_docx,
    write_mbox,
    write_xlsx,
)


def _types(report) -> dict[str, int]:
    return dict(report.counts)


def test_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("nothing here\n" + RECORD + "\n", encoding="utf-8")
    report = scan_file(path)
    assert report.kind == "text"
    assert _types(report) == {"PERSON": 1, "DATE": 1, "SSN": 1}
    assert {f.line for f in report.findings} == {2}
    assert report.risk == "high"


def test_csv_header_gives_context_to_bare_values(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "name,ssn,zip,amount\nMaria Lopez,219099998,02115,12345\nJo Park,518229431,10001,5\n",
        encoding="utf-8",
    )
    report = scan_file(path)
    assert report.kind == "delimited"
    found = [(f.entity, f.line) for f in report.findings if f.entity in {"SSN", "ZIP_CODE"}]
    assert found == [("SSN", 2), ("ZIP_CODE", 2), ("SSN", 3), ("ZIP_CODE", 3)]


def test_json_and_ndjson(tmp_path: Path) -> None:
    path = tmp_path / "patients.ndjson"
    path.write_text(
        '{"name": "Maria Lopez", "mbi": "1EG4TE5MK74"}\n{"email": "jo.park@gmail.com"}\n',
        encoding="utf-8",
    )
    assert _types(scan_file(path)) == {"PERSON": 1, "MBI": 1, "EMAIL": 1}


def test_docx_paragraphs_and_tables(tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "letter.docx",
        ["Dear Maria,", "Your MBI 1EG4-TE5-MK74 is on file."],
        table=[["Name", "DOB"], ["Ana Torres", "01/24/1948"]],
    )
    report = scan_file(path)
    assert report.kind == "docx"
    assert _types(report) == {"PERSON": 2, "MBI": 1, "DATE": 1}


def test_xlsx_sheets_use_header_context(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "list.xlsx",
        [["Patient", "SSN", "Visits"], ["Maria Lopez", "219099998", 3]],
        title="Results",
    )
    report = scan_file(path)
    assert report.kind == "xlsx"
    ssn = [f for f in report.findings if f.entity == "SSN"]
    assert [(f.location, f.line) for f in ssn] == [("sheet Results", 2)]


def test_pdf_text(tmp_path: Path) -> None:
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf_bytes(["Discharge summary", RECORD]))
    report = scan_file(path)
    assert report.kind == "pdf"
    assert _types(report) == {"PERSON": 1, "DATE": 1, "SSN": 1}
    assert {f.location for f in report.findings} == {"page 1"}


def test_eml_with_attachments(tmp_path: Path) -> None:
    xlsx = write_xlsx(tmp_path / "a.xlsx", [["MRN", "Name"], ["MRN 00482213", "Jo Park"]])
    mail = message(
        "Hi, see attached.\nNPI 1234567893",
        attachments=[
            ("labs.xlsx", xlsx.read_bytes(), "application/vnd.ms-excel"),
            ("summary.pdf", pdf_bytes([RECORD]), "application/pdf"),
            ("roster.csv", b"name,ssn\nMaria Lopez,219099998\n", "text/csv"),
            ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00binary", "image/png"),
        ],
    )
    path = tmp_path / "outgoing.eml"
    path.write_bytes(mail.as_bytes())
    report = scan_file(path)
    assert report.kind == "eml"
    locations = {f.location for f in report.findings}
    assert "attachment labs.xlsx / sheet Patients" in locations
    assert "attachment summary.pdf / page 1" in locations
    assert "attachment roster.csv" in locations
    assert report.counts["NPI"] == 1
    assert report.counts["SSN"] == 2
    assert report.counts["MRN"] == 1
    assert report.error is None


def test_mbox_messages(tmp_path: Path) -> None:
    path = write_mbox(
        tmp_path / "sent.mbox",
        [message("Lunch at noon?"), message("Pt Ana Torres DOB 01/24/1948")],
    )
    report = scan_file(path)
    assert report.kind == "mbox"
    in_bodies = [f for f in report.findings if f.entity != "EMAIL"]
    assert {f.location for f in in_bodies} == {"message 2 / body part 1"}
    assert {f.location for f in report.findings if f.entity == "EMAIL"} == {
        "message 1 / headers",
        "message 2 / headers",
    }
    assert report.counts == {"PERSON": 1, "DATE": 1, "EMAIL": 4}


def test_binary_files_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "image.bin"
    path.write_bytes(b"\x00\x01\x02SSN 219-09-9998\x00" * 10)
    report = scan_file(path)
    assert report.kind == "binary" and report.skipped == "binary file" and not report.findings


def test_size_limit_skips_large_containers(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "big.docx", [RECORD] * 50)
    report = scan_file(path, Scanner(ScanConfig(max_file_bytes=1000)))
    assert report.skipped is not None and "limit" in report.skipped


def test_corrupt_container_is_an_error_naming_nothing_private(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip " + RECORD.encode())
    report = scan_file(path)
    assert report.error is not None and "docx" in report.error
    assert "219" not in report.error


def test_walk_is_sorted_and_does_not_follow_links(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("x")
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "b")
    assert [p.relative_to(tmp_path).as_posix() for p in iter_files([tmp_path])] == [
        "a.txt",
        "b/2.txt",
    ]
    with pytest.raises(InputError, match="no such file"):
        list(iter_files([tmp_path / "missing"]))


def test_process_pool_gives_the_same_reports_in_order(tmp_path: Path) -> None:
    for i in range(6):
        (tmp_path / f"f{i}.txt").write_text(f"line\nSSN 219-09-999{i}\n" if i % 2 else "clean\n")
    serial = [(r.path, len(r.findings)) for r in scan_path(tmp_path)]
    parallel = [(r.path, len(r.findings)) for r in scan_paths([tmp_path], jobs=2)]
    assert parallel == serial
    assert [n for _, n in serial] == [0, 1, 0, 1, 0, 1]
