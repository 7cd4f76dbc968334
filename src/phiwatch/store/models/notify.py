"""Tables of phiwatch.notify: subscriptions, the ingests seen, the outbox, patients' answers.

Contact details (e-mail addresses, webhook URLs) and message bodies are PHI,
so they are ``EncryptedText``; an address is found by its ``KeyedHash``.
Patients are named by their lake pseudonym, never by their clear identifier
(which stays encrypted in ``notify_subscription.patient_ref`` for display).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from phiwatch.security._fields import EncryptedText, KeyedHash
from phiwatch.store.models._base import Base, utcnow


class Subscription(Base):
    """One patient's wish to hear about their record: where, and how often."""

    __tablename__ = "notify_subscription"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_pseudonym: Mapped[str] = mapped_column(String(32), unique=True)
    patient_ref: Mapped[str] = mapped_column(EncryptedText())
    email: Mapped[str | None] = mapped_column(EncryptedText())
    email_hash: Mapped[str | None] = mapped_column(KeyedHash(), index=True)
    email_domain: Mapped[str | None] = mapped_column(String(255))
    webhook_url: Mapped[str | None] = mapped_column(EncryptedText())
    webhook_host: Mapped[str | None] = mapped_column(String(255))
    immediate: Mapped[bool] = mapped_column(Boolean)
    digest: Mapped[str] = mapped_column(String(8))  # none | daily | weekly
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    link_generation: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IngestSeen(Base):
    """A lake ingest whose events have been turned into immediate alerts."""

    __tablename__ = "notify_ingest"

    ingest_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    committed_at: Mapped[str] = mapped_column(String(32))
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    events: Mapped[int] = mapped_column(Integer)
    alerts: Mapped[int] = mapped_column(Integer)


class DigestRun(Base):
    """One digest period composed from a set of ingests (a late ingest gets a run of its own)."""

    __tablename__ = "notify_digest_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(32), index=True)  # daily:2026-05-03, weekly:2026-W18
    ingest_ids: Mapped[str] = mapped_column(Text)  # JSON list
    composed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    messages: Mapped[int] = mapped_column(Integer)


class OutboxMessage(Base):
    """A message to send: composed once (unique key), sent by whoever claims it."""

    __tablename__ = "notify_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(12))  # alert | digest | watch
    channel: Mapped[str] = mapped_column(String(8))  # email | webhook
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("notify_subscription.id", ondelete="SET NULL"), index=True
    )
    recipient: Mapped[str] = mapped_column(EncryptedText())
    domain: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(EncryptedText())
    body_html: Mapped[str | None] = mapped_column(EncryptedText())
    items: Mapped[str | None] = mapped_column(EncryptedText())  # JSON: what the patient page shows
    status: Mapped[str] = mapped_column(
        String(10), index=True
    )  # pending|sending|sent|failed|bounced
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claim_token: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PatientReport(Base):
    """A patient's answer on the alert page: recognised, or "that wasn't me" (a case to review)."""

    __tablename__ = "notify_patient_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("notify_outbox.id"), index=True)
    patient_pseudonym: Mapped[str] = mapped_column(String(32), index=True)
    verdict: Mapped[str] = mapped_column(String(12))  # recognised | not_me
    event_ids: Mapped[str] = mapped_column(Text)  # JSON list
    user_pseudonyms: Mapped[str] = mapped_column(Text)  # JSON list
    words: Mapped[str | None] = mapped_column(EncryptedText())
    status: Mapped[str] = mapped_column(String(12))  # open | closed (review queue)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # "That wasn't me" sent again from the same link while the report is open adds to it.
    posts: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    last_post_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WatchContact(Base):
    """Where a registry watch's hits are sent (``phiwatch notify watch-contact``)."""

    __tablename__ = "notify_watch_contact"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    watch_name: Mapped[str] = mapped_column(String(200), index=True)
    email: Mapped[str] = mapped_column(EncryptedText())
    email_hash: Mapped[str] = mapped_column(KeyedHash())
    email_domain: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
