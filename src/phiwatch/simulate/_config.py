"""What to simulate: the size of the hospital, the period, the seed, the outputs.

``HospitalConfig()`` is the hospital every test and benchmark has used:
the simulator's own role and department words, billing one to three days
after a visit, registration on the day, uniform surnames. ``randomise=True``
draws a hospital that phiwatch was not written against (another
vocabulary, longer billing lags, registration ahead of clinic visits, a
float pool, covering nurses from other wards, more or less unexplained
work, Zipf-like surnames and close-knit communities), all from the seed;
``behaviour=Behaviour(...)`` fixes any of those by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from phiwatch.errors import InputError
from phiwatch.simulate._vocabulary import RANDOM_CHOICES, VOCABULARIES

FORMATS = ("ndjson", "csv", "bulk")
_BEHAVIOUR_STREAM = 0xB3A7  # a generator of its own: the main stream's draws stay as they were


@dataclass(frozen=True)
class Behaviour:
    """How the hospital works, beyond its size; the defaults are today's simulator."""

    # billing touches a finished visit this many days after it ends: 1 to the maximum
    # (the default, 3, keeps the simulator's fixed rotation 1, 2, 3)
    billing_lag_max: int = 3
    # registration of a clinic visit happens up to this many days ahead of it
    registration_lead_max: int = 0
    # share of nurses in a float pool (a department of its own) who work on any ward
    float_pool_share: float = 0.0
    # share of care-team places filled by a nurse of another ward
    cross_unit_team_share: float = 0.0
    # consults the roster cannot explain, as a share of covering sessions
    unexplained_share: float = 0.02
    # surnames: 0 draws uniformly from the pool, more follows a Zipf-like law of that exponent
    surname_zipf: float = 0.0
    # share of households whose surname is one of a community's few common surnames
    community_share: float = 0.0
    community_surnames: int = 58
    # patients' home towns: 0 draws from the pool of 60 across the country; a number
    # keeps to that many nearby towns, a few of them large (a community hospital)
    towns: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.billing_lag_max <= 60:
            raise InputError("billing_lag_max must be between 1 and 60 days")
        if not 0 <= self.registration_lead_max <= 30:
            raise InputError("registration_lead_max must be between 0 and 30 days")
        for name in ("float_pool_share", "cross_unit_team_share", "unexplained_share"):
            if not 0.0 <= getattr(self, name) <= 0.5:
                raise InputError(f"{name} must be between 0 and 0.5")
        if not 0.0 <= self.community_share <= 1.0:
            raise InputError("community_share must be between 0 and 1")
        if not 0 <= self.towns <= 60:
            raise InputError("towns must be between 0 (the whole pool) and 60")
        if not 0.0 <= self.surname_zipf <= 3.0 or self.community_surnames < 1:
            raise InputError("surname_zipf must be between 0 and 3, community_surnames >= 1")

    @property
    def default(self) -> bool:
        return self == Behaviour()


def random_behaviour(seed: int) -> Behaviour:
    """A hospital's ways of working, drawn from ``seed`` (same seed, same behaviour)."""
    import numpy as np  # here: the CLI imports this module to parse options

    rng = np.random.default_rng([seed, _BEHAVIOUR_STREAM])
    community = rng.random() < 0.5
    return Behaviour(
        billing_lag_max=int(rng.integers(7, 31)),
        registration_lead_max=int(rng.integers(0, 15)),
        float_pool_share=round(float(rng.uniform(0.05, 0.15)), 3),
        cross_unit_team_share=round(float(rng.uniform(0.0, 0.15)), 3),
        unexplained_share=round(float(rng.uniform(0.005, 0.03)), 4),
        surname_zipf=round(float(rng.uniform(0.3, 0.8)), 3),
        community_share=round(float(rng.uniform(0.3, 0.7)), 3) if community else 0.0,
        community_surnames=int(rng.integers(40, 80)) if community else 58,
        towns=int(rng.integers(3, 13)),
    )


def random_vocabulary(seed: int) -> str:
    import numpy as np

    rng = np.random.default_rng([seed, _BEHAVIOUR_STREAM + 1])
    return RANDOM_CHOICES[int(rng.integers(0, len(RANDOM_CHOICES)))]


@dataclass(frozen=True)
class HospitalConfig:
    """A synthetic hospital; the same config and seed always give the same files."""

    users: int = 200
    patients: int = 5_000
    days: int = 7
    seed: int = 1
    start: date = date(2026, 1, 5)
    attacks: bool = False
    # New encounters per patient per day (ambulatory, emergency and inpatient together).
    encounter_rate: float = 0.008
    formats: tuple[str, ...] = field(default=FORMATS)
    # draw vocabulary and behaviour from the seed (unless given below)
    randomise: bool = False
    # a name in VOCABULARIES or "random"; None: "sim", or "random" when randomising
    vocabulary: str | None = None
    # None: today's behaviour, or one drawn from the seed when randomising
    behaviour: Behaviour | None = None
    # name users by NPI: PractitionerRole.practitioner and Encounter participants as
    # identifier and conditional references, AuditEvents by id or by NPI in turn
    npi: bool = False

    def __post_init__(self) -> None:
        if self.users < 20:
            raise InputError("--users must be at least 20 (every role needs someone)")
        if self.patients < 50:
            raise InputError("--patients must be at least 50")
        if not 1 <= self.days <= 366:
            raise InputError("--days must be between 1 and 366")
        unknown = set(self.formats) - set(FORMATS)
        if unknown:
            raise InputError(f"unknown output format(s) {sorted(unknown)}; known: {FORMATS}")
        if self.vocabulary not in (None, "random", *VOCABULARIES):
            known = ", ".join([*VOCABULARIES, "random"])
            raise InputError(f"unknown vocabulary {self.vocabulary!r}; known: {known}")

    @property
    def vocabulary_name(self) -> str:
        """The vocabulary in force: the one named, or drawn from the seed for "random"."""
        name = self.vocabulary or ("random" if self.randomise else "sim")
        return random_vocabulary(self.seed) if name == "random" else name

    @property
    def behaviour_in_force(self) -> Behaviour:
        if self.behaviour is not None:
            return self.behaviour
        return random_behaviour(self.seed) if self.randomise else Behaviour()
