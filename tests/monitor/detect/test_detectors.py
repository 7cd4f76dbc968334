"""Every detector fires on its positive case and stays silent on its negative one.

Each case is a small hospital with two weeks of ordinary, explained work
(the baseline), plus the few accesses of the case; the real pipeline runs
(context load, ingest, detect) and the test asserts on the stored alerts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from phiwatch.config import Settings, load_settings
from phiwatch.monitor import load_detectors
from phiwatch.store import Store, open_store
from tests.monitor.detect.hospital import START, Hospital, fired, pseudonym, run_pipeline

DAYS = range(14)
INCIDENT_DAY = 8


def base_hospital() -> Hospital:
    """Six staff with two weeks of explained work; patients live away from the staff."""
    h = Hospital()
    h.worker("dr-a", "Adams", "Alice", birth="1975-02-03", line="10 Maple Street")
    h.worker("dr-b", "Baker", "Bob", dept="ED", line="20 Pine Road")
    h.worker("rn-c", "Clark", "Cora", role="nurse", birth="1988-08-08", line="5 Cedar Court")
    h.worker("reg-d", "Diaz", "Dan", role="registration", dept="REG", line="7 Ash Way")
    h.worker("bill-e", "Evans", "Eve", role="billing", dept="BILL", line="8 Ash Way")
    h.worker("it-f", "Fox", "Finn", role="dba", dept="IT", line="9 Ash Way")
    h.worker("dr-x", "Xu", "Xia", line="11 Birch Lane", end=START + timedelta(days=5))
    for n in range(1, 11):
        h.patient(f"p-{n:03d}", f"Person{n}", line=f"{100 + n * 20} Willow Drive")
    for n in range(1, 6):
        h.routine("dr-a", f"p-{n:03d}", "CARD", DAYS, hour=9 + n)
        h.encounter(f"p-{n:03d}", "CARD", 0, 13, "rn-c")
        for day in DAYS:
            h.access("rn-c", f"p-{n:03d}", day, 8 + n)
    for n in range(6, 11):
        h.routine("dr-b", f"p-{n:03d}", "ED", DAYS, hour=4 + n)
    for day in DAYS:
        h.access("it-f", None, day, 9, action="E", subtype="login")
        h.access("reg-d", "p-001", day, 11, action="U", subtype="update")
    for day in range(6):
        h.access("dr-x", "p-001", day, 10)
    h.encounter("p-001", "CARD", 0, 13, "dr-x")
    return h


def bulk_positive(h: Hospital) -> str:
    for page in range(2):
        h.access(
            "it-f",
            [f"q-{page}-{n}" for n in range(100)],
            INCIDENT_DAY,
            2,
            page,
            subtype="search-type",
        )
    return "it-f"


def bulk_negative(h: Hospital) -> str:
    for n in range(100):  # a very busy clinic day, still below the floor of 150
        h.access("dr-a", f"walk-in-{n}", INCIDENT_DAY, 9, n % 60)
    return "dr-a"


def vip_positive(h: Hospital) -> str:
    h.patient("p-vip", "Star", line="1 Hollywood Blvd", vip=True)
    h.access("dr-b", "p-vip", INCIDENT_DAY, 14)
    return "dr-b"


def vip_negative(h: Hospital) -> str:
    h.patient("p-vip", "Star", line="1 Hollywood Blvd", vip=True)
    h.encounter("p-vip", "CARD", INCIDENT_DAY, INCIDENT_DAY, "dr-a")
    h.access("dr-a", "p-vip", INCIDENT_DAY, 14)
    return "dr-a"


def _colleague_as_patient(h: Hospital) -> str:
    # rn-c is also a patient: same name and birth date, as a records clerk would match them
    return h.patient("p-emp", "Clark", "Cora", birth="1988-08-08", line="5 Cedar Court")


def coworker_positive(h: Hospital) -> str:
    h.access("dr-b", _colleague_as_patient(h), INCIDENT_DAY, 15)
    return "dr-b"


def coworker_negative(h: Hospital) -> str:
    pid = _colleague_as_patient(h)
    h.encounter(pid, "CARD", INCIDENT_DAY, INCIDENT_DAY, "dr-a")
    h.access("dr-a", pid, INCIDENT_DAY, 15)
    return "dr-a"


def family_positive(h: Hospital) -> str:
    h.patient("p-fam", "Adams", "Junior", birth="2010-01-01", line="10 Maple Street")
    h.access("dr-a", "p-fam", INCIDENT_DAY, 16)
    return "dr-a"


def family_negative(h: Hospital) -> str:
    # a same-surname clinician who does treat the patient must not alert
    h.patient("p-fam", "Adams", "Junior", birth="2010-01-01", line="10 Maple Street")
    h.encounter("p-fam", "CARD", INCIDENT_DAY, INCIDENT_DAY, "dr-a")
    h.access("dr-a", "p-fam", INCIDENT_DAY, 16)
    return "dr-a"


def neighbour_positive(h: Hospital) -> str:
    h.patient("p-nb", "Novak", line="14 Maple Street")
    h.access("dr-a", "p-nb", INCIDENT_DAY, 16)
    return "dr-a"


def neighbour_negative(h: Hospital) -> str:
    h.patient("p-far", "Novak", line="310 Maple Street")  # same street, far along it
    h.access("dr-a", "p-far", INCIDENT_DAY, 16)
    return "dr-a"


def _own_record(h: Hospital) -> str:
    return h.patient("p-self", "Adams", "Alice", birth="1975-02-03", line="10 Maple Street")


def self_positive(h: Hospital) -> str:
    h.access("dr-a", _own_record(h), INCIDENT_DAY, 12)
    return "dr-a"


def self_negative(h: Hospital) -> str:
    pid = _own_record(h)
    h.encounter(pid, "ED", INCIDENT_DAY, INCIDENT_DAY, "dr-b")
    h.access("dr-b", pid, INCIDENT_DAY, 12)
    return "dr-b"


def device_positive(h: Hospital) -> str:
    for n in range(1, 4):
        h.access(
            "dr-a", f"p-{n:03d}", INCIDENT_DAY, 2, n, address="203.0.113.45", station="LAPTOP-X9F2"
        )
    return "dr-a"


def device_negative(h: Hospital) -> str:
    # dr-a sits at the nurse's workstation: new to dr-a, but the organisation knows it
    address, station = h.home["rn-c"]
    h.access("dr-a", "p-001", INCIDENT_DAY, 13, address=address, station=station)
    return "dr-a"


def termination_positive(h: Hospital) -> str:
    h.access("dr-x", "p-001", 7, 10)
    return "dr-x"


def termination_negative(h: Hospital) -> str:
    h.access("dr-x", "p-001", 6, 3)  # the night shift of the last day, finishing
    return "dr-x"


def mass_positive(h: Hospital) -> str:
    for n in range(120):
        h.access(
            "reg-d",
            f"m-{n}",
            INCIDENT_DAY,
            13,
            n // 6,
            action="U",
            subtype="update",
            second=n % 6 * 9,
        )
    return "reg-d"


def mass_negative(h: Hospital) -> str:
    for n in range(60):
        h.access("reg-d", f"m-{n}", INCIDENT_DAY, 13, n, action="U", subtype="update")
    return "reg-d"


def serial_positive(h: Hospital) -> str:
    for day in range(1, 13):
        h.access("dr-b", f"s-{day}", day, 12)
    return "dr-b"


def serial_negative(h: Hospital) -> str:
    for day in (2, 6, 10):
        h.access("dr-b", f"s-{day}", day, 12)
    return "dr-b"


def deceased_positive(h: Hospital) -> str:
    h.patient("p-dead", "Gone", line="2 Cemetery Road", deceased=True)
    h.access("dr-b", "p-dead", INCIDENT_DAY, 12)
    return "dr-b"


def deceased_negative(h: Hospital) -> str:
    h.patient("p-dead", "Gone", line="2 Cemetery Road", deceased=True)
    h.encounter("p-dead", "CARD", 5, 6, "dr-a")
    h.access("bill-e", "p-dead", INCIDENT_DAY, 12)  # billing the visit two days later
    return "bill-e"


Scenario = Callable[[Hospital], str]
CASES: dict[str, tuple[Scenario, Scenario]] = {
    "bulk_access": (bulk_positive, bulk_negative),
    "vip_access": (vip_positive, vip_negative),
    "coworker_access": (coworker_positive, coworker_negative),
    "family_access": (family_positive, family_negative),
    "neighbour_access": (neighbour_positive, neighbour_negative),
    "self_access": (self_positive, self_negative),
    "unfamiliar_device": (device_positive, device_negative),
    "access_after_termination": (termination_positive, termination_negative),
    "mass_modification": (mass_positive, mass_negative),
    "slow_serial_snooping": (serial_positive, serial_negative),
    "deceased_patient_access": (deceased_positive, deceased_negative),
}


def test_every_detector_has_a_positive_and_a_negative_case() -> None:
    assert set(CASES) == {d.name for d in load_detectors()}


@dataclass
class Outcome:
    settings: Settings
    alerts: list[dict[str, Any]]
    users: dict[str, str]  # detector name -> the user its case is about


def _outcome(folder: Path, which: int) -> Outcome:
    """All positive (which=0) or all negative (1) cases in one hospital, one pipeline run."""
    settings = load_settings(environ={}, data_dir=str(folder / "data"))
    store = open_store(settings)
    try:
        hospital = base_hospital()
        users = {name: cases[which](hospital) for name, cases in CASES.items()}
        return Outcome(settings, run_pipeline(hospital, settings, store), users)
    finally:
        store.close()


@pytest.fixture(scope="module")
def positives(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    return _outcome(tmp_path_factory.mktemp("positives"), 0)


@pytest.fixture(scope="module")
def negatives(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    return _outcome(tmp_path_factory.mktemp("negatives"), 1)


@pytest.mark.parametrize("detector", sorted(CASES))
def test_fires_on_its_positive_case(detector: str, positives: Outcome) -> None:
    user = pseudonym(positives.settings, positives.users[detector])
    assert user in fired(positives.alerts, detector, positives.settings)


@pytest.mark.parametrize("detector", sorted(CASES))
def test_silent_on_its_negative_case(detector: str, negatives: Outcome) -> None:
    user = pseudonym(negatives.settings, negatives.users[detector])
    assert user not in fired(negatives.alerts, detector, negatives.settings)


@pytest.mark.parametrize("detector", ["bulk_access", "family_access", "unfamiliar_device"])
def test_alone_each_positive_case_still_fires(
    detector: str, settings: Settings, sqlite_store: Store
) -> None:
    """The combined hospital cannot hide a dependence between cases: a few run on their own."""
    hospital = base_hospital()
    user = CASES[detector][0](hospital)
    alerts = run_pipeline(hospital, settings, sqlite_store)
    assert pseudonym(settings, user) in fired(alerts, detector, settings)


def test_the_baseline_hospital_alone_raises_no_alert(
    settings: Settings, sqlite_store: Store
) -> None:
    assert run_pipeline(base_hospital(), settings, sqlite_store) == []
