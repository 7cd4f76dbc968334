"""End to end: a bulk-exfiltration alert becomes a confirmed case, then an incident.

The real pipeline runs (context load, ingest, detect); the incident's scope
must be exactly the patients of the attack's events, by state.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from phiwatch import respond
from phiwatch.config import Settings
from phiwatch.errors import InputError
from phiwatch.monitor import list_cases, update_case
from phiwatch.security import enable_field_encryption
from phiwatch.store import Store
from tests.monitor.detect.hospital import Hospital, pseudonym, run_pipeline
from tests.monitor.detect.test_detectors import base_hospital, bulk_positive

STATES = ("IL", "WI", "IN", "IA")


def _attacked_hospital() -> tuple[Hospital, Counter[str]]:
    hospital = base_hospital()
    by_state: Counter[str] = Counter()
    for page in range(2):
        for n in range(100):
            hospital.patient(f"q-{page}-{n}", f"Query{page}x{n}")
            state = STATES[(page * 100 + n) % len(STATES)]
            hospital.patients[-1]["address"][0]["state"] = state
            by_state[state] += 1
    bulk_positive(hospital)  # it-f pulls q-0-* and q-1-* at 02:00
    return hospital, by_state


@pytest.fixture
def attacked(settings: Settings, sqlite_store: Store) -> tuple[int, Counter[str]]:
    enable_field_encryption(sqlite_store, settings)
    hospital, by_state = _attacked_hospital()
    run_pipeline(hospital, settings, sqlite_store)
    it_f = pseudonym(settings, "it-f")
    case = next(c for c in list_cases(sqlite_store) if c["user_pseudonym"] == it_f)
    return case["id"], by_state


def test_a_confirmed_case_becomes_an_incident_with_exactly_its_patients(
    settings: Settings, sqlite_store: Store, attacked: tuple[int, Counter[str]]
) -> None:
    case_id, by_state = attacked
    with pytest.raises(InputError, match="not confirmed"):
        respond.open_from_case(
            settings, sqlite_store, "Bulk pull", case_id=case_id, discovered=date(2026, 3, 11)
        )
    assert respond.list_incidents(sqlite_store) == []

    update_case(sqlite_store, case_id, status="confirmed", note="admitted")
    result = respond.open_from_case(
        settings, sqlite_store, "Bulk pull", case_id=case_id, discovered=date(2026, 3, 11)
    )
    scope = result["scope"]
    assert scope["individuals"] == 200
    assert scope["by_state"] == dict(sorted(by_state.items()))
    assert scope["not_in_context"] == 0
    answers = respond.prefill(sqlite_store, result["incident"])
    assert (answers.recipient, answers.acquired) == ("workforce", "viewed")
    assessed = respond.save_assessment(
        sqlite_store, result["incident"], answers, decided_by="P. Officer"
    )
    assert assessed["result"] == "notify"
    owed = respond.incident_obligations(sqlite_store, result["incident"], today=date(2026, 3, 12))
    assert [(o["notice"], o["due"]) for o in owed] == [
        ("individuals", date(2026, 5, 10)),
        ("hhs-annual-log", date(2027, 3, 1)),
    ]
