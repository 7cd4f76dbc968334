"""The breach report to HHS (164.408): the fields of OCR's web form, as JSON, PDF and preview.

OCR takes breach reports only through its web form; phiwatch prepares the
answers so they can be typed in (or pasted) and kept with the incident. The
preview shows the report as the public breach portal will list it, built by
the registry itself: the report's portal row is read by the registry's own
reader and imported into a scratch registry, so the preview has exactly the
shape (and passes exactly the checks) of a row imported from OCR's export.
"""

from __future__ import annotations

import csv
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from phiwatch import registry
from phiwatch.config import Settings, load_settings
from phiwatch.errors import NotFoundError
from phiwatch.respond._deadlines import (
    HHS_IMMEDIATE_THRESHOLD,
    MEDIA_THRESHOLD,
    SUBSTITUTE_THRESHOLD,
)
from phiwatch.respond._facts import HHS_NEEDS, get_facts, require
from phiwatch.respond._incidents import get_incident
from phiwatch.respond._letters import LetterRenderer
from phiwatch.respond._scope import compute_scope, latest_scope
from phiwatch.store import Store, open_store

# OCR's form groups PHI as Clinical, Demographic, Financial and Other.
OCR_PHI_TYPES = {
    "demographics": "Demographic",
    "ssn": "Demographic",
    "insurance": "Financial",
    "payment": "Financial",
    "clinical": "Clinical",
}


def _split(labels: str | None) -> list[str]:
    return [part.strip() for part in (labels or "").split(",") if part.strip()]


def hhs_report(store: Store, incident_id: int, *, prepared: date | None = None) -> dict[str, Any]:
    """The answers to OCR's breach report form for one incident (refused when facts are missing)."""
    facts = get_facts(store, incident_id)
    require(facts, (*HHS_NEEDS, "what_happened"), incident_id, "the HHS report")
    incident = get_incident(store, incident_id)
    scope = latest_scope(store, incident_id) or compute_scope(store, incident_id)
    individuals = int(scope["individuals"])
    if individuals == 0:
        raise NotFoundError(f"incident {incident_id} has no affected individuals to report")
    done: dict[str, date] = incident["done"]
    media_states = [
        s for s, n in scope["by_state"].items() if n > MEDIA_THRESHOLD and s != "unknown"
    ]
    phi = sorted(
        {OCR_PHI_TYPES[e] for e in scope["elements"] if e in OCR_PHI_TYPES} or {"Demographic"}
    )
    return {
        "incident": incident_id,
        "prepared": (prepared or date.today()).isoformat(),
        "report_kind": "initial",
        "section": "164.408(b)" if individuals >= HHS_IMMEDIATE_THRESHOLD else "164.408(c)",
        "notice": "hhs" if individuals >= HHS_IMMEDIATE_THRESHOLD else "hhs-annual-log",
        "entity": {"name": facts.organisation, "state": facts.org_state, "type": facts.entity_type},
        "contact": facts.contacts(),
        "business_associate": bool(facts.ba_involved),
        "individuals_affected": individuals,
        "breach": {
            "start": incident["occurred_from"].isoformat() if incident["occurred_from"] else None,
            "end": incident["occurred_to"].isoformat() if incident["occurred_to"] else None,
            "discovered": incident["discovered"].isoformat(),
            "types": _split(facts.breach_types),
            "locations": _split(facts.locations),
            "phi_types": phi,
            "description": facts.what_happened,
        },
        "safeguards": facts.safeguards,
        "notices": {
            "individuals": _iso(done.get("individuals")),
            "substitute_required": int(scope["unreachable"]) >= SUBSTITUTE_THRESHOLD,
            "substitute": _iso(done.get("substitute")),
            "media_required": bool(media_states),
            "media": _iso(done.get("media")),
        },
        "actions_taken": facts.org_actions,
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def portal_cells(report: dict[str, Any]) -> list[str]:
    """The report as one row of the breach portal's export (the submission date: prepared)."""
    submitted = date.fromisoformat(report["prepared"])
    return [
        report["entity"]["name"],
        report["entity"]["state"],
        report["entity"]["type"],
        str(report["individuals_affected"]),
        f"{submitted:%m/%d/%Y}",
        ", ".join(report["breach"]["types"]),
        ", ".join(report["breach"]["locations"]),
        "Yes" if report["business_associate"] else "No",
        "",
    ]


def registry_preview(report: dict[str, Any]) -> dict[str, Any]:
    """The row the breach registry would show for this report once OCR publishes it."""
    with tempfile.TemporaryDirectory(prefix="phiwatch-preview-") as work:
        folder = Path(work)
        export = folder / "preview.csv"
        with export.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(registry.PORTAL_COLUMNS)
            writer.writerow(portal_cells(report))
        scratch = open_store(load_settings(environ={}, data_dir=str(folder / "data")))
        try:
            parsed = registry.read_export(export, display_name="HHS report preview")
            registry.import_export(
                scratch,
                parsed,
                list_name=registry.ListName.investigation,
                as_of=date.fromisoformat(report["prepared"]),
            )
            rows = registry.list_breaches(scratch, limit=1)
        finally:
            scratch.close()
    return rows[0]


def hhs_report_pdf(settings: Settings, report: dict[str, Any]) -> bytes:
    """The report laid out like OCR's form, as PDF."""
    from phiwatch.respond._pdf import html_to_pdf

    return html_to_pdf(LetterRenderer(settings).render("hhs_report.html", {"report": report}))
