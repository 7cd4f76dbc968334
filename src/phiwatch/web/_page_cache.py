"""Finished answers of pages whose content depends only on their address and a data version.

The breach list is read far more often than the registry changes: the same
filtered view, asked again, gives the same rows until the next import. For
such a page (``Pages.page(..., cache=version)``) the JSON twin's encoded body
and the HTML page's rendered content are kept, keyed by the request path, the
raw query string and the version the page's ``version`` function reports
(for the registry, its import generation). A repeated request is answered
from here before FastAPI validates its query parameters and before any
thread or query runs; only the access check (every time, for every caller)
and the sign-in-specific frame of the HTML page (navigation, user name, CSRF
token) are done afresh.

Only successful answers are kept, and only under the exact query string that
produced them, so an answer served from here is one the full route gave for
the same input. Bounded by entries and by bytes, least recently used first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from markupsafe import Markup

MAX_ENTRIES = 512
MAX_BYTES = 32 * 2**20


@dataclass(frozen=True)
class CachedJson:
    """A JSON twin's answer: the encoded body and its headers."""

    body: bytes
    headers: Mapping[str, str]

    @property
    def size(self) -> int:
        return len(self.body)


@dataclass(frozen=True)
class CachedHtml:
    """An HTML page's content (inside the layout), its title and its headers."""

    title: str | None
    content: Markup
    headers: Mapping[str, str]

    @property
    def size(self) -> int:
        return len(self.content)


CachedAnswer = CachedJson | CachedHtml
CacheKey = tuple[str, bytes, Hashable]


class PageCache:
    """Least-recently-used answers, per app (so per worker process and per store)."""

    def __init__(self, *, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[CacheKey, CachedAnswer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: CacheKey) -> CachedAnswer | None:
        with self._lock:
            answer = self._entries.get(key)
            if answer is not None:
                self._entries.move_to_end(key)
            return answer

    def put(self, key: CacheKey, answer: CachedAnswer) -> None:
        if answer.size > self.max_bytes // 4:
            return  # one huge view would push out everything else
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._entries[key] = answer
            self._bytes += answer.size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.size

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)
