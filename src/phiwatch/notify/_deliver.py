"""Delivery: claim what is due, send it (SMTP or webhook), record the outcome.

``deliver`` runs until nothing is due (or ``limit`` messages were handled);
``phiwatch notify run --every 5m`` calls compose and deliver in a loop.
Each message is marked sent in its own transaction right after the server
accepted it, so a crash loses nothing and repeats at most that one message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

from phiwatch.config import Settings
from phiwatch.notify._outbox import Claimed, backoff, claim, mark_failed, mark_sent, release
from phiwatch.notify._smtp import SendRefused, SmtpConnection, build_email, parse_smtp_url
from phiwatch.notify._webhook import WebhookSender
from phiwatch.security import enable_field_encryption
from phiwatch.store import Store


@dataclass
class DeliveryResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    bounced: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)


def message_id_of(message: Claimed) -> str:
    """A stable Message-ID: the same message resent after a crash carries the same id."""
    return f"<notify.{message.id}.{message.key.replace(':', '.')}@phiwatch>"


def _unsubscribe_url(message: Claimed) -> str | None:
    if not message.items:
        return None
    url = json.loads(message.items).get("unsubscribe_url")
    return str(url) if url else None


def deliver(
    settings: Settings,
    store: Store,
    *,
    batch: int = 50,
    lease: timedelta = timedelta(minutes=2),
    limit: int | None = None,
) -> DeliveryResult:
    """Send every message that is due, within the per-domain rate limits."""
    enable_field_encryption(store, settings)
    result = DeliveryResult()
    smtp_url = settings.smtp_url.get_secret_value() if settings.smtp_url else None
    channels = ("email", "webhook") if smtp_url else ("webhook",)
    smtp = SmtpConnection(parse_smtp_url(smtp_url)) if smtp_url else None
    webhooks = WebhookSender(settings)
    handled = 0
    smtp_down = False  # after a connection failure, the run leaves e-mail alone
    try:
        while limit is None or handled < limit:
            size = batch if limit is None else min(batch, limit - handled)
            if smtp_down and "email" in channels:
                channels = ("webhook",)
            claimed = claim(
                store,
                limit=size,
                lease=lease,
                rate_per_domain=settings.notify_rate_per_domain,
                channels=channels,
            )
            result.deferred = claimed.deferred
            if not claimed.messages:
                break
            for message in claimed.messages:
                handled += 1
                if smtp_down and message.channel == "email":
                    release(store, message, backoff(1))
                    result.retrying += 1
                    continue
                try:
                    if message.channel == "email":
                        assert smtp is not None
                        smtp.send(
                            build_email(
                                sender=settings.notify_from,
                                recipient=message.recipient,
                                subject=message.subject,
                                text=message.body_text,
                                html=message.body_html,
                                message_id=message_id_of(message),
                                unsubscribe_url=_unsubscribe_url(message),
                            )
                        )
                    else:
                        webhooks.send(message.recipient, message.body_text, message.key)
                except SendRefused as refusal:
                    if message.channel == "email" and refusal.connection:
                        smtp_down = True
                    permanent = None
                    if refusal.permanent:
                        permanent = "bounced" if message.channel == "email" else "failed"
                    status = mark_failed(
                        store,
                        message,
                        str(refusal),
                        permanent=permanent,
                        max_attempts=settings.notify_max_attempts,
                    )
                    if status == "pending":
                        result.retrying += 1
                    elif status == "bounced":
                        result.bounced += 1
                    else:
                        result.failed += 1
                    result.errors.append(f"message {message.id}: {refusal}")
                    continue
                mark_sent(store, message)
                result.sent += 1
    finally:
        if smtp is not None:
            smtp.close()
        webhooks.close()
    return result
