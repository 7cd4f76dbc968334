"""Tables of phiwatch.respond: incidents, where their affected individuals came from, notices done.

No table here holds PHI in clear: affected individuals are the lake's patient
pseudonyms (keyed hashes), and a source's ``detail`` names a case number, a
file name and line count, a user's pseudonym or a network address, never a
patient's identifier. Names and addresses are looked up in ``monitor_person``
only when a scope is computed or a letter is written.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from phiwatch.store.models._base import Base, utcnow


class Incident(Base):
    """A confirmed security incident that may be a reportable breach (45 CFR 164.402)."""

    __tablename__ = "respond_incident"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | closed
    discovered: Mapped[date] = mapped_column(Date)
    occurred_from: Mapped[date | None] = mapped_column(Date)
    occurred_to: Mapped[date | None] = mapped_column(Date)
    business_associate: Mapped[bool] = mapped_column(Boolean, default=False)
    delay_from: Mapped[date | None] = mapped_column(Date)
    delay_until: Mapped[date | None] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # -- notices (respond_0003): the facts letters and the HHS report state; no PHI ----------
    organisation: Mapped[str | None] = mapped_column(Text)
    org_state: Mapped[str | None] = mapped_column(String(2))
    entity_type: Mapped[str | None] = mapped_column(String(40))
    what_happened: Mapped[str | None] = mapped_column(Text)
    org_actions: Mapped[str | None] = mapped_column(Text)
    individual_steps: Mapped[str | None] = mapped_column(Text)
    safeguards: Mapped[str | None] = mapped_column(Text)
    breach_types: Mapped[str | None] = mapped_column(Text)  # portal labels, comma-separated
    locations: Mapped[str | None] = mapped_column(Text)  # portal labels, comma-separated
    ba_involved: Mapped[bool | None] = mapped_column(Boolean)
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(255))
    contact_web: Mapped[str | None] = mapped_column(String(255))
    contact_postal: Mapped[str | None] = mapped_column(Text)
    # Spanish versions of the free-text facts, for recipients who prefer Spanish (respond_0004)
    what_happened_es: Mapped[str | None] = mapped_column(Text)
    org_actions_es: Mapped[str | None] = mapped_column(Text)
    individual_steps_es: Mapped[str | None] = mapped_column(Text)
    # -- end of notices columns ---------------------------------------------------------------


class IncidentSource(Base):
    """One way affected individuals were found: a case, a lake query, a CSV list, a scan."""

    __tablename__ = "respond_source"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("respond_incident.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # case | lake | csv | scan
    detail: Mapped[str] = mapped_column(Text)  # JSON, no PHI
    elements: Mapped[str] = mapped_column(Text)  # JSON list of PHI element names
    individuals: Mapped[int] = mapped_column(Integer)
    exported: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AffectedIndividual(Base):
    """A patient (by pseudonym) that one source puts in an incident's scope."""

    __tablename__ = "respond_affected"
    # (incident, pseudonym): notices walk an incident's individuals in pseudonym order
    # (see respond._contacts.incident_recipients); it serves look-ups by incident too.
    __table_args__ = (
        UniqueConstraint("source_id", "patient_pseudonym"),
        Index("ix_respond_affected_incident_pseudonym", "incident_id", "patient_pseudonym"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("respond_incident.id", ondelete="CASCADE"))
    source_id: Mapped[int] = mapped_column(
        ForeignKey("respond_source.id", ondelete="CASCADE"), index=True
    )
    patient_pseudonym: Mapped[str] = mapped_column(String(32), index=True)


class ScopeSnapshot(Base):
    """The scope as computed at one moment (counts only), so a recomputation can show changes."""

    __tablename__ = "respond_scope"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("respond_incident.id", ondelete="CASCADE"), index=True
    )
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    summary: Mapped[str] = mapped_column(Text)  # JSON: counts, by state, elements


class NoticeDone(Base):
    """A notice owed by an incident was given (individuals, media, HHS, ...), and when."""

    __tablename__ = "respond_notice_done"
    __table_args__ = (UniqueConstraint("incident_id", "notice"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("respond_incident.id", ondelete="CASCADE"), index=True
    )
    notice: Mapped[str] = mapped_column(String(24))
    done_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Assessment(Base):
    """One version of an incident's risk assessment (164.402); a revision is a new row."""

    __tablename__ = "respond_assessment"
    __table_args__ = (UniqueConstraint("incident_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("respond_incident.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answers: Mapped[str] = mapped_column(Text)  # JSON, no PHI
    result: Mapped[str] = mapped_column(String(12))  # notify | no_notice
    reasons: Mapped[str] = mapped_column(Text)  # JSON list of sentences
