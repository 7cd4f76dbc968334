"""The outbox's state machine: claim a batch, then mark each message sent or failed.

``pending`` -> (claim) -> ``sending`` -> ``sent`` | ``pending`` again (retry,
with exponential backoff) | ``failed`` (attempts exhausted, or refused for
good) | ``bounced`` (the server refused the recipient for good).

A claim writes a random claim token onto the rows it takes (an UPDATE that
only matches rows still claimable), then reads back the rows carrying its
token, so two senders never take the same row, on SQLite or PostgreSQL. A
sender that dies leaves its rows ``sending``; once their lease has passed
they are claimable again. Only a row the dead sender had already handed to
the server can then be sent twice: the one message in flight.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from phiwatch.notify._messages import insert_outbox
from phiwatch.store import Store
from phiwatch.store.models.notify import OutboxMessage

BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 6 * 3600
RATE_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class Claimed:
    """A message a sender holds, decrypted, ready to send."""

    id: int
    key: str
    kind: str
    channel: str
    recipient: str
    domain: str
    subject: str
    body_text: str
    body_html: str | None
    items: str | None
    attempts: int
    claim_token: str


@dataclass(frozen=True)
class ClaimResult:
    messages: list[Claimed]
    deferred: int  # due, but held back by a domain's rate limit


def backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: 30 s, 1 min, 2 min, ... capped at 6 hours."""
    seconds = BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, BACKOFF_CAP_SECONDS))


def _claimable(now: datetime, lease: timedelta) -> object:
    return or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at <= now - lease),
    )


def claim(
    store: Store,
    *,
    limit: int,
    lease: timedelta,
    rate_per_domain: int,
    channels: tuple[str, ...] = ("email", "webhook"),
    now: datetime | None = None,
) -> ClaimResult:
    """Take up to ``limit`` due messages, at most ``rate_per_domain`` a minute per domain."""
    now = now or datetime.now(UTC)
    token = secrets.token_hex(16)
    with store.transaction() as session:
        candidates = session.execute(
            select(OutboxMessage.id, OutboxMessage.domain)
            .where(_claimable(now, lease), OutboxMessage.channel.in_(channels))  # type: ignore[arg-type]
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit * 4)
        ).all()
        if not candidates:
            return ClaimResult([], 0)
        domains = {domain for _, domain in candidates}
        recent = Counter(
            dict(
                session.execute(
                    select(OutboxMessage.domain, func.count())
                    .where(
                        OutboxMessage.domain.in_(domains),
                        or_(
                            OutboxMessage.sent_at > now - RATE_WINDOW,
                            OutboxMessage.status == "sending",
                        ),
                    )
                    .group_by(OutboxMessage.domain)
                ).all()
            )
        )
        chosen: list[int] = []
        deferred = 0
        for message_id, domain in candidates:
            if len(chosen) >= limit:
                break
            if recent[domain] >= rate_per_domain:
                deferred += 1
                continue
            recent[domain] += 1
            chosen.append(message_id)
        if chosen:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(chosen), _claimable(now, lease))  # type: ignore[arg-type]
                .values(status="sending", claimed_at=now, claim_token=token)
                .execution_options(synchronize_session=False)
            )
    with store.reader() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.claim_token == token, OutboxMessage.status == "sending")
            .order_by(OutboxMessage.id)
        ).all()
        messages = [
            Claimed(
                id=row.id,
                key=row.idempotency_key,
                kind=row.kind,
                channel=row.channel,
                recipient=row.recipient,
                domain=row.domain,
                subject=row.subject,
                body_text=row.body_text,
                body_html=row.body_html,
                items=row.items,
                attempts=row.attempts,
                claim_token=token,
            )
            for row in rows
        ]
    return ClaimResult(messages, deferred)


def mark_sent(store: Store, message: Claimed) -> None:
    with store.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id, OutboxMessage.claim_token == message.claim_token)
            .values(
                status="sent",
                sent_at=datetime.now(UTC),
                attempts=OutboxMessage.attempts + 1,
                last_error=None,
            )
        )


def mark_failed(
    store: Store, message: Claimed, error: str, *, permanent: str | None, max_attempts: int
) -> str:
    """Record a failed attempt; returns the new status (pending, failed or bounced).

    ``permanent`` is the final status for a refusal that no retry can fix;
    ``error`` must hold no PHI (a status code and the server's reply class).
    """
    attempts = message.attempts + 1
    if permanent is not None:
        status = permanent
    elif attempts >= max_attempts:
        status = "failed"
    else:
        status = "pending"
    with store.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id, OutboxMessage.claim_token == message.claim_token)
            .values(
                status=status,
                attempts=attempts,
                last_error=error[:500],
                next_attempt_at=datetime.now(UTC) + backoff(attempts),
                claimed_at=None,
            )
        )
    return status


def release(store: Store, message: Claimed, delay: timedelta) -> None:
    """Give a claimed message back untried (its server is down): no attempt is counted."""
    with store.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id, OutboxMessage.claim_token == message.claim_token)
            .values(status="pending", claimed_at=None, next_attempt_at=datetime.now(UTC) + delay)
        )


def outbox_counts(store: Store) -> dict[str, int]:
    """Messages by status (for ``phiwatch notify status``)."""
    with store.reader() as session:
        rows = session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    counts = dict.fromkeys(("pending", "sending", "sent", "failed", "bounced"), 0)
    counts.update({status: int(n) for status, n in rows})
    return counts


@dataclass(frozen=True)
class Outgoing:
    """A message another capability hands to the outbox (breach notices, deadline reminders).

    ``key`` makes queuing idempotent: a key already in the outbox is skipped, so
    a command run twice sends each message once.
    """

    key: str
    kind: str
    recipient: str
    subject: str
    text: str
    html: str | None = None
    subscription_id: int | None = None


def enqueue(session: Session, messages: Iterable[Outgoing]) -> None:
    """Queue e-mail ``messages`` in the caller's transaction (delivered by ``notify send``)."""
    now = datetime.now(UTC)
    insert_outbox(
        session,
        [
            {
                "idempotency_key": m.key,
                "kind": m.kind,
                "channel": "email",
                "subscription_id": m.subscription_id,
                "recipient": m.recipient,
                "domain": m.recipient.rsplit("@", 1)[-1].lower(),
                "subject": m.subject,
                "body_text": m.text,
                "body_html": m.html,
                "items": None,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for m in messages
        ],
    )
