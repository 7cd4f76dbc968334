"""Engines and sessions for the operational store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, configure_mappers, sessionmaker

from phiwatch.config import PRIVATE_FILE_MODE, Settings, private_dir, private_file, warn_if_wider
from phiwatch.errors import ConfigurationError


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Per-connection SQLite settings.

    WAL lets the web app read while an import writes; foreign keys are off by
    default in SQLite and we rely on them; the busy timeout turns a brief lock
    into a wait instead of an error.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _private_sqlite_file(database: Path) -> None:
    """The SQLite file and its folder made private before SQLite opens them.

    SQLite creates a database with the process's umask (0644 as a rule) and
    its -wal and -shm files with the database's mode; made empty here with
    0600 (an empty file is an empty database), all three stay private.
    """
    private_dir(database.parent)
    private_file(database)
    for suffix in ("-wal", "-shm"):
        warn_if_wider(database.with_name(database.name + suffix), PRIVATE_FILE_MODE)


def create_store_engine(url: str) -> Engine:
    """An engine for ``url``, with SQLite tuned and its file and folder created private."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(f"database URL is not valid: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_sqlite_file(Path(parsed.database))
        engine = create_engine(parsed)
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    return create_engine(parsed, pool_pre_ping=True)


class Store:
    """A handle on the operational database: its engine and a session factory."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``: a few queries differ between them."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back on any exception."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A session for reads only; nothing it does is committed."""
        with self._sessions() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def open_store(settings: Settings, *, migrate: bool = True) -> Store:
    """Open the store named by ``settings``, bringing its schema up to date first."""
    engine = create_store_engine(settings.resolved_database_url)
    if migrate:
        from phiwatch.store._schema import ensure_schema

        try:
            ensure_schema(engine)
        except OperationalError as exc:
            engine.dispose()
            raise ConfigurationError(
                f"cannot open the database ({engine.url.render_as_string(hide_password=True)}): "
                f"{exc.orig}"
            ) from exc
    # Mappers configure themselves on the first ORM query otherwise, which puts a one-off
    # 70 ms into whatever the caller does first (an import, a page); opening is the place.
    configure_mappers()
    return Store(engine)
