"""The schema: built from models for a new database, from migrations for an old one; both agree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from phiwatch.config import load_settings
from phiwatch.errors import ConfigurationError
from phiwatch.store import Base, Store, open_store
from phiwatch.store._engine import create_store_engine
from phiwatch.store._schema import (
    _script_heads,
    alembic_config,
    current_revisions,
    migration_heads,
)


def _migrated_engine(url: str):
    engine = create_store_engine(url)
    command.upgrade(alembic_config(engine), "heads")
    return engine


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_migrations_build_exactly_the_models(backend: str, tmp_path: Path, request) -> None:
    url = (
        f"sqlite:///{tmp_path / 'm.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    engine = _migrated_engine(url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == [], f"migrations and models disagree: {diff}"


def test_new_database_is_stamped_at_every_head(store: Store) -> None:
    heads = _script_heads(alembic_config(store.engine))
    assert current_revisions(store.engine) == heads
    assert {"registry"} <= set(_branch_labels(store))
    assert "registry_breach" in inspect(store.engine).get_table_names()


def test_heads_read_from_the_files_are_alembics(store: Store) -> None:
    assert migration_heads() == _script_heads(alembic_config(store.engine))


def test_fast_stamp_writes_what_alembic_stamp_writes(tmp_path: Path) -> None:
    by_alembic = create_store_engine(f"sqlite:///{tmp_path / 'a.db'}")
    Base.metadata.create_all(by_alembic)
    command.stamp(alembic_config(by_alembic), "heads")
    expected = current_revisions(by_alembic)
    by_alembic.dispose()
    url = f"sqlite:///{tmp_path / 'b.db'}"
    opened = open_store(load_settings(environ={}, data_dir=str(tmp_path), database_url=url))
    assert current_revisions(opened.engine) == expected
    with opened.engine.connect() as connection:
        columns = inspect(connection).get_columns("alembic_version")
    assert [(c["name"], c["nullable"]) for c in columns] == [("version_num", False)]
    opened.close()


def test_opening_an_up_to_date_database_does_not_load_alembic(tmp_path: Path) -> None:
    """Every CLI command opens the store; importing Alembic would cost it half a second."""
    code = (
        "import sys\n"
        "from phiwatch.config import load_settings\n"
        "from phiwatch.store import open_store\n"
        f"settings = load_settings(environ={{}}, data_dir={str(tmp_path)!r})\n"
        "open_store(settings).close()\n"
        "print('alembic' in sys.modules)\n"
    )
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert first.stdout.strip() == "False", "a new database is stamped without Alembic too"
    assert again.stdout.strip() == "False"


def _branch_labels(store: Store) -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(store.engine))
    return {label for rev in script.walk_revisions() for label in (rev.branch_labels or ())}


def test_old_database_is_upgraded_on_open(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_store_engine(url)
    command.upgrade(alembic_config(engine), "0000_base")
    assert "registry_breach" not in inspect(engine).get_table_names()
    engine.dispose()
    opened = open_store(load_settings(environ={}, data_dir=str(tmp_path), database_url=url))
    assert "registry_breach" in inspect(opened.engine).get_table_names()
    opened.close()


def test_sqlite_store_uses_wal(sqlite_store: Store) -> None:
    with sqlite_store.engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    with pytest.raises(ConfigurationError, match="cannot open the database"):
        open_store(load_settings(environ={}, data_dir=str(tmp_path), database_url=url))


def test_bad_url_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not valid"):
        open_store(load_settings(environ={}, data_dir=str(tmp_path), database_url="::nonsense"))


def test_sqlite_file_lands_in_data_dir(tmp_path: Path) -> None:
    opened = open_store(load_settings(environ={}, data_dir=str(tmp_path / "d")))
    opened.close()
    assert (tmp_path / "d" / "phiwatch.db").is_file()
