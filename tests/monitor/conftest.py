"""Helpers for monitor tests: hand-written event files."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

EPIC_HEADER = "ACCESS_TIME,USER_ID,PAT_ID,METRIC_NAME,WORKSTATION_ID"


def write_csv(path: Path, rows: Iterable[str], header: str = EPIC_HEADER) -> Path:
    path.write_text(header + "\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def audit_event(
    event_id: str,
    *,
    user: str = "Practitioner/dr-1",
    patients: Iterable[str] = ("Patient/p-1",),
    recorded: str = "2024-03-01T09:30:00Z",
    action: str = "R",
    **extra: Any,
) -> dict[str, Any]:
    """A BALP-shaped AuditEvent: requestor agent, one Patient entity per patient."""
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": event_id,
        "type": {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110110"},
        "subtype": [{"system": "http://hl7.org/fhir/restful-interaction", "code": "read"}],
        "action": action,
        "recorded": recorded,
        "outcome": "0",
        "agent": [
            {
                "type": {"coding": [{"code": "humanuser"}]},
                "who": {"reference": user},
                "requestor": True,
                "network": {"address": "10.1.2.3", "type": "2"},
            }
        ],
        "source": {"observer": {"display": "ehr-prod"}},
        "entity": [
            {
                "what": {"reference": p},
                "type": {"code": "1"},
                "role": {"code": "1"},
            }
            for p in patients
        ],
    }
    resource.update(extra)
    return resource


def write_ndjson(path: Path, resources: Iterable[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in resources), encoding="utf-8")
    return path
