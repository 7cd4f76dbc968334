"""A tiny hand-built hospital for detector tests: context as FHIR Bulk files, events as NDJSON.

Every test builds exactly the people and accesses it needs, runs the real
pipeline (ingest, context load, detect) and asserts on the stored alerts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from phiwatch.config import Settings
from phiwatch.monitor import (
    DetectionConfig,
    detect,
    ingest,
    list_alerts,
    load_context,
    load_detection_config,
    pseudonym_key,
    pseudonymise,
)
from phiwatch.store import Store

START = date(2026, 3, 2)
DEPARTMENTS = {
    "CARD": "Cardiology",
    "ED": "Emergency Department",
    "REG": "Registration",
    "BILL": "Billing Office",
    "IT": "Information Technology",
}


@dataclass
class Hospital:
    """People, visits and accesses; ``write`` turns them into files the pipeline reads."""

    patients: list[dict[str, Any]] = field(default_factory=list)
    workers: list[dict[str, Any]] = field(default_factory=list)
    roles: list[dict[str, Any]] = field(default_factory=list)
    encounters: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    home: dict[str, tuple[str, str]] = field(default_factory=dict)  # user -> (address, station)

    def patient(
        self,
        pid: str,
        family: str,
        given: str = "Pat",
        *,
        birth: str = "1970-01-01",
        line: str = "1 Elm Street",
        city: str = "Springfield",
        vip: bool = False,
        deceased: bool = False,
    ) -> str:
        resource: dict[str, Any] = {
            "resourceType": "Patient",
            "id": pid,
            "name": [{"family": family, "given": [given]}],
            "birthDate": birth,
            "address": [{"line": [line], "city": city, "state": "IL", "postalCode": "62701"}],
        }
        if vip:
            resource["meta"] = {"security": [{"system": "x", "code": "V"}]}
        if deceased:
            resource["deceasedBoolean"] = True
        self.patients.append(resource)
        return pid

    def worker(
        self,
        uid: str,
        family: str,
        given: str = "Sam",
        *,
        role: str = "physician",
        dept: str = "CARD",
        birth: str = "1980-05-05",
        line: str = "900 Oak Avenue",
        city: str = "Springfield",
        end: date | None = None,
        station: str | None = None,
    ) -> str:
        self.workers.append(
            {
                "resourceType": "Practitioner",
                "id": uid,
                "name": [{"family": family, "given": [given]}],
                "birthDate": birth,
                "address": [{"line": [line], "city": city, "state": "IL", "postalCode": "62701"}],
            }
        )
        period: dict[str, str] = {"start": "2020-01-01"}
        if end is not None:
            period["end"] = end.isoformat()
        self.roles.append(
            {
                "resourceType": "PractitionerRole",
                "id": f"role-{uid}",
                "active": end is None,
                "period": period,
                "practitioner": {"reference": f"Practitioner/{uid}"},
                "organization": {"reference": f"Organization/dept-{dept}"},
                "code": [{"coding": [{"system": "urn:role", "code": role}]}],
            }
        )
        number = len(self.workers)
        self.home[uid] = (f"10.0.0.{number}", station or f"WS-{number:03d}")
        return uid

    def encounter(self, pid: str, dept: str, first: int, last: int, *members: str) -> None:
        self.encounters.append(
            {
                "resourceType": "Encounter",
                "id": f"enc-{len(self.encounters) + 1}",
                "subject": {"reference": f"Patient/{pid}"},
                "participant": [
                    {"individual": {"reference": f"Practitioner/{m}"}} for m in members
                ],
                "period": {
                    "start": (START + timedelta(days=first)).isoformat(),
                    "end": (START + timedelta(days=last)).isoformat(),
                },
                "serviceProvider": {"reference": f"Organization/dept-{dept}"},
            }
        )

    def access(
        self,
        uid: str,
        pids: list[str] | str | None,
        day: int,
        hour: int = 10,
        minute: int = 0,
        *,
        action: str = "R",
        subtype: str = "read",
        address: str | None = None,
        station: str | None = None,
        second: int = 0,
    ) -> None:
        usual_address, usual_station = self.home[uid]
        when = datetime.combine(START + timedelta(days=day), datetime.min.time()) + timedelta(
            hours=hour, minutes=minute, seconds=second
        )
        patients = [pids] if isinstance(pids, str) else list(pids or [])
        self.events.append(
            {
                "resourceType": "AuditEvent",
                "id": f"ae-{len(self.events) + 1:07d}",
                "type": {"code": "rest"},
                "subtype": [{"code": subtype}],
                "action": action,
                "recorded": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "outcome": "0",
                "agent": [
                    {
                        "who": {"reference": f"Practitioner/{uid}"},
                        "requestor": True,
                        "network": {"address": address or usual_address, "type": "2"},
                    },
                    {
                        "who": {"identifier": {"value": station or usual_station}},
                        "requestor": False,
                    },
                ],
                "source": {"observer": {"display": "test-ehr"}},
                "entity": [
                    {"what": {"reference": f"Patient/{p}"}, "role": {"code": "1"}} for p in patients
                ],
            }
        )

    def routine(self, uid: str, pid: str, dept: str, days: range, hour: int = 10) -> None:
        """A treated patient: an encounter with ``uid`` and a chart read every day of ``days``."""
        self.encounter(pid, dept, days.start, days.stop - 1, uid)
        for day in days:
            self.access(uid, pid, day, hour)

    def write(self, folder: Path) -> tuple[Path, Path]:
        context = folder / "context"
        context.mkdir(parents=True, exist_ok=True)
        organizations = [
            {"resourceType": "Organization", "id": f"dept-{code}", "name": name}
            for code, name in DEPARTMENTS.items()
        ]
        for name, rows in (
            ("Organization", organizations),
            ("Patient", self.patients),
            ("Practitioner", self.workers),
            ("PractitionerRole", self.roles),
            ("Encounter", self.encounters),
        ):
            (context / f"{name}.ndjson").write_text(
                "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
            )
        events = folder / "events.ndjson"
        events.write_text("".join(json.dumps(e) + "\n" for e in self.events), encoding="utf-8")
        return context, events


def write_events(hospital: Hospital, path: Path, days: range) -> Path:
    """Only the events of ``days`` (offsets from START), for ingests that arrive day by day."""
    wanted = {(START + timedelta(days=d)).isoformat() for d in days}
    rows = [e for e in hospital.events if e["recorded"][:10] in wanted]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(e) + "\n" for e in rows), encoding="utf-8")
    return path


def run_pipeline(
    hospital: Hospital,
    settings: Settings,
    store: Store,
    *,
    config: DetectionConfig | None = None,
) -> list[dict[str, Any]]:
    """Ingest, load context, detect; return the alerts (pseudonyms, no names)."""
    context, events = hospital.write(settings.data_dir.parent / "input")
    load_context(settings, store, [context])
    ingest(settings, [events])
    detect(settings, store, config=config or load_detection_config(settings))
    return list_alerts(store, limit=1000)


def pseudonym(settings: Settings, identifier: str) -> str:
    return pseudonymise(pseudonym_key(settings), identifier)


def fired(alerts: list[dict[str, Any]], detector: str, settings: Settings) -> set[str]:
    """Pseudonyms of the users the named detector alerted on."""
    config = load_detection_config(settings)
    wanted = config.by_name(detector).id
    return {a["user_pseudonym"] for a in alerts if a["detector"] == wanted}
