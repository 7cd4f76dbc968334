"""Context (FHIR Bulk NDJSON and CSV) into the store, versioned; stats and coverage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from phiwatch.config import Settings
from phiwatch.errors import InputError
from phiwatch.monitor import ingest, lake_stats, load_context, pseudonym_key, pseudonymise
from phiwatch.store import Store
from phiwatch.store.models.monitor import (
    CareRelationship,
    ContextVersion,
    Patient,
    Person,
    WorkforceMember,
)
from tests.monitor.conftest import audit_event, write_ndjson


def _ndjson(folder: Path, name: str, resources: list[dict[str, Any]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("".join(json.dumps(r) + "\n" for r in resources), "utf-8")


@pytest.fixture
def bulk(tmp_path: Path) -> Path:
    """A hand-written $export: two patients (one VIP), two practitioners, care."""
    folder = tmp_path / "export"
    _ndjson(
        folder,
        "Organization.ndjson",
        [
            {"resourceType": "Organization", "id": "dept-CARD", "name": "Cardiology"},
        ],
    )
    _ndjson(
        folder,
        "Patient.ndjson",
        [
            {
                "resourceType": "Patient",
                "id": "p-1",
                "name": [{"family": "Rivera", "given": ["Ana"]}],
                "birthDate": "1980-02-03",
                "address": [
                    {
                        "line": ["12 Elm St"],
                        "city": "Springfield",
                        "state": "IL",
                        "postalCode": "62701",
                    }
                ],
            },
            {
                "resourceType": "Patient",
                "id": "p-2",
                "name": [{"family": "Star", "given": ["Kim"]}],
                "meta": {
                    "security": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
                            "code": "V",
                        }
                    ]
                },
                "deceasedBoolean": True,
            },
        ],
    )
    _ndjson(
        folder,
        "Practitioner.ndjson",
        [
            {"resourceType": "Practitioner", "id": "dr-1", "name": [{"family": "Ng"}]},
            {"resourceType": "Practitioner", "id": "rn-2", "name": [{"family": "Cole"}]},
        ],
    )
    _ndjson(
        folder,
        "PractitionerRole.ndjson",
        [
            {
                "resourceType": "PractitionerRole",
                "id": "r1",
                "active": True,
                "period": {"start": "2015-01-01"},
                "practitioner": {"reference": "Practitioner/dr-1"},
                "organization": {"reference": "Organization/dept-CARD"},
                "code": [{"coding": [{"code": "physician"}]}],
            },
            {
                "resourceType": "PractitionerRole",
                "id": "r2",
                "active": False,
                "period": {"start": "2019-05-01", "end": "2024-02-29"},
                "practitioner": {"reference": "Practitioner/rn-2"},
                "organization": {"reference": "Organization/dept-CARD"},
            },
        ],
    )
    _ndjson(
        folder,
        "Encounter.ndjson",
        [
            {
                "resourceType": "Encounter",
                "id": "e1",
                "subject": {"reference": "Patient/p-1"},
                "participant": [{"individual": {"reference": "Practitioner/dr-1"}}],
                "period": {"start": "2024-03-01T08:00:00Z", "end": "2024-03-02"},
                "serviceProvider": {"reference": "Organization/dept-CARD"},
            },
        ],
    )
    _ndjson(
        folder,
        "Appointment.ndjson",
        [
            {
                "resourceType": "Appointment",
                "id": "a1",
                "status": "booked",
                "start": "2024-03-05T09:00:00Z",
                "participant": [
                    {"actor": {"reference": "Patient/p-2"}},
                    {"actor": {"reference": "Practitioner/dr-1"}},
                ],
            },
        ],
    )
    _ndjson(
        folder,
        "CareTeam.ndjson",
        [
            {
                "resourceType": "CareTeam",
                "id": "t1",
                "subject": {"reference": "Patient/p-1"},
                "participant": [
                    {"member": {"reference": "Practitioner/dr-1"}},
                    {"member": {"reference": "Practitioner/rn-2"}},
                ],
                "period": {"start": "2024-03-01"},
            },
        ],
    )
    return folder


def test_bulk_export_loads_people_roles_and_care(
    settings: Settings, store: Store, bulk: Path
) -> None:
    result = load_context(settings, store, [bulk])
    assert (result.patients, result.workforce, result.relationships) == (2, 2, 4)
    key = pseudonym_key(settings)
    with store.reader() as session:
        vip = session.scalars(select(Patient).where(Patient.vip)).one()
        assert vip.pseudonym == pseudonymise(key, "p-2")
        assert vip.deceased
        nurse = session.scalars(
            select(WorkforceMember).where(WorkforceMember.pseudonym == pseudonymise(key, "rn-2"))
        ).one()
        assert (nurse.active, str(nurse.end_date), nurse.department) == (
            False,
            "2024-02-29",
            "Cardiology",
        )
        # Encrypted columns cannot be compared in SQL; their keyed-hash companions can.
        person = session.scalars(select(Person).where(Person.identifier_hash == "p-1")).one()
        assert (person.family, person.birth_date, person.postal_code) == (
            "Rivera",
            "1980-02-03",
            "62701",
        )
        kinds = sorted(session.scalars(select(CareRelationship.kind)))
        assert kinds == ["appointment", "careteam", "careteam", "encounter"]
        encounter = session.scalars(
            select(CareRelationship).where(CareRelationship.kind == "encounter")
        ).one()
        assert encounter.department == "Cardiology"
        assert str(encounter.start) == "2024-03-01"


def test_each_load_is_a_new_version(settings: Settings, store: Store, bulk: Path) -> None:
    first = load_context(settings, store, [bulk])
    second = load_context(settings, store, [bulk / "Patient.ndjson"])
    assert second.version > first.version
    with store.reader() as session:
        assert session.scalar(select(func.count()).select_from(ContextVersion)) == 2
        assert session.scalar(select(func.count()).where(Patient.version_id == second.version)) == 2


def test_context_csv(settings: Settings, store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "patients.csv").write_text(
        "patient_id,family,given,birth_date,line,city,state,postal_code,vip,deceased\n"
        "p-1,Rivera,Ana,1980-02-03,12 Elm St,Springfield,IL,62701,false,false\n"
        "p-2,Star,Kim,1975-01-01,1 Hill Rd,Springfield,IL,62702,true,false\n",
        "utf-8",
    )
    (folder / "workforce.csv").write_text(
        "user_id,family,given,role,department,hire_date,end_date,patient_id\n"
        "dr-1,Ng,Lee,physician,Cardiology,2015-01-01,,\n"
        "rn-2,Cole,Sam,nurse,Cardiology,2019-05-01,2024-02-29,p-1\n",
        "utf-8",
    )
    (folder / "encounters.csv").write_text(
        "encounter_id,patient_id,department,start,end,attending,nurse1\n"
        "e1,p-1,Cardiology,2024-03-01,2024-03-02,dr-1,rn-2\n",
        "utf-8",
    )
    result = load_context(settings, store, [folder])
    assert (result.patients, result.workforce, result.relationships) == (2, 2, 2)
    key = pseudonym_key(settings)
    with store.reader() as session:
        nurse = session.scalars(
            select(WorkforceMember).where(WorkforceMember.role == "nurse")
        ).one()
        assert nurse.patient_pseudonym == pseudonymise(key, "p-1")
        assert nurse.active is False
        assert session.scalars(select(Patient.vip).where(Patient.vip)).all() == [True]


def test_bad_context_file_names_file_and_line(
    settings: Settings, sqlite_store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "Patient.ndjson").write_text('{"resourceType":"Patient","id":"a"}\n{oops\n')
    with pytest.raises(InputError) as caught:
        load_context(settings, sqlite_store, [folder])
    assert caught.value.line == 2
    (tmp_path / "x.txt").write_text("hello", "utf-8")
    with pytest.raises(InputError, match="unknown context file"):
        load_context(settings, sqlite_store, [tmp_path / "x.txt"])
    with sqlite_store.reader() as session:
        assert session.scalar(select(func.count()).select_from(ContextVersion)) == 0


def test_stats_report_unknown_users_and_patients(
    settings: Settings, store: Store, bulk: Path, tmp_path: Path
) -> None:
    load_context(settings, store, [bulk])
    events = [
        audit_event("k1", user="Practitioner/dr-1", patients=("Patient/p-1",)),
        audit_event("k2", user="Practitioner/stranger", patients=("Patient/p-9",)),
        audit_event("k3", user="Practitioner/dr-1", patients=("Patient/p-2",), action="U"),
    ]
    ingest(settings, [write_ndjson(tmp_path / "e.ndjson", events)])
    stats = lake_stats(settings, store, by="action")
    assert (stats["rows"], stats["users"], stats["patients"]) == (3, 2, 3)
    assert (stats["unknown_users"], stats["unknown_patients"]) == (1, 1)
    assert stats["rows_with_unknown_user"] == 1
    assert stats["breakdown"] == [
        {"action": "R", "events": 2, "patients": 2},
        {"action": "U", "events": 1, "patients": 1},
    ]
    with pytest.raises(InputError, match="--by"):
        lake_stats(settings, store, by="colour")


def test_cli_context_load_and_stats(cli, bulk: Path, tmp_path: Path) -> None:
    loaded = cli("monitor", "context", "load", str(bulk), "-f", "json")
    assert loaded.exit_code == 0, loaded.output
    assert json.loads(loaded.stdout)["patients"] == 2
    ingest_result = cli(
        "monitor", "ingest", str(write_ndjson(tmp_path / "e.ndjson", [audit_event("z")]))
    )
    assert ingest_result.exit_code == 0, ingest_result.output
    stats = cli("monitor", "stats", "--by", "day", "-f", "json")
    assert stats.exit_code == 0, stats.output
    data = json.loads(stats.stdout)
    assert data["breakdown"] == [{"day": "2024-03-01", "events": 1, "patients": 1}]
    assert (data["unknown_users"], data["unknown_patients"]) == (0, 0)
