"""A breach's identity: its public id and its ordinal under its match key.

Both are derived, never random, so the same export gives the same ids on
every install: ``uid`` is a short hash of (match key, ordinal), salted in
the rare case of a collision. An import sees only some stored breaches
(see ``load_stored``), so what it did not load is asked of the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from phiwatch.store.models.registry import Breach


def uid_of(match_key: str, ordinal: int, salt: int = 0) -> str:
    """A short public id derived from the breach's identity, so it is the same on every install."""
    seed = f"{match_key}#{ordinal}" + (f"~{salt}" if salt else "")
    return hashlib.blake2b(seed.encode(), digest_size=5).hexdigest()


class TakenUids:
    """The public ids already given, known from the breaches loaded or asked of the database.

    An import loads only the stored breaches its rows may be (see
    ``load_stored``); when others exist, the ids a batch of new breaches
    would take are asked for by value (500 to a query) and, in the rare case
    of a collision, each salted alternative.
    """

    def __init__(self, session: Session, known: set[str], *, complete: bool) -> None:
        self._session = session
        self._taken = known
        self._free: set[str] = set()  # asked for and not stored
        self._complete = complete  # ``known`` holds every stored id

    def check(self, uids: Sequence[str]) -> None:
        """Learn which of ``uids`` are stored, so that ``take`` need not ask one at a time."""
        if self._complete:
            return
        unknown = list(set(uids) - self._taken - self._free)
        stored = set(stored_among(self._session, Breach.__table__.c.uid, unknown))
        self._taken |= stored
        self._free.update(uid for uid in unknown if uid not in stored)

    def take_all(self, keys: Sequence[str], ordinals: Sequence[int]) -> list[str]:
        """The ids of new breaches, in order: each its unsalted id unless that is taken."""
        blake2b = hashlib.blake2b  # uid_of, unsalted, inline: it runs once per new breach
        firsts = [
            blake2b(f"{key}#{ordinal}".encode(), digest_size=5).hexdigest()
            for key, ordinal in zip(keys, ordinals, strict=True)
        ]
        self.check(firsts)
        if self._taken.isdisjoint(firsts) and len(set(firsts)) == len(firsts):
            self._taken.update(firsts)  # the usual case: no collision at all
            return firsts
        return list(map(self.take, keys, ordinals, firsts))

    def take(self, match_key: str, ordinal: int, first: str) -> str:
        """``first`` (the unsalted id) or the first free salted one, now taken."""
        uid, salt = first, 0
        while self._is_taken(uid):
            salt += 1
            uid = uid_of(match_key, ordinal, salt)
        self._taken.add(uid)
        return uid

    def _is_taken(self, uid: str) -> bool:
        if uid in self._taken:
            return True
        if self._complete or uid in self._free:
            return False
        self.check([uid])
        return uid in self._taken


def stored_among(session: Session, column: Any, values: Sequence[str]) -> list[Any]:
    """Which of ``values`` the column holds, asked 500 at a time."""
    found: list[Any] = []
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        found.extend(
            session.connection().execute(select(column).where(column.in_(chunk))).scalars()
        )
    return found


def top_ordinals(session: Session, keys: Sequence[str]) -> dict[str, int]:
    """The highest ordinal stored under each of ``keys`` (those with none are left out)."""
    table = Breach.__table__
    top: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        query = (
            select(table.c.match_key, func.max(table.c.ordinal))
            .where(table.c.match_key.in_(chunk))
            .group_by(table.c.match_key)
        )
        for key, ordinal in session.connection().execute(query):
            top[key] = ordinal
    return top
