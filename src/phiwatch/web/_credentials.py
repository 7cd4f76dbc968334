"""API tokens proved in the last second, so a busy script is not looked up on every request.

Checking a bearer token reads the database (and, once a minute, writes its
``last_used_at``), so it runs on a worker thread: a thread hop and a query
per request, about half the cost of a cached page. A script fetching many
pages sends one token, so the principal it proved is remembered for a moment
(``WebConfig.remember_credentials``, one second by default) and answered
without either.

What that moment costs: a token revoked, its account disabled or its role
changed *by another process* (the CLI beside a running web app, or another
``--workers`` process) takes effect up to that long later. Revoking a token
on this app's account page forgets every remembered token at once. Only
successes are remembered: a refused token is looked up again every time, so
guessing costs what it did. Session cookies are not remembered at all (their
idle and absolute timeouts hold to the second).

Keys are SHA-256 digests of the token, never the token itself; the table is
per app (per worker process) and bounded.
"""

from __future__ import annotations

import hashlib
import threading
import time

from phiwatch.security import Principal

_MAX_ENTRIES = 10_000


class RecentCredentials:
    """Principals proved by an API token in the last ``ttl`` seconds (0: remember none)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[bytes, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(token: str) -> bytes:
        return hashlib.sha256(token.encode()).digest()

    def get(self, token: str) -> Principal | None:
        """The principal ``token`` proved less than ``ttl`` seconds ago, or None."""
        if self.ttl <= 0:
            return None
        key = self._key(token)
        entry = self._entries.get(key)
        if entry is None:
            return None
        principal, proved_at = entry
        if time.monotonic() - proved_at >= self.ttl:
            with self._lock:
                self._entries.pop(key, None)
            return None
        return principal

    def remember(self, token: str, principal: Principal) -> None:
        """Remember a token that was just proved valid (never call it for a refused one)."""
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= _MAX_ENTRIES:
                self._entries.clear()  # the simplest bound: each is proved again next time
            self._entries[self._key(token)] = (principal, time.monotonic())

    def forget(self) -> None:
        """Called when this app revokes a token: prove every token afresh."""
        with self._lock:
            self._entries.clear()
