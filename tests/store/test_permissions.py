"""The data directory is private: folders 0700, the database and its WAL 0600, whatever the umask.

The outside test found the data directory 755 and the database and WAL 644
(SQLite creates files with the umask, and the -wal and -shm files with the
database's mode). Each test runs under umask 000, the most permissive, so a
file or folder made without an explicit mode would come out world-writable.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from phiwatch.config import load_settings
from phiwatch.monitor import ingest
from phiwatch.security import enable_field_encryption
from phiwatch.store import open_store
from tests.monitor.conftest import audit_event, write_ndjson


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def test_a_new_data_directory_database_and_wal_are_private(tmp_path: Path) -> None:
    data = tmp_path / "a" / "data"
    settings = load_settings(environ={}, data_dir=str(data))
    store = open_store(settings)
    try:
        enable_field_encryption(store, settings)  # writes the key file and the key table
        with store.transaction() as session:
            session.execute(text("CREATE TABLE scratch (x INTEGER)"))
            session.execute(text("INSERT INTO scratch VALUES (1)"))
        database = data / "phiwatch.db"
        wal, shm = Path(f"{database}-wal"), Path(f"{database}-shm")
        assert wal.exists() and shm.exists()  # the store is open: the WAL is in use
        assert {p.name: _mode(p) for p in (data, database, wal, shm)} == {
            "data": 0o700,
            "phiwatch.db": 0o600,
            "phiwatch.db-wal": 0o600,
            "phiwatch.db-shm": 0o600,
        }
        assert _mode(data / "secret.key") == 0o600
    finally:
        store.close()


def test_the_lake_folder_is_private(tmp_path: Path) -> None:
    settings = load_settings(environ={}, data_dir=str(tmp_path / "data"))
    store = open_store(settings)
    try:
        events = write_ndjson(tmp_path / "events.ndjson", [audit_event("e-1")])
        ingest(settings, [events])
    finally:
        store.close()
    assert _mode(settings.data_dir / "lake") == 0o700


def test_wider_existing_ones_are_named_in_one_line_each(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Left as they are (a group may share them on purpose), but each named with its mode."""
    data = tmp_path / "shared"
    data.mkdir(mode=0o755)
    database = data / "phiwatch.db"
    database.touch(mode=0o644)
    settings = load_settings(environ={}, data_dir=str(data))
    with caplog.at_level(logging.WARNING, logger="phiwatch"):
        open_store(settings).close()
    lines = [r.getMessage() for r in caplog.records if r.name == "phiwatch"]
    assert lines == [
        f"{data} is mode 755: other users may read phiwatch's data; run: chmod 700 {data}",
        f"{database} is mode 644: other users may read phiwatch's data; run: chmod 600 {database}",
    ]
    assert _mode(data) == 0o755 and _mode(database) == 0o644


def test_private_ones_raise_no_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(environ={}, data_dir=str(tmp_path / "data"))
    open_store(settings).close()
    with caplog.at_level(logging.WARNING, logger="phiwatch"):
        open_store(settings).close()
    assert [r for r in caplog.records if r.name == "phiwatch"] == []
