"""Leaked-file matching: our patients found in dumps by keyed hashes, never shown in clear."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from phiwatch import respond
from phiwatch.config import load_settings
from phiwatch.errors import InputError
from phiwatch.monitor import pseudonym_key, pseudonymise
from phiwatch.store import open_store
from phiwatch.store.models.respond import AffectedIndividual, IncidentSource
from tests.conftest import Cli
from tests.respond.conftest import World, build_world

# Values a dump holds: identifiers, names and dates of our patients (see conftest's PATIENTS).
LEAKED = ("p-01", "Family02", "Family03", "Family04", "p-05", "1980-02-02")


def _pseudonym(world: World, pid: str) -> str:
    return pseudonymise(pseudonym_key(world.settings), pid)


def _strengths(result: respond.MatchResult) -> dict[str, str]:
    return {m["patient"]: m["strength"] for m in result.matches}


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_csv_with_a_header_matches_by_mrn_name_and_birth_date(
    world: World, tmp_path: Path
) -> None:
    dump = _write(
        tmp_path / "for-sale.csv",
        "mrn,last,first,dob,ssn\n"
        "p-01,Someone,Else,1999-09-09,\n"  # identifier only: strong
        ",Family02,Other,02/02/1980,\n"  # family name + date of birth (US order): medium
        ",Family03,Given,,\n"  # family + given name, no date: weak
        ",Family04,Given,1901-01-01,\n"  # wrong date: weak (names), not medium
        "x-99,Stranger,Nobody,1970-01-01,\n",  # nobody we know (p-01's birthday alone is not)
    )
    result = respond.match_files(world.settings, world.store, [dump])
    assert _strengths(result) == {
        _pseudonym(world, "p-01"): "strong",
        _pseudonym(world, "p-02"): "medium",
        _pseudonym(world, "p-03"): "weak",
        _pseudonym(world, "p-04"): "weak",
    }
    assert result.by_strength == {"strong": 1, "medium": 1, "weak": 2}
    assert (result.rows, result.matched_rows) == (6, 4)  # the header is a row that matches nothing
    assert result.patients_in_context == 8
    first = {m["patient"]: m for m in result.matches}[_pseudonym(world, "p-02")]
    assert first["first_seen"] == "for-sale.csv, line 3"
    assert first["matched_on"] == ["family+birth_date"]


def test_headerless_csv_text_and_spreadsheet_read_alike(world: World, tmp_path: Path) -> None:
    headerless = _write(tmp_path / "a.csv", "1980-02-02;Family02\np-05,x,y\n")
    text = _write(
        tmp_path / "b.txt",
        "seller notes\nFamily04, Given was born 2008-03-03 and has MRN p-07\n",
    )
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Patient name", "Birth"])
    sheet.append(["Family08 Given", datetime(1992, 8, 8)])  # a real date cell
    book.save(tmp_path / "c.xlsx")
    result = respond.match_files(
        world.settings, world.store, [headerless, text, tmp_path / "c.xlsx"]
    )
    strengths = _strengths(result)
    assert strengths == {
        _pseudonym(world, "p-02"): "medium",
        _pseudonym(world, "p-05"): "strong",
        _pseudonym(world, "p-04"): "medium",
        _pseudonym(world, "p-07"): "strong",
        _pseudonym(world, "p-08"): "medium",
    }
    where = {m["patient"]: m["first_seen"] for m in result.matches}
    assert where[_pseudonym(world, "p-08")] == "c.xlsx / sheet Sheet, line 2"


def test_the_strongest_match_of_a_patient_wins(world: World, tmp_path: Path) -> None:
    dump = _write(tmp_path / "d.csv", "Family01,Given\nFamily01,1970-01-01\np-01\n")
    result = respond.match_files(world.settings, world.store, [dump])
    (only,) = result.matches
    assert only["strength"] == "strong"
    assert only["rows"] == 3
    assert only["matched_on"] == ["family+birth_date", "family+given", "mrn"]


def test_ssn_and_mbi_are_reported_as_not_matchable(world: World, tmp_path: Path) -> None:
    dump = _write(tmp_path / "e.csv", "name,ssn\nFamily01,SSN: 512-44-8123\n")
    result = respond.match_files(world.settings, world.store, [dump])
    assert result.not_matchable == ["ssn", "mbi"]
    assert result.summary()["not_matchable"] == ["ssn", "mbi"]
    assert "ssn" in result.elements  # the scanner saw an SSN, so the element is involved


def test_matches_become_an_incident_source(world: World, tmp_path: Path) -> None:
    dump = _write(tmp_path / "f.csv", "p-01\nFamily02,1980-02-02\nFamily03,Given\n")
    result = respond.match_files(world.settings, world.store, [dump])
    incident = respond.open_incident(
        world.store, "Records for sale", discovered=datetime(2026, 3, 2).date()
    )
    added = respond.add_source(world.store, incident, result.found())
    assert added["kind"] == "match" and added["found"] == 2  # weak is left out by default
    assert added["scope"]["individuals"] == 2
    assert added["scope"]["exported"] is True
    with world.store.reader() as session:
        source = session.scalars(select(IncidentSource)).one()
        stored = set(session.scalars(select(AffectedIndividual.patient_pseudonym)))
    assert stored == {_pseudonym(world, "p-01"), _pseudonym(world, "p-02")}
    for value in LEAKED:
        assert value not in source.detail
    weak = respond.add_source(world.store, incident, result.found(min_strength="weak"))
    assert weak["scope"]["individuals"] == 3


def test_bad_input_is_refused_and_writes_nothing(world: World, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        respond.match_files(world.settings, world.store, [tmp_path / "missing.csv"])
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(InputError, match=r"blob\.bin: not a file phiwatch can read"):
        respond.match_files(world.settings, world.store, [binary])
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK not really a workbook")
    with pytest.raises(InputError, match=r"broken\.xlsx"):
        respond.match_files(world.settings, world.store, [broken])
    with world.store.reader() as session:
        assert session.scalar(select(func.count()).select_from(IncidentSource)) == 0


def test_the_cli_never_prints_or_stores_a_leaked_value(
    cli: Cli, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(environ={}, data_dir=str(cli.data_dir))
    store = open_store(settings)
    try:
        build_world(settings, store, tmp_path / "input")
    finally:
        store.close()
    dump = _write(tmp_path / "g.csv", "mrn,family,dob\np-01,,\n,Family02,1980-02-02\n")
    opened = cli("respond", "open", "For sale", "--discovered", "2026-03-02", "-f", "json")
    incident = str(json.loads(opened.stdout)["id"])
    caplog.set_level(logging.DEBUG)
    for fmt in ("table", "json", "csv"):
        shown = cli("respond", "match", str(dump), "-f", fmt)
        assert shown.exit_code == 0, shown.output
        for value in LEAKED:
            assert value not in shown.output
    added = cli("respond", "match", str(dump), "--incident", incident, "-f", "json")
    assert added.exit_code == 0, added.output
    record = json.loads(added.stdout)
    assert (record["strong"], record["medium"], record["weak"]) == (1, 1, 0)
    assert "source 1 (match)" in added.stderr.lower()
    assert "Not matchable: ssn, mbi" in added.stderr
    for value in LEAKED:
        assert value not in caplog.text
    store = open_store(settings)
    try:
        with store.reader() as session:
            details = " ".join(session.scalars(select(IncidentSource.detail)))
    finally:
        store.close()
    for value in LEAKED:
        assert value not in details
    missing = cli("respond", "match", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 1
    assert "nope.csv: no such file" in missing.output
