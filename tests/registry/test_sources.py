"""Reading portal exports: every quirk listed in shared/data/breaches/SOURCES.md, on the real files."""

from __future__ import annotations

import csv
import dataclasses
import gzip
from datetime import date
from pathlib import Path

import pytest

from phiwatch.errors import InputError
from phiwatch.registry import BreachType, Location, read_export
from phiwatch.registry.sources._record import COLUMNS

from .conftest import ARCHIVE_2024, INVESTIGATION_2024, INVESTIGATION_2026, row


def _raw_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        return list(reader)


def test_archive_reads_every_record_with_its_line_breaks(portal_file) -> None:
    path = portal_file(ARCHIVE_2024)
    export = read_export(path)
    raw = _raw_rows(path)
    assert len(export.records) == len(raw) == 5371
    descriptions = [r.description or "" for r in export.records]
    assert sum("\r\n" in d for d in descriptions) > 0
    lone_cr = sum(
        any(d[i] == "\r" and d[i + 1 : i + 2] != "\n" for i in range(len(d))) for d in descriptions
    )
    assert lone_cr > 0, "lone CR line breaks inside descriptions must survive"
    assert sum("\n" in d for d in descriptions) > 0
    # Every description is kept exactly as published (apart from the NULL marker).
    for record, cells in zip(export.records, raw, strict=True):
        expected = None if cells[8] in ("", "\\N") else cells[8]
        assert record.description == expected


def test_archive_quirks(portal_file) -> None:
    export = read_export(portal_file(ARCHIVE_2024))
    raw = _raw_rows(portal_file(ARCHIVE_2024))
    assert sum(1 for c in raw if c[8] == "\\N") == 488
    assert sum(1 for r in export.records if r.description is None) == 488 + 305
    blank_count = [r for r in export.records if r.individuals_affected is None]
    assert [(r.entity_name, r.state, r.submitted_on) for r in blank_count] == [
        ("Valperaiso Fire Department", "IN", date(2013, 9, 3))
    ]
    blank_type = [r for r in export.records if r.breach_types == 0]
    assert [(r.entity_name, r.submitted_on) for r in blank_type] == [
        ("Computer Program and Systems, Inc. (CPSI)", date(2010, 3, 30))
    ]
    assert sum(1 for r in export.records if r.entity_type is None) == 5
    assert sum(1 for r in export.records if r.state is None) == 13
    assert sum(1 for r in export.records if r.entity_name != r.entity_name.strip()) == 418
    assert len({r.state for r in export.records if r.state}) == 52


def test_names_are_kept_as_published_and_normalised_for_grouping(portal_file) -> None:
    export = read_export(portal_file(INVESTIGATION_2024))
    padded = [r for r in export.records if r.entity_name != r.entity_name.strip()]
    assert len(padded) == 111
    brigham = next(
        r for r in export.records if r.entity_name == "Mass General Brigham Incorporated "
    )
    assert brigham.entity_key == "mass general brigham"


def test_types_and_locations_become_sets(portal_file) -> None:
    export = read_export(portal_file(ARCHIVE_2024))
    raw = _raw_rows(portal_file(ARCHIVE_2024))
    for record, cells in zip(export.records, raw, strict=True):
        assert bin(record.breach_types).count("1") == len([t for t in cells[5].split(", ") if t])
        assert bin(record.locations).count("1") == len([t for t in cells[6].split(", ") if t])
    both = [r for r in export.records if r.breach_types == BreachType.HACKING | BreachType.THEFT]
    assert both, "multi-valued types such as 'Hacking/IT Incident, Theft' exist in the archive"
    assert any(
        r.locations & Location.EMAIL and r.locations & Location.NETWORK_SERVER
        for r in export.records
    )


def test_newer_export_header_is_mapped_by_position(portal_file) -> None:
    path = portal_file(INVESTIGATION_2026)
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert "javax.faces.component.UIPanel@" in header
    export = read_export(path)
    assert len(export.records) == 733
    erlanger = export.records[0]
    assert (erlanger.entity_name, erlanger.business_associate) == ("Erlanger Health", False)
    mcewen = [r for r in export.records if r.entity_name == "McEwen & Associates"]
    assert len(mcewen) == 3 and len({r.content_hash for r in mcewen}) == 1
    assert all(r.business_associate for r in mcewen)


@pytest.mark.parametrize("name", [ARCHIVE_2024, INVESTIGATION_2024, INVESTIGATION_2026])
def test_fast_and_strict_parsers_agree_on_the_real_files(portal_file, name) -> None:
    from phiwatch.registry.sources.portal_csv import _arrow_columns, _strict_rows, record_lines

    path = portal_file(name)
    text = path.read_bytes().decode("utf-8")
    fast = _arrow_columns(path.read_bytes())
    strict = _strict_rows(text, name)
    assert fast is not None
    assert list(zip(*fast, strict=True))[1:] == [row.cells for row in strict]
    assert record_lines(text) == [row.line for row in strict]


def test_jsf_header_with_another_hash_is_accepted(write_csv) -> None:
    header = list(COLUMNS)
    header[0] = "javax.faces.component.UIPanel@495f2e1e"
    header[7] = "javax.faces.component.UIPanel@3408c427"
    export = read_export(write_csv([row()], header=header))
    assert export.records[0].entity_name == "Example Clinic"


def test_gzipped_export_reads_like_the_plain_one(portal_file, tmp_path) -> None:
    plain = portal_file(INVESTIGATION_2024)
    zipped = tmp_path / "breach_report.csv.gz"
    zipped.write_bytes(gzip.compress(plain.read_bytes()))
    assert read_export(zipped).records == read_export(plain).records
    assert read_export(zipped).sha256 == read_export(plain).sha256


def test_byte_order_mark_is_tolerated(write_csv) -> None:
    path = write_csv([row()])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(read_export(path).records) == 1


def _spreadsheet_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_xlsx_export_reads_like_the_csv(portal_file, tmp_path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    source = portal_file(INVESTIGATION_2024)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for cells in _spreadsheet_rows(source):
        sheet.append(cells)
    target = tmp_path / "breach_report.xlsx"
    workbook.save(target)
    # Same records; only the line numbers differ (a spreadsheet has no multi-line rows).
    assert read_export(target).records == [
        dataclasses.replace(r, line=r.record + 1) for r in read_export(source).records
    ]


def test_xls_export_with_typed_cells_and_title_row(portal_file, tmp_path) -> None:
    xlwt = pytest.importorskip("xlwt")
    source = portal_file(INVESTIGATION_2024)
    rows = _spreadsheet_rows(source)
    book = xlwt.Workbook()
    sheet = book.add_sheet("breach_report")
    sheet.write(0, 0, "Breach Portal: Notice to the Secretary of HHS")
    date_style = xlwt.easyxf(num_format_str="MM/DD/YYYY")
    for y, cells in enumerate(rows, start=1):
        for x, value in enumerate(cells):
            if y > 1 and x == 3 and value:
                sheet.write(y, x, int(value))  # a number cell, as Excel would store it
            elif y > 1 and x == 4:
                month, day, year = map(int, value.split("/"))
                sheet.write(y, x, date(year, month, day), date_style)
            else:
                sheet.write(y, x, value)
    target = tmp_path / "breach_report.xls"
    book.save(str(target))
    from_xls = read_export(target).records
    from_csv = read_export(source).records
    assert [r.content_hash for r in from_xls] == [r.content_hash for r in from_csv]
    assert from_xls[0].line == 3  # title row, header, then the first breach


# --- refusing what is not a clean portal export ----------------------------------------------


def _error(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        _ = read_export(path).records  # structure is checked on reading, values on parsing
    return caught.value


@pytest.mark.parametrize(
    ("header_change", "message"),
    [
        ({2: "Entity Kind"}, "column 3 is 'Entity Kind', expected 'Covered Entity Type'"),
        ({3: "javax.faces.component.UIPanel@1234abcd"}, "column 4 is"),
        ({8: "Summary"}, "expected 'Web Description'"),
    ],
)
def test_wrong_header_is_refused_naming_the_column(write_csv, header_change, message) -> None:
    header = list(COLUMNS)
    for index, value in header_change.items():
        header[index] = value
    error = _error(write_csv([row()], header=header))
    assert "not an HHS OCR breach portal export" in str(error)
    assert message in str(error)
    assert error.line == 1 and error.file and error.file.endswith("export.csv")


def test_wrong_column_count_is_refused(write_csv) -> None:
    error = _error(write_csv([row()[:7]], header=list(COLUMNS[:7])))
    assert "expected 9 columns" in str(error)


@pytest.mark.parametrize(
    ("bad", "column", "message"),
    [
        ({"submitted": "2024-13-45"}, "Breach Submission Date", "expected a date as MM/DD/YYYY"),
        ({"submitted": "13/45/2020"}, "Breach Submission Date", "expected a date as MM/DD/YYYY"),
        # Ten characters, slashes in place: the portal's form but for a three-digit year.
        ({"submitted": "03/14/202 "}, "Breach Submission Date", "expected a date as MM/DD/YYYY"),
        ({"submitted": "-3/14/2024"}, "Breach Submission Date", "expected a date as MM/DD/YYYY"),
        ({"affected": "12x4"}, "Individuals Affected", "expected a whole number"),
        (
            {"types": "Hacking/IT Incident, Sabotage"},
            "Type of Breach",
            "unknown type of breach 'Sabotage'",
        ),
        ({"location": "Cloud"}, "Location of Breached Information", "unknown location 'Cloud'"),
        ({"associate": "Maybe"}, "Business Associate Present", "expected Yes or No"),
        ({"state": "Texas"}, "State", "2-letter state code"),
        ({"name": "  "}, "Name of Covered Entity", "entity name is empty"),
    ],
)
def test_bad_value_names_file_line_record_and_column(write_csv, bad, column, message) -> None:
    rows = [row(), row(name="Second Clinic"), row(**{"name": "Third Clinic", **bad})]
    error = _error(write_csv(rows))
    assert error.record == 3
    assert error.line == 4
    assert error.column == column
    assert message in str(error)
    assert str(error).startswith(f"{error.file}, line 4, record 3, column '{column}'")


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("03/14/2024", date(2024, 3, 14)),
        (" 3/14/2024", date(2024, 3, 14)),
        ("3/14/2024", date(2024, 3, 14)),
        ("2024-03-14", date(2024, 3, 14)),
        (" 03/14/2024 ", date(2024, 3, 14)),
    ],
)
def test_dates_in_every_accepted_form(write_csv, written: str, day: date) -> None:
    export = read_export(write_csv([row(submitted=written), row(affected=" 1,200 ")]))
    records = export.records
    assert records[0].submitted_on == day
    assert records[1].individuals_affected == 1200


@pytest.mark.parametrize("break_", ["\n", "\r\n", "\r"])
def test_line_numbers_count_line_breaks_inside_fields(write_csv, break_) -> None:
    rows = [row(description=f"first line{break_}second line{break_}third"), row(affected="many")]
    error = _error(write_csv(rows))
    assert (error.record, error.line) == (2, 5)


def test_truncated_quote_is_refused(write_csv) -> None:
    path = write_csv([row(), row(description="this description never ends")])
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex("ends") + 4], encoding="utf-8")
    error = _error(path)
    assert "quoted field is not closed" in str(error)
    assert error.record == 2


def test_not_utf8_is_refused(write_csv) -> None:
    path = write_csv([row(name="Clinica Se\u00f1or")])
    path.write_bytes(path.read_bytes().replace("ñ".encode(), b"\xf1"))
    error = _error(path)
    assert "not UTF-8" in str(error) and error.line == 2


@pytest.mark.parametrize("content", [b"", b"\n\n", b"hello world\n"])
def test_empty_or_foreign_files_are_refused(tmp_path, content) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    error = _error(path)
    assert "empty" in str(error) or "not an HHS OCR breach portal export" in str(error)


def test_header_without_rows_is_refused(write_csv) -> None:
    assert "no breaches" in str(_error(write_csv([])))


def test_missing_file(tmp_path) -> None:
    assert "no such file" in str(_error(tmp_path / "missing.csv"))


def test_damaged_spreadsheet_is_refused(tmp_path) -> None:
    path = tmp_path / "breach_report.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    assert "cannot read the spreadsheet" in str(_error(path))
