"""Fixtures every test module can use: settings, real stores, the CLI.

Stores are real databases, one per test: a fresh SQLite file, and a fresh
PostgreSQL database on the loopback server (skipped with the reason when
that server cannot be reached). Set ``PHIWATCH_TEST_POSTGRES_URL`` to use
another server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner, Result

from phiwatch.cli import app
from phiwatch.config import Settings, load_settings
from phiwatch.store import Store, open_store

POSTGRES_ADMIN_URL = os.environ.get(
    "PHIWATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

_postgres_unreachable: str | None = None


def fresh_python(code: str) -> str:
    """What ``code`` prints in a new interpreter: for checks on what importing loads, which
    the modules this test session already imported would hide."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def _postgres_skip_reason() -> str | None:
    """Why PostgreSQL tests cannot run here, or None when the server answers."""
    global _postgres_unreachable
    if _postgres_unreachable is None:
        try:
            engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as connection:
                connection.execute(text("select 1"))
            engine.dispose()
            _postgres_unreachable = ""
        except OperationalError as exc:
            _postgres_unreachable = (
                f"PostgreSQL not reachable at {make_url(POSTGRES_ADMIN_URL).render_as_string()} "
                f"({str(exc.orig).strip().splitlines()[0]}); set PHIWATCH_TEST_POSTGRES_URL"
            )
    return _postgres_unreachable or None


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """Create a brand-new, empty PostgreSQL database; yield its URL; drop it afterwards.

    Skips the calling test (with the reason) when the server cannot be reached.
    """
    reason = _postgres_skip_reason()
    if reason:
        pytest.skip(reason)
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"phiwatch_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """URL of a brand-new, empty PostgreSQL database, dropped after the test."""
    with fresh_postgres_database() as url:
        yield url


@contextmanager
def open_test_store(backend: str, folder: Path) -> Iterator[Store]:
    """A fresh, migrated store on ``backend`` ("sqlite" or "postgresql"), closed afterwards."""
    if backend == "sqlite":
        opened = open_store(load_settings(environ={}, data_dir=str(folder / "data")))
        try:
            yield opened
        finally:
            opened.close()
        return
    with fresh_postgres_database() as url:
        opened = open_store(load_settings(environ={}, data_dir=str(folder), database_url=url))
        try:
            yield opened
        finally:
            opened.close()


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a private data directory and the default SQLite store."""
    return load_settings(environ={}, data_dir=str(tmp_path / "data"))


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, migrated store: runs each test once on SQLite and once on PostgreSQL."""
    with open_test_store(request.param, tmp_path) as opened:
        yield opened


@pytest.fixture
def sqlite_store(settings: Settings) -> Iterator[Store]:
    """A fresh SQLite store, for tests whose subject is not the database."""
    opened = open_store(settings)
    try:
        yield opened
    finally:
        opened.close()


class Cli:
    """Runs ``phiwatch`` in-process against a private data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None) -> Result:
        env = {"PHIWATCH_DATA_DIR": str(self.data_dir), "COLUMNS": "200", "NO_COLOR": "1"}
        return self.runner.invoke(app, list(args), env=env, input=input)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "data")
