"""The mail-house folder: one CSV row per letter to post, the letter templates, a manifest."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date
from pathlib import Path

import pytest

from phiwatch import respond
from phiwatch.errors import InputError
from tests.conftest import Cli
from tests.respond.conftest import World, build_world
from tests.respond.notice_world import VARIANT_OF, pdf_text, ready_incident

COLUMNS = [
    "letter_id",
    "variant",
    "addressee",
    "name",
    "address_line_1",
    "address_line_2",
    "city",
    "state",
    "zip",
    "language",
]


def test_one_row_per_affected_individual_with_an_address(world: World, tmp_path: Path) -> None:
    incident = ready_incident(world)
    out = tmp_path / "mailhouse"
    manifest = respond.write_mailhouse(
        world.settings, world.store, incident, out, letter_date=date(2026, 3, 20)
    )
    with (out / "recipients.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == COLUMNS
    # p-06 has no street line: no row (substitute notice); the six others, once each
    assert {r["name"]: r["variant"] for r in rows} == VARIANT_OF
    assert len({r["letter_id"] for r in rows}) == 6
    assert all(r["letter_id"].startswith(f"{incident}-") for r in rows)
    by_name = {r["name"]: r for r in rows}
    assert by_name["Given Family03"]["addressee"] == "To the parent or guardian of"
    assert by_name["Given Family01"]["addressee"] == ""
    assert by_name["Given Family07"]["address_line_1"] == "7 Elm Street"
    assert (by_name["Given Family07"]["city"], by_name["Given Family07"]["zip"]) == (
        "Springfield",
        "60000",
    )
    assert {r["state"] for r in rows} == {"IL", "WI", "IN"}
    assert {r["language"] for r in rows} == {"en"}  # nobody in this world prefers Spanish
    assert (manifest["letters"], manifest["unreachable"], manifest["individuals"]) == (6, 1, 7)
    assert manifest["by_variant"] == {"individual": 3, "guardian": 2, "next_of_kin": 1}
    written = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for name, digest in written["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    template = pdf_text(out / "letter-guardian.pdf")
    assert "«name»" in template and "parent or guardian of «name»" in template
    assert "Given Family" not in template  # a template, not a letter
    assert "Dear «name»," in pdf_text(out / "letter-individual.pdf")


def test_letter_ids_are_stable_across_runs(world: World, tmp_path: Path) -> None:
    incident = ready_incident(world)
    respond.write_mailhouse(world.settings, world.store, incident, tmp_path / "a", templates=False)
    respond.write_mailhouse(world.settings, world.store, incident, tmp_path / "b", templates=False)
    first = (tmp_path / "a" / "recipients.csv").read_text(encoding="utf-8")
    assert first == (tmp_path / "b" / "recipients.csv").read_text(encoding="utf-8")
    assert not (tmp_path / "a" / "letter-individual.pdf").exists()


def test_worker_processes_write_the_same_file(world: World, tmp_path: Path) -> None:
    incident = ready_incident(world)
    one = respond.write_mailhouse(
        world.settings, world.store, incident, tmp_path / "one", templates=False, workers=1
    )
    two = respond.write_mailhouse(
        world.settings, world.store, incident, tmp_path / "two", templates=False, workers=2
    )
    first = (tmp_path / "one" / "recipients.csv").read_bytes()
    assert first == (tmp_path / "two" / "recipients.csv").read_bytes()
    assert one["files"] == two["files"]
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == [
        "manifest.json",
        "recipients.csv",
    ]


def test_missing_facts_leave_no_folder(world: World, tmp_path: Path) -> None:
    incident = ready_incident(world, facts={"organisation": "Clinic"})
    target = tmp_path / "notices" / "m"
    with pytest.raises(InputError, match="what_happened"):
        respond.write_mailhouse(world.settings, world.store, incident, target)
    assert not target.parent.exists() or list(target.parent.iterdir()) == []


def test_the_cli_writes_the_folder_and_records_the_notice(cli: Cli, tmp_path: Path) -> None:
    from phiwatch.config import load_settings
    from phiwatch.store import open_store

    settings = load_settings(environ={}, data_dir=str(cli.data_dir))
    store = open_store(settings)
    try:
        ready_incident(build_world(settings, store, tmp_path / "input"))
    finally:
        store.close()
    out = tmp_path / "mh"
    done = cli(
        "respond", "mailhouse", "1", "--out", str(out), "--given-on", "2026-03-25", "-f", "json"
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["letters"] == 6
    assert "6 recipients; 1 without a postal address" in done.stderr
    assert "Given" not in done.output  # counts only, never a name
    shown = json.loads(cli("respond", "show", "1", "-f", "json").stdout)
    assert shown["done"]["individuals"] == "2026-03-25"
    again = cli("respond", "mailhouse", "1", "--out", str(out))
    assert again.exit_code == 1 and "new or empty folder" in again.output
