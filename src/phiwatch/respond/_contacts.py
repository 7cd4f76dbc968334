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
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from phiwatch.respond._context import _minor_birth_hashes, patient_version
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
    language: str | None = None  # the preferred language (a primary subtag), None: not stated

    @property
    def mailable(self) -> bool:
        """A usable postal address: street, city, state and postal code all present."""
        return bool(self.address_line and self.city and self.state and self.postal_code)

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.given, self.family) if part)


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


def _variant(minor: bool, deceased: bool) -> str:
    if deceased:
        return "next_of_kin"
    return "guardian" if minor else "individual"


def _clean(value: str | None) -> str:
    return " ".join(value.split()) if value else ""


def _recipient(
    incident_id: int,
    minors: set[str],
    row: tuple[Any, ...],
    deceased: bool,
    language: str | None = None,
) -> Recipient:
    pseudonym, given, family, birth_hash, line, city, state, postal = row
    return Recipient(
        pseudonym=pseudonym,
        letter_id=letter_id(incident_id, pseudonym),
        variant=_variant(birth_hash in minors, deceased),
        given=_clean(given),
        family=_clean(family),
        address_line=_clean(line),
        city=_clean(city),
        state=_clean(state).upper(),
        postal_code=_clean(postal),
        language=language or None,
    )


_PERSON_COLUMNS = (
    Person.given,
    Person.family,
    Person.birth_date_hash,  # a minor is told by its keyed hash: one decryption fewer a row
    Person.address_line,
    Person.city,
    Person.state,
    Person.postal_code,
)


def recipients(
    session: Session, incident_id: int, pseudonyms: list[str], *, on: date, chunk: int = CHUNK
) -> Iterator[list[Recipient | str]]:
    """Each chunk of ``pseudonyms`` as recipients; a pseudonym that is not a patient of the
    context in force comes back bare (nobody to address). ``Recipient.mailable`` tells
    whether a letter can be posted; those that cannot are for the substitute notice.

    ``on`` is the day minors are counted on (the day of discovery, as in the scope).
    For a few chosen people (e-mail consent); a whole incident streams faster with
    :func:`incident_recipients`.
    """
    version = patient_version(session)
    minors = _minor_birth_hashes(session, on)
    for start in range(0, len(pseudonyms), chunk):
        part = pseudonyms[start : start + chunk]
        found: dict[str, Recipient] = {}
        if version is not None:
            flags: dict[str, tuple[bool, str | None]] = {
                pseudonym: (deceased, language)
                for pseudonym, deceased, language in session.execute(
                    select(Patient.pseudonym, Patient.deceased, Patient.language).where(
                        Patient.version_id == version, Patient.pseudonym.in_(part)
                    )
                )
            }
            rows = session.execute(
                select(Person.pseudonym, *_PERSON_COLUMNS).where(
                    Person.version_id == version,
                    Person.kind == "patient",
                    Person.pseudonym.in_(part),
                )
            )
            for row in rows:
                deceased, language = flags.get(row[0], (False, None))
                found[row[0]] = _recipient(
                    incident_id, minors, tuple(row), bool(deceased), language
                )
        yield [found.get(p, p) for p in part]


def split_points(session: Session, incident_id: int, parts: int) -> list[str | None]:
    """Pseudonyms that cut an incident's individuals into ``parts`` ranges of equal size.

    ``[None, p1, ..., None]``: range i is ``points[i] <= pseudonym < points[i + 1]``.
    """
    distinct = (
        select(AffectedIndividual.patient_pseudonym.label("pseudonym"))
        .where(AffectedIndividual.incident_id == incident_id)
        .distinct()
        .subquery()
    )
    total = session.scalar(select(func.count()).select_from(distinct)) or 0
    points: list[str | None] = [None]
    for i in range(1, parts):
        cut = session.scalar(
            select(distinct.c.pseudonym)
            .order_by(distinct.c.pseudonym)
            .offset(total * i // parts)
            .limit(1)
        )
        if cut is not None and cut != points[-1]:
            points.append(cut)
    points.append(None)
    return points


def incident_recipients(
    session: Session,
    incident_id: int,
    *,
    on: date,
    low: str | None = None,
    high: str | None = None,
    chunk: int = CHUNK,
) -> Iterator[list[Recipient | str]]:
    """Every individual of an incident (optionally ``low <= pseudonym < high``), in pseudonym
    order, a chunk at a time: one streamed query joining the affected pseudonyms to the
    context in force. Bare pseudonyms, as in :func:`recipients`, for those not in it.

    The query walks the (incident, pseudonym) index, so its rows come already in order
    and the first chunk arrives at once: with a ``DISTINCT`` subquery SQLite sorted the
    whole joined incident first (seven seconds for a million before one letter of a print
    test). An individual whom two sources name comes twice, side by side, and is kept once.
    """
    version = patient_version(session) or -1
    minors = _minor_birth_hashes(session, on)
    query = recipients_query(incident_id, version, low=low, high=high).execution_options(
        yield_per=chunk
    )
    previous: str | None = None
    for partition in session.execute(query).partitions():
        batch: list[Recipient | str] = []
        for row in partition:
            found, person, deceased, language, *rest = row
            if found == previous:
                continue  # named by another source too
            previous = found
            if person is None:
                batch.append(found)
            else:
                batch.append(
                    _recipient(incident_id, minors, (found, *rest), bool(deceased), language)
                )
        if batch:
            yield batch


def recipients_query(
    incident_id: int, version: int, *, low: str | None = None, high: str | None = None
) -> Select[*tuple[Any, ...]]:
    """The query behind :func:`incident_recipients` (a test reads SQLite's plan for it)."""
    pseudonym = AffectedIndividual.patient_pseudonym
    # ``version_id + 0``: an expression, so that SQLite (no statistics) looks rows up by
    # pseudonym instead of walking every row of the version for each individual.
    query = (
        select(pseudonym, Person.id, Patient.deceased, Patient.language, *_PERSON_COLUMNS)
        .outerjoin(
            Person,
            and_(
                Person.pseudonym == pseudonym,
                Person.version_id + 0 == version,
                Person.kind == "patient",
            ),
        )
        .outerjoin(
            Patient,
            and_(Patient.pseudonym == pseudonym, Patient.version_id + 0 == version),
        )
        .where(AffectedIndividual.incident_id == incident_id)
        .order_by(pseudonym)
    )
    if low is not None:
        query = query.where(pseudonym >= low)
    if high is not None:
        query = query.where(pseudonym < high)
    return query


def preferred_languages(session: Session, incident_id: int) -> dict[str | None, int]:
    """How many of an incident's individuals prefer each language in the context in force
    (``None``: no preference stated, or not in the context). Counts only: notices are
    checked against them before any is written, so a missing translation stops a run
    at its start rather than half-way through a mailing.
    """
    rows = session.execute(language_counts_query(incident_id, patient_version(session) or -1))
    counts: dict[str | None, int] = {}
    for language, count in rows:
        counts[language] = counts.get(language, 0) + int(count)
    return counts


def language_counts_query(incident_id: int, version: int) -> Select[str | None, int]:
    """The query behind :func:`preferred_languages` (a test reads SQLite's plan for it)."""
    affected = (
        select(AffectedIndividual.patient_pseudonym.label("pseudonym"))
        .where(AffectedIndividual.incident_id == incident_id)
        .distinct()
        .subquery()
    )
    return (
        select(Patient.language, func.count())
        .select_from(affected)
        .outerjoin(
            Patient,
            # ``+ 0`` as in incident_recipients: SQLite then finds each patient by
            # pseudonym; on the bare column it walked the whole version for every
            # individual (a million recipients: hours instead of seconds).
            and_(Patient.pseudonym == affected.c.pseudonym, Patient.version_id + 0 == version),
        )
        .group_by(Patient.language)
    )
