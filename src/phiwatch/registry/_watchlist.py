"""Watchlists: organisations someone depends on, matched on every import.

An import records a hit for each new or changed breach whose normalised
entity name contains a watched name (whole words, in order). Hits wait in
``registry_watch_hit`` until the notify capability delivers them
(``pending_watch_hits`` / ``mark_watch_hits_delivered``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from phiwatch.errors import ConflictError, InputError, NotFoundError
from phiwatch.registry._filters import entity_contains
from phiwatch.registry._names import normalise_entity
from phiwatch.registry._queries import breach_row
from phiwatch.store import Store
from phiwatch.store.models.registry import Breach, Watch, WatchHit


def add_watch(store: Store, name: str) -> dict[str, Any]:
    """Watch ``name``; returns the watch with the breaches it already matches."""
    key = normalise_entity(name)
    if not key:
        raise InputError(f"{name!r} has no letters or digits to watch for")
    try:
        with store.transaction() as session:
            watch = Watch(name=name.strip(), entity_key=key)
            session.add(watch)
            session.flush()
            watch_id = watch.id
    except IntegrityError:
        raise ConflictError(f"{name!r} is already watched (as {key!r})") from None
    return {"id": watch_id, "name": name.strip(), "key": key, "matches": _count_matches(store, key)}


def _count_matches(store: Store, key: str) -> int:
    with store.reader() as session:
        return int(session.scalar(select(func.count()).where(entity_contains(key))) or 0)


def list_watches(store: Store) -> list[dict[str, Any]]:
    """Every watch, with how many breaches it matches and how many hits await delivery."""
    with store.reader() as session:
        pending = dict(
            session.execute(
                select(WatchHit.watch_id, func.count())
                .where(WatchHit.delivered_at.is_(None))
                .group_by(WatchHit.watch_id)
            ).all()
        )
        watches = session.scalars(select(Watch).order_by(Watch.name)).all()
    return [
        {
            "id": w.id,
            "name": w.name,
            "key": w.entity_key,
            "matches": _count_matches(store, w.entity_key),
            "pending_hits": int(pending.get(w.id, 0)),
            "created_at": w.created_at,
        }
        for w in watches
    ]


def remove_watch(store: Store, name_or_id: str) -> str:
    """Stop watching; accepts the watch id or the name (normalised). Returns the name removed."""
    with store.transaction() as session:
        if name_or_id.isdigit():
            watch = session.get(Watch, int(name_or_id))
        else:
            key = normalise_entity(name_or_id)
            watch = session.scalar(select(Watch).where(Watch.entity_key == key))
        if watch is None:
            raise NotFoundError(
                f"nothing watched matches {name_or_id!r} (see: registry watch list)"
            )
        name = watch.name
        session.execute(delete(WatchHit).where(WatchHit.watch_id == watch.id))
        session.delete(watch)
    return name


def pending_watch_hits(store: Store) -> list[dict[str, Any]]:
    """Hits not yet delivered, oldest first: what notify sends to watchers."""
    with store.reader() as session:
        rows = session.execute(
            select(WatchHit, Watch.name, Breach)
            .join(Watch, WatchHit.watch_id == Watch.id)
            .join(Breach, WatchHit.breach_id == Breach.id)
            .where(WatchHit.delivered_at.is_(None))
            .order_by(WatchHit.id)
        ).all()
    return [
        {
            "hit": hit.id,
            "watch": watch_name,
            "kind": hit.kind,
            "import": hit.import_id,
            "created_at": hit.created_at,
            "breach": breach_row(breach),
        }
        for hit, watch_name, breach in rows
    ]


def mark_watch_hits_delivered(store: Store, hit_ids: list[int]) -> int:
    """Record delivery (called by notify inside its own outbox step)."""
    if not hit_ids:
        return 0
    with store.transaction() as session:
        result = session.execute(
            update(WatchHit)
            .where(WatchHit.id.in_(hit_ids), WatchHit.delivered_at.is_(None))
            .values(delivered_at=datetime.now(UTC))
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
