"""The patients of the context in force, looked up by pseudonym for breach response.

Respond reads ``monitor_person`` and ``monitor_patient`` (the shared store)
for the newest context version holding patients, the same rule monitor uses.
Lookups go in chunks so that a million affected individuals never build one
giant ``IN`` list.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from phiwatch.store.models.monitor import ContextVersion, Patient, Person

_CHUNK = 5_000


@dataclass(frozen=True)
class PatientFacts:
    """What scope needs to know of one patient (the PHI stays in this object, in memory)."""

    pseudonym: str
    state: str | None
    birth_date: date | None
    deceased: bool
    postal_address: bool

    def is_minor(self, on: date) -> bool:
        if self.birth_date is None:
            return False
        born = self.birth_date
        age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
        return age < 18


def patient_version(session: Session) -> int | None:
    """The newest context version that holds patients, or None when none was loaded."""
    return session.scalar(
        select(ContextVersion.id)
        .where(ContextVersion.patients > 0)
        .order_by(ContextVersion.id.desc())
        .limit(1)
    )


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _birth(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _filled(*parts: str | None) -> bool:
    return all(part is not None and part.strip() for part in parts)


def known_patients(session: Session, pseudonyms: Iterable[str]) -> set[str]:
    """Which of ``pseudonyms`` are patients of the context in force."""
    version = patient_version(session)
    wanted = sorted(set(pseudonyms))
    if version is None or not wanted:
        return set()
    found: set[str] = set()
    for chunk in _chunks(wanted):
        found.update(
            session.scalars(
                select(Person.pseudonym).where(
                    Person.version_id == version,
                    Person.kind == "patient",
                    Person.pseudonym.in_(chunk),
                )
            )
        )
    return found


def patient_facts(session: Session, pseudonyms: Iterable[str]) -> dict[str, PatientFacts]:
    """State, birth date, deceased and address usability of each known patient."""
    version = patient_version(session)
    wanted = sorted(set(pseudonyms))
    facts: dict[str, PatientFacts] = {}
    if version is None:
        return facts
    for chunk in _chunks(wanted):
        flags = session.execute(
            select(Patient.pseudonym, Patient.deceased).where(
                Patient.version_id == version, Patient.pseudonym.in_(chunk)
            )
        )
        deceased: dict[str, bool] = dict(flags.all())
        rows = session.execute(
            select(
                Person.pseudonym,
                Person.state,
                Person.birth_date,
                Person.address_line,
                Person.city,
                Person.postal_code,
            ).where(
                Person.version_id == version,
                Person.kind == "patient",
                Person.pseudonym.in_(chunk),
            )
        )
        for pseudonym, state, birth, line, city, postal in rows:
            facts[pseudonym] = PatientFacts(
                pseudonym=pseudonym,
                state=state.strip().upper() if state and state.strip() else None,
                birth_date=_birth(birth),
                deceased=bool(deceased.get(pseudonym, False)),
                postal_address=_filled(line, city, state, postal),
            )
    return facts
