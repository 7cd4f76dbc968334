"""``phiwatch scan`` end to end, in-process: exit codes, formats, masking, redaction."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import docx
import openpyxl
import pytest

from tests.scan._documents import RECORD, write_docx


@pytest.fixture
def share(tmp_path: Path) -> Path:
    root = tmp_path / "share"
    (root / "exports").mkdir(parents=True)
    (root / "exports" / "list.csv").write_text(
        "name,ssn,dob\nMaria Lopez,219099998,03/14/1962\nAna Torres,518-22-9431,01/24/1948\n",
        encoding="utf-8",
    )
    (root / "notes.txt").write_text("Weekly meeting moved to Friday.\n", encoding="utf-8")
    write_docx(root / "letter.docx", ["Dear Maria,", RECORD])
    return root


def test_exit_code_one_when_phi_found(cli, share: Path) -> None:
    result = cli("scan", str(share), "--format", "json", "--jobs", "1")
    assert result.exit_code == 1, result.output
    rows = json.loads(result.stdout)
    assert {r["type"] for r in rows} >= {"SSN", "PERSON", "DATE"}
    assert all("219099998" not in r["text"] for r in rows)  # masked by default
    assert "3 file(s) scanned, 2 with PHI" in result.stderr


def test_exit_code_zero_when_clean(cli, share: Path) -> None:
    result = cli("scan", str(share / "notes.txt"), "--format", "ndjson")
    assert result.exit_code == 0
    assert result.stdout == ""


def test_exit_code_two_on_error(cli, tmp_path: Path) -> None:
    result = cli("scan", str(tmp_path / "missing.txt"))
    assert result.exit_code == 2
    assert "no such file" in result.stderr
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 garbage")
    result = cli("scan", str(broken))
    assert result.exit_code == 2
    assert "cannot read this pdf file" in result.stderr


def test_show_reveals_text_and_is_audited(cli, share: Path) -> None:
    from phiwatch.config import load_settings
    from phiwatch.security import iter_events
    from phiwatch.store import open_store

    result = cli("scan", str(share / "exports"), "--format", "csv", "--show")
    assert result.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert "219099998" in {r["text"] for r in rows}
    assert rows[0]["file"].endswith("list.csv") and rows[0]["line"] == "2"
    store = open_store(load_settings(environ={}, data_dir=str(cli.data_dir)))
    try:
        events = list(iter_events(store))
    finally:
        store.close()
    assert len(events) == 1
    trail = json.dumps(events[0])
    assert f"revealed {len(rows)} finding(s) in 1 file(s)" in trail
    assert "219099998" not in trail and "list.csv" not in trail


def test_masked_output_is_not_audited(cli, share: Path) -> None:
    result = cli("scan", str(share / "exports"), "--format", "json")
    assert result.exit_code == 1
    assert not (cli.data_dir / "phiwatch.db").exists()  # no store opened


def test_summary_per_file(cli, share: Path) -> None:
    result = cli("scan", str(share), "--summary", "--format", "json", "--jobs", "2")
    assert result.exit_code == 1
    by_file = {Path(r["file"]).name: r for r in json.loads(result.stdout)}
    assert by_file["notes.txt"]["risk"] == "none"
    assert by_file["list.csv"]["risk"] == "high"
    assert "SSN 2" in by_file["list.csv"]["types"]
    assert by_file["letter.docx"]["kind"] == "docx"


def test_disable_and_min_confidence(cli, share: Path) -> None:
    result = cli(
        "scan", str(share / "exports"), "-f", "json", "--disable", "person", "--disable", "date"
    )
    assert {r["type"] for r in json.loads(result.stdout)} == {"SSN"}
    result = cli("scan", str(share / "exports"), "--disable", "nosuch")
    assert result.exit_code == 2
    assert "unknown recognizer" in result.stderr


@pytest.mark.parametrize(
    ("style", "expected"),
    [("label", "[SSN]"), ("mask", "*********")],
)
def test_redacted_copies(cli, share: Path, tmp_path: Path, style: str, expected: str) -> None:
    out = tmp_path / "redacted"
    result = cli("scan", str(share), "--redact", "--redact-style", style, "--redact-dir", str(out))
    assert result.exit_code == 1
    copy = (out / "list.redacted.csv").read_text(encoding="utf-8")
    assert "219099998" not in copy and "518-22-9431" not in copy
    assert expected in copy
    assert copy.startswith("name,ssn,dob\n")
    letter = "\n".join(p.text for p in docx.Document(str(out / "letter.redacted.docx")).paragraphs)
    assert "219-09-9998" not in letter and "Maria" not in letter
    assert letter.startswith("Dear ") and "Patient: " in letter  # the rest stays
    assert not (out / "notes.redacted.txt").exists()  # clean files get no copy


def test_pseudonyms_are_consistent_and_keyed(cli, tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    a.write_text("SSN 219-09-9998 and SSN 518-22-9431\n", encoding="utf-8")
    b.write_text("again: ssn 219099998\n", encoding="utf-8")
    out = tmp_path / "out"
    result = cli("scan", str(a), str(b), "--redact", "--redact-style", "pseudonym",
                 "--redact-dir", str(out))  # fmt: skip
    assert result.exit_code == 1
    first = (out / "a.redacted.txt").read_text(encoding="utf-8").split()
    second = (out / "b.redacted.txt").read_text(encoding="utf-8").split()
    assert first[1].startswith("[SSN-") and first[1] != first[4]
    assert second[2] == first[1]  # same SSN, written differently, same pseudonym
    key_file = cli.data_dir / "secret.key"
    assert key_file.exists()


def test_recognizers_listing(cli) -> None:
    result = cli("scan", "recognizers", "--format", "json")
    assert result.exit_code == 0
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["url"]["enabled"] is False
    assert rows["npi"]["type"] == "NPI"


def test_help_has_examples(cli) -> None:
    for args in (
        ("scan", "--help"),
        ("scan", "files", "--help"),
        ("scan", "recognizers", "--help"),
    ):
        result = cli(*args)
        assert result.exit_code == 0
        assert "Example:" in result.stdout


def test_gateway_refuses_a_bad_relay_address(cli) -> None:
    result = cli("scan", "gateway", "--relay", "nowhere")
    assert result.exit_code == 2
    assert "HOST:PORT" in result.stderr


def test_redacted_xlsx_keeps_its_format(cli, tmp_path: Path) -> None:
    from tests.scan._documents import write_xlsx

    book = write_xlsx(
        tmp_path / "list.xlsx",
        [
            ["Patient", "SSN", "Visits"],
            ["Maria Lopez", 219099998, 3],
            ["Ana Torres", "518-22-9431", 1],
        ],
    )
    out = tmp_path / "out"
    result = cli("scan", str(book), "--redact", "--redact-dir", str(out))
    assert result.exit_code == 1
    sheet = openpyxl.load_workbook(str(out / "list.redacted.xlsx")).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows == [
        ["Patient", "SSN", "Visits"],
        ["[PERSON]", "[SSN]", 3],
        ["[PERSON]", "[SSN]", 1],
    ]


@pytest.mark.postgres
def test_show_is_audited_in_postgresql(cli, share: Path, postgres_url: str) -> None:
    from phiwatch.config import load_settings
    from phiwatch.security import iter_events
    from phiwatch.store import open_store

    result = cli("--database-url", postgres_url, "scan", str(share / "exports"), "--show")
    assert result.exit_code == 1
    store = open_store(
        load_settings(environ={}, data_dir=str(cli.data_dir), database_url=postgres_url)
    )
    try:
        events = list(iter_events(store))
    finally:
        store.close()
    assert len(events) == 1 and "revealed" in json.dumps(events[0])
