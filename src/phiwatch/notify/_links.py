"""Signed links: how a patient reaches their alert page or unsubscribes, without an account.

A link carries a small JSON claim (what it opens, for which subscription,
which link generation, until when), base64url-encoded, and an HMAC-SHA256
of it under ``derive_key(settings, "notify-links")``. Changing any byte
breaks the signature; an expired claim is refused; unsubscribing (or
``phiwatch notify revoke-links``) bumps the subscription's link generation,
which revokes every link already sent. Claims hold ids, never PHI.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from phiwatch.config import Settings
from phiwatch.errors import NotFoundError
from phiwatch.security import derive_key

LINK_PURPOSE = "notify-links"
PURPOSES = ("message", "unsubscribe")
INVALID_LINK = "this link is not valid: it was changed, has expired or was withdrawn"


@dataclass(frozen=True)
class LinkClaim:
    purpose: str  # message | unsubscribe
    subscription_id: int
    generation: int
    expires: int  # epoch seconds
    message_key: str | None = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, body: str) -> str:
    return _b64(hmac.new(key, body.encode("ascii"), hashlib.sha256).digest())


def sign_link(key: bytes, claim: LinkClaim) -> str:
    payload: dict[str, Any] = {
        "p": claim.purpose,
        "s": claim.subscription_id,
        "g": claim.generation,
        "x": claim.expires,
    }
    if claim.message_key is not None:
        payload["k"] = claim.message_key
    body = _b64(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    return f"{body}.{_mac(key, body)}"


def verify_link(key: bytes, token: str, *, purpose: str, now: float | None = None) -> LinkClaim:
    """The claim of a genuine, unexpired link for ``purpose``; anything else is NotFound."""
    body, _, signature = token.partition(".")
    if not body or not signature or not body.isascii() or not signature.isascii():
        raise NotFoundError(INVALID_LINK)
    if not hmac.compare_digest(_mac(key, body), signature):
        raise NotFoundError(INVALID_LINK)
    try:
        data = json.loads(_unb64(body))
        claim = LinkClaim(
            purpose=str(data["p"]),
            subscription_id=int(data["s"]),
            generation=int(data["g"]),
            expires=int(data["x"]),
            message_key=str(data["k"]) if "k" in data else None,
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise NotFoundError(INVALID_LINK) from exc
    if claim.purpose != purpose or claim.expires < (time.time() if now is None else now):
        raise NotFoundError(INVALID_LINK)
    return claim


class LinkSigner:
    """Makes the links of one installation (key and lifetime from settings)."""

    def __init__(self, settings: Settings) -> None:
        self.key = derive_key(settings, LINK_PURPOSE)
        self.base_url = settings.notify_base_url.rstrip("/")
        self.lifetime = settings.notify_link_days * 86400

    def _claim(self, purpose: str, subscription_id: int, generation: int, key: str | None) -> str:
        expires = int(time.time()) + self.lifetime
        return sign_link(self.key, LinkClaim(purpose, subscription_id, generation, expires, key))

    def message_url(self, subscription_id: int, generation: int, message_key: str) -> str:
        token = self._claim("message", subscription_id, generation, message_key)
        return f"{self.base_url}/notify/m/{token}"

    def unsubscribe_url(self, subscription_id: int, generation: int) -> str:
        token = self._claim("unsubscribe", subscription_id, generation, None)
        return f"{self.base_url}/notify/unsubscribe/{token}"
