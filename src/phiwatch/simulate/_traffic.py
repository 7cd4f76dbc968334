"""Benign access traffic, one day at a time, derived from the care relationships.

Work is generated as *sessions* (a user with one chart open for a few
minutes) and each session is expanded into a burst of audit events, all in
numpy: a day of a 5,000-user hospital is a few array operations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from phiwatch.simulate._care import EMER, IMP, Encounters
from phiwatch.simulate._catalogue import (
    ACT,
    BILLING,
    DEPT_INDEX,
    IT,
    NURSE,
    PHARMACIST,
    PHYSICIAN,
    REGISTRATION,
)
from phiwatch.simulate._population import Workforce

DAY = 86_400

# Session kinds: first activity, then the mix of the following ones, and events per session.
_MIXES: dict[str, tuple[str, dict[str, float], float]] = {
    "physician": (
        "Chart Review Accessed",
        {
            "Results Review": 0.3,
            "Notes Viewed": 0.25,
            "Medication List Viewed": 0.1,
            "Note Signed": 0.15,
            "Order Created": 0.15,
            "Report Printed": 0.05,
        },
        10.0,
    ),
    "nurse": (
        "Chart Review Accessed",
        {
            "Medication List Viewed": 0.3,
            "Notes Viewed": 0.25,
            "Note Signed": 0.2,
            "Results Review": 0.2,
            "Report Printed": 0.05,
        },
        7.0,
    ),
    "registration": (
        "Patient Search",
        {"Demographics Edited": 0.4, "Patient Registered": 0.2, "Chart Review Accessed": 0.4},
        4.0,
    ),
    "billing": (
        "Billing Account Reviewed",
        {"Charge Added": 0.5, "Billing Account Reviewed": 0.3, "Chart Review Accessed": 0.2},
        3.0,
    ),
    "pharmacy": (
        "Medication List Viewed",
        {"Medication Verification Updated": 0.6, "Medication List Viewed": 0.4},
        3.0,
    ),
    "break_glass": (
        "Break-the-Glass Access",
        {"Chart Review Accessed": 0.5, "Results Review": 0.3, "Notes Viewed": 0.2},
        6.0,
    ),
    "login": ("Login", {"Login": 1.0}, 0.0),
}
KINDS = tuple(_MIXES)
KIND = {k: i for i, k in enumerate(KINDS)}


@dataclass
class Events:
    """A batch of audit events (one row per user-patient access)."""

    time: np.ndarray  # epoch seconds, UTC
    user: np.ndarray
    patient: np.ndarray  # -1: no patient (a login)
    activity: np.ndarray  # index into ACTIVITIES
    workstation: np.ndarray  # index into Workstations; -1: the incident's own device
    group: np.ndarray  # rows sharing a group >= 0 are one multi-patient AuditEvent
    incident: np.ndarray  # -1: benign

    @staticmethod
    def concat(parts: list[Events]) -> Events:
        return Events(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in Events.__dataclass_fields__)
        )

    def __len__(self) -> int:
        return len(self.time)

    def sorted(self) -> Events:
        order = np.argsort(self.time, kind="stable")
        return Events(*(getattr(self, f)[order] for f in Events.__dataclass_fields__))


@dataclass
class _Sessions:
    user: list[np.ndarray]
    patient: list[np.ndarray]
    kind: list[np.ndarray]

    def add(self, user: np.ndarray, patient: np.ndarray, kind: str) -> None:
        if len(user) == 0:
            # No one holds the role (a small organisation may have no registrar or biller
            # on staff): that work simply does not happen.
            return
        if len(user) != len(patient):
            raise ValueError(f"{kind}: {len(user)} users for {len(patient)} patients")
        self.user.append(np.asarray(user, dtype=np.int64))
        self.patient.append(np.asarray(patient, dtype=np.int64))
        self.kind.append(np.full(len(user), KIND[kind], dtype=np.int64))


def _random_member(pool: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    if len(pool) == 0 or size == 0:
        return np.empty(0, dtype=np.int64)
    return pool[rng.integers(0, len(pool), size)]


def day_traffic(
    day: int,
    day_start: int,
    encounters: Encounters,
    workforce: Workforce,
    rng: np.random.Generator,
    unexplained: float = 0.02,
) -> Events:
    """The benign events of simulated day ``day`` (offset), whose midnight is ``day_start``."""
    s = _Sessions([], [], [])
    active = np.flatnonzero((encounters.start <= day) & (encounters.end >= day))
    cls = encounters.cls[active]
    starting = encounters.start[active] == day
    # the attending: twice on a clinic visit, three times in the ED, twice a day on the ward
    visits = np.where(cls == IMP, 2, np.where(starting, np.where(cls == EMER, 3, 2), 0))
    rows = np.repeat(active, visits)
    s.add(encounters.attending[rows], encounters.patient[rows], "physician")
    # the care team (nurses) on emergency and inpatient stays
    team_visits = np.where(cls == IMP, 3, np.where((cls == EMER) & starting, 2, 0))
    for slot in range(encounters.team.shape[1]):
        rows = np.repeat(active, team_visits)
        members = encounters.team[rows, slot]
        keep = members >= 0
        s.add(members[keep], encounters.patient[rows][keep], "nurse")
    working = rng.random(len(workforce)) < 0.72
    _cover(s, active, encounters, workforce, working, rng, unexplained)
    new = np.flatnonzero(encounters.registration_day == day)
    registrars = np.flatnonzero(working & (workforce.role == REGISTRATION))
    s.add(_random_member(registrars, len(new), rng), encounters.patient[new], "registration")
    billed = np.flatnonzero(encounters.billing_day == day)
    billers = np.flatnonzero(working & (workforce.role == BILLING))
    s.add(_random_member(billers, len(billed), rng), encounters.patient[billed], "billing")
    dispensed = active[(cls == IMP) | ((cls == EMER) & starting & (rng.random(len(active)) < 0.5))]
    pharmacists = np.flatnonzero(working & (workforce.role == PHARMACIST))
    s.add(
        _random_member(pharmacists, len(dispensed), rng), encounters.patient[dispensed], "pharmacy"
    )
    staff_it = np.flatnonzero(working & (workforce.role == IT))
    logins = np.repeat(staff_it, 3)
    s.add(logins, np.full(len(logins), -1), "login")
    return _expand(s, day, day_start, workforce, rng)


def _cover(
    s: _Sessions,
    active: np.ndarray,
    encounters: Encounters,
    workforce: Workforce,
    working: np.ndarray,
    rng: np.random.Generator,
    unexplained: float = 0.02,
) -> None:
    """Colleagues of the same department covering; in the ED some break the glass.

    Float-pool nurses (none unless the behaviour has a pool) cover on any
    ward, in proportion to their numbers; the roster names them on no team.
    """
    covers = rng.poisson(0.8, len(active))
    rows = np.repeat(active, covers)
    clinicians = working & np.isin(workforce.role, (PHYSICIAN, NURSE))
    floats = np.flatnonzero(clinicians & workforce.float_pool)
    if len(floats):
        by_float = rng.random(len(rows)) < len(floats) / max(1, int(clinicians.sum()))
        s.add(
            _random_member(floats, int(by_float.sum()), rng),
            encounters.patient[rows[by_float]],
            "nurse",
        )
        rows = rows[~by_float]
        clinicians = clinicians & ~workforce.float_pool
    ed = DEPT_INDEX["ED"]
    for d in np.unique(encounters.department[rows]):
        here = rows[encounters.department[rows] == d]
        pool = np.flatnonzero(clinicians & (workforce.department == d))
        users = _random_member(pool, len(here), rng)
        if len(users) == 0:
            continue
        glass = rng.random(len(here)) < (0.3 if d == ed else 0.0)
        s.add(users[~glass], encounters.patient[here][~glass], "nurse")
        s.add(users[glass], encounters.patient[here][glass], "break_glass")
    # consults and look-ups the roster cannot explain: about two in a hundred covering sessions
    consults = max(0, int(len(rows) * unexplained))
    pool = np.flatnonzero(clinicians & (workforce.role == PHYSICIAN))
    patients = encounters.patient[rng.integers(0, len(encounters), consults)]
    if len(pool):
        s.add(_random_member(pool, consults, rng), patients, "physician")


def _expand(
    s: _Sessions, day: int, day_start: int, workforce: Workforce, rng: np.random.Generator
) -> Events:
    user = np.concatenate(s.user)
    patient = np.concatenate(s.patient)
    kind = np.concatenate(s.kind)
    employed = workforce.end_day[user] >= (day_start // DAY)
    user, patient, kind = user[employed], patient[employed], kind[employed]
    n = len(user)
    night = workforce.night_shift[user]
    begin = day_start + np.where(night, 19 * 3600, 7 * 3600) + rng.integers(0, 11 * 3600, n)
    lam = np.array([_MIXES[k][2] for k in KINDS])[kind]
    count = 1 + rng.poisson(lam)
    count[kind == KIND["login"]] = 1
    rows = np.repeat(np.arange(n), count)
    first = np.ones(len(rows), dtype=bool)
    first[1:] = rows[1:] != rows[:-1]
    gaps = rng.integers(5, 90, len(rows))
    gaps[first] = 0
    offset = np.cumsum(gaps)
    session_start = np.repeat(offset[first], count)
    time = begin[rows] + offset - session_start
    activity = np.empty(len(rows), dtype=np.int64)
    for k, name in enumerate(KINDS):
        lead, mix, _ = _MIXES[name]
        here = kind[rows] == k
        activity[here] = rng.choice(
            [ACT[m] for m in mix], p=list(mix.values()), size=int(here.sum())
        )
        activity[here & first] = ACT[lead]
    slot = rng.integers(0, 2, n)
    return Events(
        time=time.astype(np.int64),
        user=user[rows],
        patient=patient[rows],
        activity=activity,
        workstation=workforce.workstations[user, slot][rows],
        group=np.full(len(rows), -1, dtype=np.int64),
        incident=np.full(len(rows), -1, dtype=np.int64),
    )
