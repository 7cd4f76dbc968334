"""From a subscription and its items to outbox rows: one per channel, keyed for idempotency.

Composing twice never makes two messages: each row carries a key built from
the subscription, what the message is about (an ingest for an alert, a
period for a digest) and the channel, and the insert skips keys that exist.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from phiwatch.notify._links import LinkSigner
from phiwatch.notify._render import Renderer
from phiwatch.store.models.notify import OutboxMessage, Subscription

ORGANISATION = "your health care provider's privacy office"


@dataclass
class Item:
    """One line of a message: who did what, when, why; grouped repeats counted."""

    when: str
    who: str
    what: str
    why: str | None
    attention: bool
    times: int
    user: str | None
    event_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "when": self.when,
            "who": self.who,
            "what": self.what,
            "why": self.why,
            "attention": self.attention,
            "times": self.times,
            "user": self.user,
            "event_ids": self.event_ids,
        }


@dataclass(frozen=True)
class Contact:
    subscription_id: int
    email: str | None
    email_domain: str | None
    webhook: str | None
    webhook_host: str | None
    generation: int


def contacts(session: Session, ids: Sequence[int]) -> dict[int, Contact]:
    """Decrypted contact details of the given subscriptions (only those: decryption costs)."""
    found: dict[int, Contact] = {}
    chunk = 900
    for start in range(0, len(ids), chunk):
        rows = session.execute(
            select(
                Subscription.id,
                Subscription.email,
                Subscription.email_domain,
                Subscription.webhook_url,
                Subscription.webhook_host,
                Subscription.link_generation,
            ).where(Subscription.id.in_(ids[start : start + chunk]))
        ).all()
        for row in rows:
            found[row[0]] = Contact(row[0], row[1], row[2], row[3], row[4], row[5])
    return found


def outbox_rows(
    *,
    kind: str,
    base_key: str,
    contact: Contact,
    items: Sequence[Item],
    extra: dict[str, Any],
    renderer: Renderer,
    links: LinkSigner,
) -> list[dict[str, Any]]:
    """The outbox rows (e-mail and/or webhook) of one message to one subscriber."""
    channels = [
        c for c, present in (("email", contact.email), ("webhook", contact.webhook)) if present
    ]
    if not channels:
        return []
    page_key = f"{base_key}:{channels[0]}"
    report_url = links.message_url(contact.subscription_id, contact.generation, page_key)
    unsubscribe_url = links.unsubscribe_url(contact.subscription_id, contact.generation)
    item_dicts = [i.as_dict() for i in items]
    context = {
        "organisation": ORGANISATION,
        "items": item_dicts,
        "report_url": report_url,
        "unsubscribe_url": unsubscribe_url,
        **extra,
    }
    rendered = renderer.render(kind, context)
    stored_items = json.dumps(
        {"items": item_dicts, "unsubscribe_url": unsubscribe_url, "report_url": report_url}
    )
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for channel in channels:
        common = {
            "idempotency_key": f"{base_key}:{channel}",
            "kind": kind,
            "channel": channel,
            "subscription_id": contact.subscription_id,
            "subject": rendered.subject,
            "items": stored_items,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        if channel == "email":
            assert contact.email is not None and contact.email_domain is not None
            rows.append(
                common
                | {
                    "recipient": contact.email,
                    "domain": contact.email_domain,
                    "body_text": rendered.text,
                    "body_html": rendered.html,
                }
            )
        else:
            assert contact.webhook is not None
            payload = {
                "type": kind,
                "subject": rendered.subject,
                "text": rendered.text,
                "items": [{k: v for k, v in i.items() if k != "user"} for i in item_dicts],
                "report_url": report_url,
                "unsubscribe_url": unsubscribe_url,
                **{k: v for k, v in extra.items() if isinstance(v, str | int | bool)},
            }
            rows.append(
                common
                | {
                    "recipient": contact.webhook,
                    "domain": contact.webhook_host or "",
                    "body_text": json.dumps(payload, sort_keys=True),
                    "body_html": None,
                }
            )
    return rows


def insert_outbox(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert rows whose key is new; a key already in the outbox is skipped."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    builder = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for start in range(0, len(rows), 500):
        statement = builder(OutboxMessage).on_conflict_do_nothing(
            index_elements=["idempotency_key"]
        )
        session.execute(statement, rows[start : start + 500])
