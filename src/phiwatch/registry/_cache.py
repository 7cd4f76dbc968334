"""Query results kept until the registry next changes.

Registry data changes only when an import changes something, which always
adds a ``registry_import`` row; so the newest import id is a generation
number, and a result computed at one generation stays true until the next.
The web app answers the same filtered lists, counts and charts again and
again: reading the generation (one indexed lookup) and returning the kept
result is far cheaper than scanning the table again.

Results are handed out as shallow copies (a new list of new row dicts), so a
caller that edits a row does not edit the kept one.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Engine, func, select

from phiwatch.store import Store
from phiwatch.store.models.registry import RegistryImport

P = ParamSpec("P")
R = TypeVar("R")

_MAX_ENTRIES = 512
_entries: OrderedDict[Hashable, Any] = OrderedDict()
_lock = threading.Lock()


_NEWEST_IMPORT = select(func.max(RegistryImport.__table__.c.id))
# How long a generation read is trusted. An import in this process forgets it at once
# (``forget_generations``); one in another process (the CLI beside a running web app)
# shows within this long.
GENERATION_TTL_SECONDS = 1.0
# Keyed by the engine itself (weakly), not its id(): a new store may reuse a closed one's id.
_generations: weakref.WeakKeyDictionary[Engine, tuple[int, float]] = weakref.WeakKeyDictionary()


def generation(store: Store) -> int:
    """The id of the newest import: it changes whenever the registry's data does.

    A page asks several cached questions, each of which needs the generation;
    reading it once a second instead of once per question, through a bare
    connection rather than a session, halved the cost of a cached page.
    """
    now = time.monotonic()
    known = _generations.get(store.engine)
    if known is not None and now - known[1] < GENERATION_TTL_SECONDS:
        return known[0]
    with store.engine.connect() as connection:
        value = int(connection.scalar(_NEWEST_IMPORT) or 0)
    _generations[store.engine] = (value, now)
    return value


def forget_generations() -> None:
    """Called when an import in this process changed the registry: read it afresh."""
    _generations.clear()


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return [dict(v) if isinstance(v, dict) else v for v in value]
    return value


def cached_until_import(function: Callable[P, R]) -> Callable[P, R]:
    """Keep ``function(store, ...)``'s results per store until the next import changes data."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        store = args[0]
        assert isinstance(store, Store)
        try:
            key: Hashable = (
                id(store.engine),
                str(store.engine.url),
                generation(store),
                function.__qualname__,
                tuple(_hashable(a) for a in args[1:]),
                tuple(sorted((k, _hashable(v)) for k, v in kwargs.items())),
            )
            hash(key)
        except TypeError:  # an unhashable argument: compute without the cache
            return function(*args, **kwargs)
        with _lock:
            if key in _entries:
                _entries.move_to_end(key)
                return _copy(_entries[key])  # type: ignore[no-any-return]
        result = function(*args, **kwargs)
        with _lock:
            _entries[key] = result
            while len(_entries) > _MAX_ENTRIES:
                _entries.popitem(last=False)
        return _copy(result)  # type: ignore[no-any-return]

    return wrapper
