"""Names and postal addresses of an incident's affected individuals, for their notices.

The only place respond reads names and addresses. They come from
``monitor_person`` of the context in force, through the ORM (its PHI columns
may be encrypted at rest; the ORM decrypts them, raw SQL would not), by
pseudonym and in chunks, so a million recipients never build one giant
``IN`` list or one giant result. Recipients leave in pseudonym order, one
chunk at a time, so a caller can stream them to a file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from phiwatch.respond._context import patient_version
from phiwatch.store.models.monitor import Patient, Person
from phiwatch.store.models.respond import AffectedIndividual

CHUNK = 5_000
VARIANTS = ("individual", "guardian", "next_of_kin")


@dataclass(frozen=True, slots=True)
class Recipient:
    """One affected individual as a letter addresses them (PHI: keep in memory only)."""

    pseudonym: str
    letter_id: str
    variant: str  # individual | guardian (a minor) | next_of_kin (deceased)
    given: str
    family: str
    address_line: str
    city: str
    state: str
    postal_code: str

    @property
    def mailable(self) -> bool:
        """A usable postal address: street, city, state and postal code all present."""
        return bool(self.address_line and self.city and self.state and self.postal_code)

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.given, self.family) if part)

    @property
    def addressee(self) -> str:
        """The line above the name: who opens the letter when it is not the patient."""
        if self.variant == "guardian":
            return "To the parent or guardian of"
        if self.variant == "next_of_kin":
            return "To the family or personal representative of"
        return ""


def letter_id(incident_id: int, pseudonym: str) -> str:
    """A stable letter id: the same person gets the same id in every run, and it names no one."""
    digest = hashlib.blake2b(pseudonym.encode("ascii"), digest_size=8, person=b"phiwatch-letter")
    return f"{incident_id}-{digest.hexdigest()}"


def affected_pseudonyms(session: Session, incident_id: int) -> list[str]:
    """The distinct pseudonyms of an incident, sorted (the order letters are written in)."""
    return sorted(
        session.scalars(
            select(AffectedIndividual.patient_pseudonym)
            .where(AffectedIndividual.incident_id == incident_id)
            .distinct()
        )
    )


def _variant(birth: str | None, deceased: bool, on: date) -> str:
    if deceased:
        return "next_of_kin"
    if birth:
        try:
            born = date.fromisoformat(birth[:10])
        except ValueError:
            return "individual"
        age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
        if age < 18:
            return "guardian"
    return "individual"


def _clean(value: str | None) -> str:
    return " ".join(value.split()) if value else ""


def recipients(
    session: Session, incident_id: int, pseudonyms: list[str], *, on: date, chunk: int = CHUNK
) -> Iterator[list[Recipient | str]]:
    """Each chunk of ``pseudonyms`` as recipients; a pseudonym that is not a patient of the
    context in force comes back bare (nobody to address). ``Recipient.mailable`` tells
    whether a letter can be posted; those that cannot are for the substitute notice.

    ``on`` is the day minors are counted on (the day of discovery, as in the scope).
    """
    version = patient_version(session)
    for start in range(0, len(pseudonyms), chunk):
        part = pseudonyms[start : start + chunk]
        found: dict[str, Recipient] = {}
        if version is not None:
            deceased: dict[str, bool] = dict(
                session.execute(
                    select(Patient.pseudonym, Patient.deceased).where(
                        Patient.version_id == version, Patient.pseudonym.in_(part)
                    )
                ).all()
            )
            rows = session.execute(
                select(
                    Person.pseudonym,
                    Person.given,
                    Person.family,
                    Person.birth_date,
                    Person.address_line,
                    Person.city,
                    Person.state,
                    Person.postal_code,
                ).where(
                    Person.version_id == version,
                    Person.kind == "patient",
                    Person.pseudonym.in_(part),
                )
            )
            for pseudonym, given, family, birth, line, city, state, postal in rows:
                fields = (_clean(line), _clean(city), _clean(state).upper(), _clean(postal))
                found[pseudonym] = Recipient(
                    pseudonym=pseudonym,
                    letter_id=letter_id(incident_id, pseudonym),
                    variant=_variant(birth, bool(deceased.get(pseudonym)), on),
                    given=_clean(given),
                    family=_clean(family),
                    address_line=fields[0],
                    city=fields[1],
                    state=fields[2],
                    postal_code=fields[3],
                )
        yield [found.get(p, p) for p in part]
