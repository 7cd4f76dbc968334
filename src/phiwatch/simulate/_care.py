"""Care relationships: encounters (with their attending), appointments and care teams.

These are generated first and the access traffic is derived from them, so
the context explains the benign accesses the way a real roster would: the
attending and the care team open their patients' charts, colleagues of the
same department cover, registration and billing touch each encounter once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from phiwatch.simulate._catalogue import DEPT_INDEX, NURSE, OUTPATIENT, PHYSICIAN, WARDS
from phiwatch.simulate._config import Behaviour, HospitalConfig
from phiwatch.simulate._population import Patients, Workforce

AMB, EMER, IMP = 0, 1, 2
CLASS_CODES = ("AMB", "EMER", "IMP")
TEAM_SIZE = 3


@dataclass
class Encounters:
    patient: np.ndarray
    department: np.ndarray
    cls: np.ndarray
    start: np.ndarray  # day offset from the first simulated day
    end: np.ndarray  # inclusive
    attending: np.ndarray  # user index
    team: np.ndarray  # (n, TEAM_SIZE) nurse user indices, -1 where none
    registration_day: np.ndarray  # day offset registration touches it (may be < 0: before)
    billing_day: np.ndarray  # day offset billing touches it (may be past the period)

    def __len__(self) -> int:
        return len(self.patient)


def staff_by_department(workforce: Workforce, role: int, departments: int) -> list[np.ndarray]:
    """User indices of ``role`` per department (falling back to the whole role)."""
    everyone = np.flatnonzero(workforce.role == role)
    lists = []
    for d in range(departments):
        here = everyone[workforce.department[everyone] == d]
        lists.append(here if len(here) else everyone)
    return lists


def make_encounters(
    config: HospitalConfig,
    patients: Patients,
    workforce: Workforce,
    rng: np.random.Generator,
) -> Encounters:
    per_day = max(5, round(config.patients * config.encounter_rate))
    n = per_day * config.days
    start = np.repeat(np.arange(config.days), per_day)
    cls = rng.choice([AMB, EMER, IMP], p=[0.72, 0.18, 0.10], size=n)
    department = np.where(
        cls == AMB,
        rng.choice(OUTPATIENT, size=n),
        np.where(cls == EMER, DEPT_INDEX["ED"], rng.choice(WARDS, size=n)),
    )
    length = np.where(
        cls == IMP, rng.integers(1, 8, n), np.where(cls == EMER, rng.integers(0, 2, n), 0)
    )
    # Sicker patients come back: a quarter of the visits go to 5% of the patients.
    frequent = rng.random(n) < 0.25
    patient = np.where(
        frequent,
        rng.integers(0, max(1, len(patients) // 20), n),
        rng.integers(0, len(patients), n),
    )
    departments = int(department.max()) + 1 if n else 0
    departments = max(departments, max(WARDS) + 1)
    physicians = staff_by_department(workforce, PHYSICIAN, departments)
    nurses = staff_by_department(workforce, NURSE, departments)
    attending = np.empty(n, dtype=np.int64)
    team = np.full((n, TEAM_SIZE), -1, dtype=np.int64)
    behaviour = config.behaviour_in_force
    if not behaviour.default:
        # float nurses belong to no ward: they join teams below, never as a ward's own
        ward_nurse = (workforce.role == NURSE) & ~workforce.float_pool
        nurses = [
            np.flatnonzero(ward_nurse & (workforce.department == d))
            if np.any(ward_nurse & (workforce.department == d))
            else np.flatnonzero(ward_nurse)
            for d in range(departments)
        ]
    for d in np.unique(department):
        rows = np.flatnonzero(department == d)
        attending[rows] = rng.choice(physicians[d], size=len(rows))
        staffed = rows[cls[rows] != AMB]
        picks = rng.choice(nurses[d], size=(len(staffed), TEAM_SIZE))
        team[staffed] = picks
    registration_day = start.copy()
    billing_day = np.minimum(start + length, config.days - 1) + 1 + np.arange(n) % 3
    if not behaviour.default:
        _vary_teams(team, department, cls, workforce, behaviour, rng)
        registration_day = registration_day - np.where(
            cls == AMB, rng.integers(0, behaviour.registration_lead_max + 1, n), 0
        )
        # most bills go out within days, a long tail weeks later (coding queries, denials)
        lag = 1 + np.minimum(
            rng.geometric(3.0 / (behaviour.billing_lag_max + 2), n) - 1,
            behaviour.billing_lag_max - 1,
        )
        billing_day = np.minimum(start + length, config.days - 1) + lag
    return Encounters(
        patient=patient,
        department=department.astype(np.int64),
        cls=cls,
        start=start,
        end=np.minimum(start + length, config.days - 1),
        attending=attending,
        team=team,
        registration_day=registration_day,
        billing_day=billing_day,
    )


def _vary_teams(
    team: np.ndarray,
    department: np.ndarray,
    cls: np.ndarray,
    workforce: Workforce,
    behaviour: Behaviour,
    rng: np.random.Generator,
) -> None:
    """Fill some care-team places with a nurse of another ward, or of the float pool."""
    staffed = np.flatnonzero(cls != AMB)
    ward_nurse = np.flatnonzero((workforce.role == NURSE) & ~workforce.float_pool)
    floats = np.flatnonzero(workforce.float_pool)
    draw = rng.random((len(staffed), team.shape[1]))
    other = draw < behaviour.cross_unit_team_share
    floating = (draw >= behaviour.cross_unit_team_share) & (
        draw < behaviour.cross_unit_team_share + 2 * behaviour.float_pool_share
    )
    for slot in range(team.shape[1]):
        rows = staffed[other[:, slot]]
        if len(rows) and len(ward_nurse):
            picks = ward_nurse[rng.integers(0, len(ward_nurse), len(rows))]
            elsewhere = workforce.department[picks] != department[rows]
            team[rows[elsewhere], slot] = picks[elsewhere]
        rows = staffed[floating[:, slot]]
        if len(rows) and len(floats):
            team[rows, slot] = floats[rng.integers(0, len(floats), len(rows))]
