"""Registry watch hits through the same outbox: "a breach was reported by someone you depend on".

Watchers' addresses are notify's (``notify_watch_contact``, encrypted, one
row per address and watch). Composing takes the registry's pending hits,
puts one message per hit and contact into the outbox (key
``watch:<hit>:<contact>``), commits, and only then tells the registry the
hits were delivered; a crash in between composes the same keys again, which
the outbox ignores.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from phiwatch.config import Settings
from phiwatch.errors import NotFoundError
from phiwatch.notify._messages import insert_outbox
from phiwatch.notify._render import Renderer
from phiwatch.notify._subscriptions import SubscriptionRequest, check_request, email_domain
from phiwatch.registry import mark_watch_hits_delivered, pending_watch_hits
from phiwatch.security import enable_field_encryption
from phiwatch.store import Store
from phiwatch.store.models.notify import WatchContact


def add_watch_contact(store: Store, settings: Settings, watch: str, email: str) -> int:
    """Send the hits of watch ``watch`` (its name) to ``email``; returns the contact id."""
    check_request(SubscriptionRequest(patient_id="-", email=email))
    enable_field_encryption(store, settings)
    with store.transaction() as session:
        existing = session.scalar(
            select(WatchContact.id).where(
                WatchContact.watch_name == watch, WatchContact.email_hash == email
            )
        )
        if existing is not None:
            return int(existing)
        contact = WatchContact(
            watch_name=watch, email=email, email_hash=email, email_domain=email_domain(email)
        )
        session.add(contact)
        session.flush()
        return contact.id


def remove_watch_contact(store: Store, settings: Settings, watch: str, email: str) -> None:
    enable_field_encryption(store, settings)
    with store.transaction() as session:
        result = session.execute(
            delete(WatchContact).where(
                WatchContact.watch_name == watch, WatchContact.email_hash == email
            )
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise NotFoundError("no such address for this watch")


def list_watch_contacts(store: Store, settings: Settings) -> list[dict[str, Any]]:
    enable_field_encryption(store, settings)
    with store.reader() as session:
        return [
            {"id": c.id, "watch": c.watch_name, "email": c.email, "created_at": c.created_at}
            for c in session.scalars(select(WatchContact).order_by(WatchContact.id))
        ]


def compose_watch_hits(store: Store, settings: Settings) -> int:
    """Queue every pending watch hit for its watch's contacts; returns messages queued."""
    enable_field_encryption(store, settings)
    hits = pending_watch_hits(store)
    if not hits:
        return 0
    renderer = Renderer(settings)
    with store.reader() as session:
        contacts = session.execute(
            select(
                WatchContact.id,
                WatchContact.watch_name,
                WatchContact.email,
                WatchContact.email_domain,
            )
        ).all()
    by_watch: dict[str, list[tuple[int, str, str]]] = {}
    for contact_id, watch, email, domain in contacts:
        by_watch.setdefault(watch, []).append((contact_id, email, domain))
    rows: list[dict[str, Any]] = []
    for hit in hits:
        rendered = renderer.render(
            "watch", {"watch": hit["watch"], "kind": hit["kind"], "breach": hit["breach"]}
        )
        for contact_id, email, domain in by_watch.get(hit["watch"], []):
            rows.append(
                {
                    "idempotency_key": f"watch:{hit['hit']}:{contact_id}:email",
                    "kind": "watch",
                    "channel": "email",
                    "subscription_id": None,
                    "recipient": email,
                    "domain": domain,
                    "subject": rendered.subject,
                    "body_text": rendered.text,
                    "body_html": rendered.html,
                    "items": None,
                    "status": "pending",
                    "attempts": 0,
                }
            )
    with store.transaction() as session:
        insert_outbox(session, rows)
    mark_watch_hits_delivered(store, [hit["hit"] for hit in hits])
    return len(rows)
