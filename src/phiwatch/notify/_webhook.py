"""Webhooks: a JSON POST, signed so the receiver can tell it came from phiwatch.

Headers: ``X-Phiwatch-Timestamp`` (Unix seconds), ``X-Phiwatch-Signature``
(``v1=`` + hex HMAC-SHA256 of ``"<timestamp>.<body>"`` under
``derive_key(settings, "notify-webhook")``) and ``Idempotency-Key`` (the
outbox key, so a receiver can drop the one duplicate a crash may cause).
A receiver should refuse a timestamp more than five minutes old. 2xx is
success; 4xx other than 408 and 429 is permanent; the rest is retried.
"""

from __future__ import annotations

import hashlib
import hmac
import time

import httpx

from phiwatch.config import Settings
from phiwatch.notify._smtp import SendRefused
from phiwatch.security import derive_key

WEBHOOK_PURPOSE = "notify-webhook"
SIGNATURE_HEADER = "X-Phiwatch-Signature"
TIMESTAMP_HEADER = "X-Phiwatch-Timestamp"


def webhook_key(settings: Settings) -> bytes:
    return derive_key(settings, WEBHOOK_PURPOSE)


def sign_webhook(key: bytes, timestamp: int, body: bytes) -> str:
    mac = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={mac}"


def verify_webhook(
    key: bytes, timestamp: str, body: bytes, signature: str, *, tolerance: int = 300
) -> bool:
    """What a receiver does: recompute the signature and check the timestamp is fresh."""
    try:
        moment = int(timestamp)
    except ValueError:
        return False
    if abs(time.time() - moment) > tolerance:
        return False
    return hmac.compare_digest(sign_webhook(key, moment, body), signature)


class WebhookSender:
    def __init__(self, settings: Settings, *, timeout: float = 15.0) -> None:
        self.key = webhook_key(settings)
        self.client = httpx.Client(timeout=timeout, follow_redirects=False)

    def send(self, url: str, body: str, idempotency_key: str) -> None:
        data = body.encode("utf-8")
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign_webhook(self.key, timestamp, data),
            "Idempotency-Key": idempotency_key,
            "User-Agent": "phiwatch-notify",
        }
        try:
            response = self.client.post(url, content=data, headers=headers)
        except httpx.HTTPError as exc:
            raise SendRefused(f"request failed ({type(exc).__name__})", permanent=False) from None
        if 200 <= response.status_code < 300:
            return
        code = response.status_code
        permanent = 400 <= code < 500 and code not in (408, 429)
        raise SendRefused(f"receiver answered {code}", permanent=permanent)

    def close(self) -> None:
        self.client.close()
