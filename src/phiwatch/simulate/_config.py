"""What to simulate: the size of the hospital, the period, the seed, the outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from phiwatch.errors import InputError

FORMATS = ("ndjson", "csv", "bulk")


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
