"""Labelled incidents injected into the normal traffic (``--attacks``).

Each incident is a kind (see ``KINDS``), an account, the patients touched
and its events; the labels are written to their own file and never appear
in the events themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from phiwatch.simulate._care import Encounters
from phiwatch.simulate._catalogue import ACT, IT, NURSE, PHYSICIAN
from phiwatch.simulate._config import HospitalConfig
from phiwatch.simulate._population import Patients, Workforce
from phiwatch.simulate._traffic import DAY, Events

KINDS = (
    "bulk_exfiltration",
    "vip_snooping",
    "coworker_snooping",
    "family_snooping",
    "neighbour_snooping",
    "self_access",
    "compromised_credentials",
    "access_after_termination",
    "mass_modification",
    "slow_serial_snooping",
)
# The device of a compromised account: never seen before in this hospital.
FOREIGN_WORKSTATION = "LAPTOP-X9F2"
FOREIGN_ADDRESS = "203.0.113.45"
EXFILTRATION_PAGE = 100  # patients named by one search AuditEvent


@dataclass
class Incident:
    number: int
    kind: str
    user: int
    description: str
    event_ids: list[str] = field(default_factory=list)
    patients: set[int] = field(default_factory=set)
    first: int | None = None  # epoch seconds
    last: int | None = None


@dataclass
class _Builder:
    workforce: Workforce
    start: int  # epoch seconds of the first simulated midnight
    rng: np.random.Generator
    parts: list[Events] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    next_group: int = 0

    def incident(self, kind: str, user: int, description: str) -> int:
        self.incidents.append(Incident(len(self.incidents), kind, user, description))
        return len(self.incidents) - 1

    def shift_time(self, user: int, day: int, size: int) -> np.ndarray:
        base = self.start + day * DAY + (19 if self.workforce.night_shift[user] else 8) * 3600
        return base + np.sort(self.rng.integers(0, 9 * 3600, size))

    def add(
        self,
        incident: int,
        user: int,
        times: np.ndarray,
        patients: np.ndarray,
        activity: np.ndarray | int,
        *,
        workstation: int | None = None,
        group: np.ndarray | None = None,
    ) -> None:
        n = len(times)
        incident_record = self.incidents[incident]
        incident_record.patients.update(int(p) for p in np.asarray(patients) if p >= 0)
        low, high = int(np.min(times)), int(np.max(times))
        incident_record.first = (
            low if incident_record.first is None else min(incident_record.first, low)
        )
        incident_record.last = (
            high if incident_record.last is None else max(incident_record.last, high)
        )
        station = self.workforce.workstations[user, 0] if workstation is None else workstation
        self.parts.append(
            Events(
                time=np.asarray(times, dtype=np.int64),
                user=np.full(n, user, dtype=np.int64),
                patient=np.asarray(patients, dtype=np.int64),
                activity=np.broadcast_to(np.asarray(activity, dtype=np.int64), (n,)).copy(),
                workstation=np.full(n, station, dtype=np.int64),
                group=np.full(n, -1, dtype=np.int64) if group is None else group,
                incident=np.full(n, incident, dtype=np.int64),
            )
        )

    def chart_views(self, incident: int, user: int, day: int, patients: np.ndarray) -> None:
        """One short chart session per patient, during the user's shift."""
        per = 3
        times = self.shift_time(user, day, len(patients))
        times = np.repeat(times, per) + np.tile(np.arange(per) * 40, len(patients))
        reads = np.tile(
            [ACT["Chart Review Accessed"], ACT["Notes Viewed"], ACT["Results Review"]],
            len(patients),
        )
        self.add(incident, user, times, np.repeat(patients, per), reads)


def _pick(rng: np.random.Generator, pool: np.ndarray, avoid: set[int] | None = None) -> int:
    candidates = [int(x) for x in pool if avoid is None or int(x) not in avoid]
    if not candidates:
        candidates = [int(x) for x in pool]
    return candidates[int(rng.integers(0, len(candidates)))]


def _with_neighbours(patients: Patients, own: np.ndarray, users: np.ndarray) -> np.ndarray:
    """The users among ``users`` who have a patient living a few doors away."""
    found = [
        u
        for u in users
        if np.any(
            (patients.street == patients.street[own[u]])
            & (np.abs(patients.house_number - patients.house_number[own[u]]) <= 6)
            & (patients.household != patients.household[own[u]])
        )
    ]
    return np.array(found) if found else users


def plan_attacks(
    config: HospitalConfig,
    patients: Patients,
    workforce: Workforce,
    encounters: Encounters,
    rng: np.random.Generator,
    start: int,
) -> tuple[Events, list[Incident]]:
    """All incident events of the period, and their labels (event ids filled in on writing)."""
    b = _Builder(workforce, start, rng)
    days = config.days
    mid = days // 2
    active = workforce.end_day > start // DAY + days
    clinicians = np.flatnonzero(np.isin(workforce.role, (PHYSICIAN, NURSE)) & active)
    employee_patients = np.flatnonzero((workforce.patient >= 0) & active)
    used: set[int] = set()

    def take(pool: np.ndarray) -> int:
        chosen = _pick(rng, pool, used)
        used.add(chosen)
        return chosen

    # 1. a database administrator's account pulls a tenth of all records, at night
    dbas = np.flatnonzero(workforce.dba & active)
    user = take(dbas if len(dbas) else np.flatnonzero(workforce.role == IT))
    victims = rng.choice(len(patients), size=max(200, len(patients) // 10), replace=False)
    number = b.incident("bulk_exfiltration", user, "bulk query of many records at night")
    day = min(days - 1, (2 * days) // 3)
    times = start + day * DAY + 3600 + np.sort(rng.integers(0, 3 * 3600, len(victims)))
    groups = b.next_group + np.arange(len(victims)) // EXFILTRATION_PAGE
    b.next_group = int(groups[-1]) + 1
    times = times[(np.arange(len(victims)) // EXFILTRATION_PAGE) * EXFILTRATION_PAGE]
    b.add(number, user, times, victims, ACT["Bulk Query"], group=groups)

    # 2. a VIP's chart opened by staff with no part in their care
    vip = int(rng.choice(np.flatnonzero(patients.vip)))
    for _ in range(4):
        user = take(clinicians)
        number = b.incident("vip_snooping", user, "VIP chart opened without a care relationship")
        b.chart_views(number, user, min(days - 1, days // 3), np.array([vip]))

    # 3. a co-worker's chart (an employee of the same department who is a patient)
    user = take(clinicians)
    same_dept = employee_patients[
        (workforce.department[employee_patients] == workforce.department[user])
        & (employee_patients != user)
    ]
    coworker = _pick(rng, same_dept if len(same_dept) else employee_patients, {user})
    number = b.incident("coworker_snooping", user, "co-worker's chart opened")
    b.chart_views(number, user, mid, np.array([workforce.patient[coworker]]))

    # 4. family (same surname and address) and 5. a neighbour (same street, nearby number)
    own = workforce.patient
    with_family = [
        u
        for u in employee_patients
        if int(np.count_nonzero(patients.household == patients.household[own[u]])) > 1
    ]
    user = take(np.array(with_family) if with_family else employee_patients)
    household = np.flatnonzero(patients.household == patients.household[own[user]])
    relatives = household[household != own[user]]
    if len(relatives) == 0:
        relatives = np.array([(own[user] + 1) % len(patients)])
    number = b.incident("family_snooping", user, "relative's chart opened (same surname, address)")
    b.chart_views(number, user, max(0, mid - 1), relatives)
    if config.behaviour_in_force.default:
        user = take(employee_patients)
    else:  # someone with a neighbour: a small hospital's streets are sparse
        user = take(_with_neighbours(patients, own, employee_patients))
    home = own[user]
    near = np.flatnonzero(
        (patients.street == patients.street[home])
        & (np.abs(patients.house_number - patients.house_number[home]) <= 6)
        & (patients.household != patients.household[home])
    )
    if len(near) == 0:
        near = np.array([(home + 7) % len(patients)])
    number = b.incident("neighbour_snooping", user, "neighbour's chart opened (same street)")
    b.chart_views(number, user, min(days - 1, mid + 1), near[:3])

    # 6. an employee opens their own record
    user = take(employee_patients)
    number = b.incident("self_access", user, "employee opened their own record")
    b.chart_views(number, user, max(0, days // 4), np.array([own[user]]))

    # 7. stolen credentials: a new device and address, at 2 a.m. and alongside the real user
    user = take(clinicians)
    number = b.incident("compromised_credentials", user, "account used from a new device at night")
    day = min(days - 1, mid)
    targets = rng.choice(len(patients), size=60, replace=False)
    night = start + day * DAY + 2 * 3600 + np.sort(rng.integers(0, 90 * 60, 40))
    daytime = b.shift_time(user, day, 20)
    b.add(
        number,
        user,
        np.concatenate([night, daytime]),
        targets,
        ACT["Chart Review Accessed"],
        workstation=-1,
    )

    # 8. access after termination: the account of someone who left keeps being used
    user = take(clinicians)
    left_on = start // DAY + max(0, days // 3)
    workforce.end_day[user] = left_on
    number = b.incident("access_after_termination", user, "account used after termination")
    for day in range(left_on - start // DAY + 1, days):
        b.chart_views(number, user, day, rng.choice(len(patients), size=5, replace=False))
        if day - left_on + start // DAY >= 3:
            break

    # 9. mass modification: hundreds of edits and deletions in half an hour
    user = take(clinicians)
    number = b.incident("mass_modification", user, "hundreds of records changed or deleted")
    day = min(days - 1, (3 * days) // 4)
    count = 400
    times = b.shift_time(user, day, 1)[0] + np.sort(rng.integers(0, 1800, count))
    edits = rng.choice([ACT["Demographics Edited"], ACT["Record Deleted"]], size=count)
    b.add(number, user, times, rng.choice(len(patients), size=count, replace=False), edits)

    # 10. slow serial snooping: one or two unrelated charts a day, for weeks
    user = take(clinicians)
    number = b.incident("slow_serial_snooping", user, "a few unrelated charts every day")
    for day in range(days):
        if rng.random() < 0.6:
            size = int(rng.integers(1, 3))
            b.chart_views(number, user, day, rng.choice(len(patients), size=size, replace=False))

    return Events.concat(b.parts), b.incidents
