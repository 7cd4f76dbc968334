"""Tables of phiwatch.monitor: the context (who is who, who cares for whom), versioned.

Every ``context load`` creates a ``monitor_context_version``; rows carry the
version they came with, so a detection run can name the roster in force.

PHI lives in one table only: ``monitor_person`` holds the identifier, names,
birth date and address of patients and workforce members, each
``EncryptedText`` (AES-GCM, see ``phiwatch.security``), with a ``KeyedHash``
companion for every value that something compares: the detectors (same
surname, same or nearby address, an employee's own chart) and respond's
leaked-file matching compare digests, never the values. The other tables
hold pseudonyms (the lake's keyed hashes), codes, flags and dates, and join
to the lake on pseudonyms.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from phiwatch.security._fields import EncryptedText, KeyedHash
from phiwatch.store.models._base import Base, utcnow


class ContextVersion(Base):
    """One load of context files: what it held, and when it came into force."""

    __tablename__ = "monitor_context_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    source: Mapped[str] = mapped_column(Text)
    patients: Mapped[int] = mapped_column(Integer)
    workforce: Mapped[int] = mapped_column(Integer)
    relationships: Mapped[int] = mapped_column(Integer)


class Person(Base):
    """The PHI of a patient or a workforce member: the only table that holds any, encrypted.

    The ``*_hash`` columns are keyed hashes (HMAC-SHA256 under the store's
    hash key) of normalised values, written by ``load_context``:
    ``identifier``, ``family``, ``given`` as they are (the store-wide
    normalisation: case, accents, spacing), ``birth_date`` as an ISO date,
    and the address parts with punctuation dropped too (``address_hash`` the
    whole line, ``street_hash`` the line without its house number). ``state``
    stays clear: a state is not one of HIPAA's identifiers.
    """

    __tablename__ = "monitor_person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("monitor_context_version.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(12))  # patient | workforce
    pseudonym: Mapped[str] = mapped_column(String(32), index=True)
    identifier: Mapped[str] = mapped_column(EncryptedText())
    family: Mapped[str | None] = mapped_column(EncryptedText())
    given: Mapped[str | None] = mapped_column(EncryptedText())
    birth_date: Mapped[str | None] = mapped_column(EncryptedText())
    address_line: Mapped[str | None] = mapped_column(EncryptedText())
    city: Mapped[str | None] = mapped_column(EncryptedText())
    state: Mapped[str | None] = mapped_column(Text)
    postal_code: Mapped[str | None] = mapped_column(EncryptedText())
    identifier_hash: Mapped[str | None] = mapped_column(KeyedHash())
    family_hash: Mapped[str | None] = mapped_column(KeyedHash())
    given_hash: Mapped[str | None] = mapped_column(KeyedHash())
    birth_date_hash: Mapped[str | None] = mapped_column(KeyedHash())
    address_hash: Mapped[str | None] = mapped_column(KeyedHash())
    street_hash: Mapped[str | None] = mapped_column(KeyedHash())
    city_hash: Mapped[str | None] = mapped_column(KeyedHash())
    postal_code_hash: Mapped[str | None] = mapped_column(KeyedHash())


class Patient(Base):
    """A patient's flags, by pseudonym (the PHI is in ``monitor_person``).

    ``language`` is the preferred language for written communication as a
    primary language subtag (``es``, ``en``; monitor_0004), or ``None`` when
    the source states none: it picks the language of a breach notice. It is
    not one of HIPAA's identifiers, so it stays clear like the flags.
    """

    __tablename__ = "monitor_patient"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("monitor_context_version.id", ondelete="CASCADE"), index=True
    )
    pseudonym: Mapped[str] = mapped_column(String(32), index=True)
    vip: Mapped[bool] = mapped_column(Boolean)
    deceased: Mapped[bool] = mapped_column(Boolean)
    language: Mapped[str | None] = mapped_column(String(8))


class WorkforceMember(Base):
    """A user account's role, department and employment period, by pseudonym."""

    __tablename__ = "monitor_workforce"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("monitor_context_version.id", ondelete="CASCADE"), index=True
    )
    pseudonym: Mapped[str] = mapped_column(String(32), index=True)
    role: Mapped[str | None] = mapped_column(String(64))
    department: Mapped[str | None] = mapped_column(String(200))
    hire_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean)
    patient_pseudonym: Mapped[str | None] = mapped_column(String(32))


class CareRelationship(Base):
    """Someone had a reason to see a patient's record: an encounter, appointment or care team."""

    __tablename__ = "monitor_care"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("monitor_context_version.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # encounter | appointment | careteam
    source_id: Mapped[str] = mapped_column(String(200))
    patient_pseudonym: Mapped[str] = mapped_column(String(32), index=True)
    user_pseudonym: Mapped[str | None] = mapped_column(String(32), index=True)
    department: Mapped[str | None] = mapped_column(String(200))
    start: Mapped[date | None] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)


# -- detection (part 2): runs, watermarks, baselines, alerts, cases -----------------------


class DetectionRun(Base):
    """One run of the detectors: which days it looked at and what it found."""

    __tablename__ = "monitor_detection_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    mode: Mapped[str] = mapped_column(String(16))  # incremental | full | since
    first_day: Mapped[date | None] = mapped_column(Date)
    last_day: Mapped[date | None] = mapped_column(Date)
    events: Mapped[int] = mapped_column(Integer, default=0)
    alerts: Mapped[int] = mapped_column(Integer, default=0)
    context_version: Mapped[int | None] = mapped_column(Integer)


class DetectorWatermark(Base):
    """The last lake manifest (commit time and ingest id) a detector has looked at."""

    __tablename__ = "monitor_watermark"

    detector_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    manifest: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BaselineDay(Base):
    """One user's activity on one day: the history a new day is compared against."""

    __tablename__ = "monitor_baseline_day"

    user_pseudonym: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    events: Mapped[int] = mapped_column(Integer)
    patients: Mapped[int] = mapped_column(Integer)
    unexplained: Mapped[int] = mapped_column(Integer)


class BaselineSeen(Base):
    """A value an account has used (network address, workstation, hour of day), since when.

    Only the first day is kept: it is what "never used before" needs, and it
    means a run inserts the few new values instead of rewriting every row.
    """

    __tablename__ = "monitor_baseline_seen"

    user_pseudonym: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)
    first_day: Mapped[date] = mapped_column(Date)


class Case(Base):
    """The alerts on one user, reviewed together by the privacy officer."""

    __tablename__ = "monitor_case"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_pseudonym: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16))  # new | reviewing | false_positive | confirmed
    score: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseNote(Base):
    """A note on a case, and the status it set if it changed one."""

    __tablename__ = "monitor_case_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("monitor_case.id", ondelete="CASCADE"), index=True
    )
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Who wrote it (a signed-in user, or cli:<login>); unknown on notes written before 0002.
    author: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)


class Alert(Base):
    """A detector fired: who, when, the evidence, and a sentence a privacy officer can read.

    Users and patients are pseudonyms here; names are resolved from
    ``monitor_person`` only when shown. ``key`` makes re-detecting the same
    thing (a re-run over a day) update the alert instead of adding one.
    """

    __tablename__ = "monitor_alert"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    detector_id: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(16))
    score: Mapped[int] = mapped_column(Integer)
    user_pseudonym: Mapped[str] = mapped_column(String(32), index=True)
    start: Mapped[datetime] = mapped_column(DateTime)
    end: Mapped[datetime] = mapped_column(DateTime)
    sentence: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)  # JSON: event ids, patients, facts
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitor_case.id", ondelete="SET NULL"), index=True
    )
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitor_detection_run.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
