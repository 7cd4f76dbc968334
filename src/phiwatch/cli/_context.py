"""Per-invocation state of the CLI: the settings and the store, opened lazily.

Commands call ``settings()`` / ``store()`` instead of building their own, so
the global ``--data-dir`` / ``--database-url`` options apply everywhere and
a command that needs no database never opens one. The settings and store
modules are imported on first use too: SQLAlchemy and pydantic take about half
a second to import, which ``--help`` and the commands without a database
should not pay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from phiwatch.config import Settings
    from phiwatch.store import Store

_overrides: dict[str, str] = {}
_settings: Settings | None = None
_store: Store | None = None


def set_overrides(overrides: dict[str, str]) -> None:
    global _settings, _store
    _overrides.clear()
    _overrides.update(overrides)
    _settings = None
    if _store is not None:
        _store.close()
    _store = None


def settings() -> Settings:
    global _settings
    if _settings is None:
        from phiwatch.config import load_settings

        _settings = load_settings(None, **_overrides)
    return _settings


def store(*, encrypted: bool = True) -> Store:
    """The store, with field encryption on: every command may read or write PHI columns.

    ``encrypted=False`` is for the one command that must open the database before
    its keys can be unwrapped (``keys rewrap`` after a new master secret).
    """
    global _store
    if _store is None:
        from phiwatch.store import open_store

        _store = open_store(settings())
    if encrypted:
        from phiwatch.security import enable_field_encryption

        enable_field_encryption(_store, settings())
    return _store
