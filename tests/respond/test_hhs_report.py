"""The HHS breach report: OCR's form fields, JSON and PDF, and its preview as a registry row."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from phiwatch import respond
from phiwatch.errors import InputError
from tests.conftest import Cli
from tests.respond.conftest import World, build_world
from tests.respond.notice_world import FACTS, PHONE, pdf_text, ready_incident

REGISTRY_ROW_KEYS = {
    "id",
    "entity",
    "state",
    "entity_type",
    "individuals_affected",
    "submitted",
    "types",
    "locations",
    "business_associate",
    "status",
    "listed",
}


def test_the_report_has_the_fields_of_ocrs_form(world: World) -> None:
    incident = ready_incident(world)
    respond.set_facts(world.store, incident, ba_involved=True, breach_types="unauthorized,theft")
    respond.mark_done(world.store, incident, "individuals", on=date(2026, 3, 25))
    report = respond.hhs_report(world.store, incident, prepared=date(2026, 3, 30))
    assert report["entity"] == {
        "name": FACTS["organisation"],
        "state": "IL",
        "type": "Healthcare Provider",
    }
    assert report["individuals_affected"] == 7
    assert report["business_associate"] is True
    assert report["breach"] == {
        "start": "2026-02-10",
        "end": "2026-02-20",
        "discovered": "2026-03-02",
        "types": ["Unauthorized Access/Disclosure", "Theft"],
        "locations": ["Electronic Medical Record"],
        "phi_types": ["Clinical", "Demographic", "Financial"],
        "description": FACTS["what_happened"],
    }
    assert report["safeguards"] == FACTS["safeguards"]
    assert report["actions_taken"] == FACTS["org_actions"]
    assert report["notices"]["individuals"] == "2026-03-25"
    assert report["notices"]["substitute_required"] is False  # one unreachable
    assert report["notices"]["media_required"] is False
    # fewer than 500: the annual log of 164.408(c)
    assert (report["notice"], report["section"]) == ("hhs-annual-log", "164.408(c)")
    assert f"call toll-free {PHONE}" in report["contact"]
    json.dumps(report)  # JSON as it is


def test_the_preview_is_the_registry_row(world: World) -> None:
    incident = ready_incident(world)
    report = respond.hhs_report(world.store, incident, prepared=date(2026, 3, 30))
    row = respond.registry_preview(report)
    assert set(row) == REGISTRY_ROW_KEYS
    assert row["entity"] == FACTS["organisation"]
    assert (row["state"], row["entity_type"]) == ("IL", "Healthcare Provider")
    assert row["individuals_affected"] == 7
    assert row["submitted"] == date(2026, 3, 30)
    assert row["types"] == ["Unauthorized Access/Disclosure"]
    assert row["locations"] == ["Electronic Medical Record"]
    assert (row["business_associate"], row["status"]) == (False, "investigation")


def test_the_pdf_reads_like_the_form(world: World, tmp_path: Path) -> None:
    incident = ready_incident(world)
    report = respond.hhs_report(world.store, incident)
    path = tmp_path / "hhs.pdf"
    path.write_bytes(respond.hhs_report_pdf(world.settings, report))
    text = pdf_text(path)
    for expected in (
        FACTS["organisation"],
        "Type of covered entity Healthcare Provider",
        "Approximate number of individuals affected 7",
        "Discovery date 2026-03-02",
        "Unauthorized Access/Disclosure",
        "Electronic Medical Record",
        "Role-based access, audit logging.",
    ):
        assert expected in text, expected


def test_missing_facts_are_named(world: World) -> None:
    incident = ready_incident(
        world, facts={"organisation": "Clinic", "what_happened": "A laptop was stolen."}
    )
    with pytest.raises(InputError) as caught:
        respond.hhs_report(world.store, incident)
    assert "org_state, entity_type, breach_types, locations, org_actions" in str(caught.value)


def test_the_cli_exports_json_pdf_and_preview(cli: Cli, tmp_path: Path) -> None:
    from phiwatch.config import load_settings
    from phiwatch.store import open_store

    settings = load_settings(environ={}, data_dir=str(cli.data_dir))
    store = open_store(settings)
    try:
        ready_incident(build_world(settings, store, tmp_path / "input"))
    finally:
        store.close()
    pdf = tmp_path / "report.pdf"
    result = cli(
        "respond", "hhs-report", "1", "-f", "json", "--pdf", str(pdf), "--preview",
        "--given-on", "2026-04-01",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["individuals_affected"] == 7
    assert report["registry_preview"]["entity"] == FACTS["organisation"]
    assert pdf.read_bytes().startswith(b"%PDF-")
    shown = json.loads(cli("respond", "show", "1", "-f", "json").stdout)
    assert shown["done"]["hhs-annual-log"] == "2026-04-01"
    table = cli("respond", "hhs-report", "1", "--preview")
    assert table.exit_code == 0, table.output
    assert "entity.name" in table.stdout and "As the breach registry will list it" in table.stderr
    unknown = cli("respond", "hhs-report", "9")
    assert unknown.exit_code == 1 and "no incident 9" in unknown.output
