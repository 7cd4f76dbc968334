"""The patients of the context in force, looked up by pseudonym for breach response.

Respond reads ``monitor_person`` and ``monitor_patient`` (the shared store)
for the newest context version holding patients, the same rule monitor uses.
Lookups go in chunks so that a million affected individuals never build one
giant ``IN`` list.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from phiwatch.security._fields import cipher_for
from phiwatch.store.models.monitor import ContextVersion, Patient, Person

_CHUNK = 5_000
_WHOLE_VERSION = 20_000  # more wanted than this: read the version once instead of IN lists
_HASHED = all(
    hasattr(Person, name)
    for name in ("birth_date_hash", "address_hash", "city_hash", "postal_code_hash")
)


@dataclass(frozen=True)
class PatientFacts:
    """What scope needs to know of one patient (the PHI stays in this object, in memory)."""

    pseudonym: str
    state: str | None
    birth_date: date | None
    deceased: bool
    postal_address: bool
    minor: bool = False  # known without the birth date (the keyed-hash path, see below)

    def is_minor(self, on: date) -> bool:
        if self.birth_date is None:
            return self.minor
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


def _minor_birth_hashes(session: Session, on: date) -> set[str]:
    """Keyed hashes of every ISO birth date that makes someone under 18 on ``on``.

    About 6,600 dates: hashing them once lets a million patients be counted
    without decrypting a single birth date.
    """
    digest = cipher_for(session.get_bind().dialect).keyed_hash
    first = date(on.year - 19, 1, 1)
    days = (on - first).days + 366  # a birth date after ``on`` counts as a minor too
    dates = (first + timedelta(days=n) for n in range(days + 1))
    return {
        digest(d.isoformat()) for d in dates if PatientFacts("", None, d, False, False).is_minor(on)
    }


def _hashed_facts(
    session: Session, version: int, wanted: list[str], on: date
) -> dict[str, PatientFacts]:
    """The facts from the clear state and the hash companions only: nothing is decrypted.

    An address part is present when its keyed hash is (blank parts have none).
    Large sets are read as one pass over the version, filtered in Python,
    instead of thousands of ``IN`` lists.
    """
    minors = _minor_birth_hashes(session, on)
    wanted_set = set(wanted)
    whole = len(wanted) > _WHOLE_VERSION
    chunks = [wanted] if whole else list(_chunks(wanted))
    facts: dict[str, PatientFacts] = {}
    for chunk in chunks:
        flag_query = select(Patient.pseudonym, Patient.deceased).where(
            Patient.version_id == version, Patient.deceased.is_(True)
        )
        person_query = select(
            Person.pseudonym,
            Person.state,
            Person.birth_date_hash,
            Person.address_hash,
            Person.city_hash,
            Person.postal_code_hash,
        ).where(Person.version_id == version, Person.kind == "patient")
        if not whole:
            flag_query = flag_query.where(Patient.pseudonym.in_(chunk))
            person_query = person_query.where(Person.pseudonym.in_(chunk))
        deceased = {p for p, _ in session.execute(flag_query).all() if p in wanted_set}
        for pseudonym, state, birth, line, city, postal in session.execute(person_query):
            if pseudonym not in wanted_set:
                continue
            clean_state = state.strip().upper() if state and state.strip() else None
            facts[pseudonym] = PatientFacts(
                pseudonym=pseudonym,
                state=clean_state,
                birth_date=None,
                deceased=pseudonym in deceased,
                postal_address=bool(line and city and postal and clean_state),
                minor=birth in minors,
            )
    return facts


def patient_facts(
    session: Session, pseudonyms: Iterable[str], *, on: date | None = None
) -> dict[str, PatientFacts]:
    """State, birth date, deceased and address usability of each known patient.

    With ``on`` (the day minors are counted on) and a context that has hash
    companions, no PHI is decrypted (``_hashed_facts``); ``birth_date`` is
    then None and ``is_minor(on)`` answers from the hashes.
    """
    version = patient_version(session)
    wanted = sorted(set(pseudonyms))
    facts: dict[str, PatientFacts] = {}
    if version is None:
        return facts
    if on is not None and _HASHED:
        return _hashed_facts(session, version, wanted, on)
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
