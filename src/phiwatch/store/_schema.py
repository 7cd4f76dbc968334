"""Schema management: every database reaches the newest migration before use.

A brand-new database is built in one step from the models and stamped with
the current heads (much faster than replaying every migration, and the
migrations are tested to produce the same schema). An existing database is
upgraded with Alembic. Each capability has its own branch of migrations
(branch label = capability), so capabilities can add tables independently;
``heads`` is the target.

Every CLI command opens the store, so the common case (a database already at
the heads) must be cheap: the heads are read from the migration files' own
``revision``/``down_revision`` lines and compared with the ``alembic_version``
rows, and Alembic itself (half a second to import) is loaded only when a
database actually needs upgrading. ``tests/store/test_schema.py`` holds the
fast path to Alembic's own answer.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Column, Engine, MetaData, PrimaryKeyConstraint, String, Table, inspect

from phiwatch.store.models import Base

if TYPE_CHECKING:
    from alembic.config import Config

_VERSION_TABLE = "alembic_version"
_VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"

# The table Alembic keeps its revisions in, declared as Alembic declares it.
_version_table = Table(
    _VERSION_TABLE,
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


def alembic_config(engine: Engine) -> Config:
    """An Alembic config pointing at our migrations and bound to ``engine``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "phiwatch.store:migrations")
    config.attributes["engine"] = engine
    return config


def _script_heads(config: Config) -> set[str]:
    """The heads as Alembic computes them (the reference ``migration_heads`` is tested against)."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(config).get_heads())


def _declared(path: Path) -> dict[str, object]:
    """The literal ``revision`` and ``down_revision`` a migration file assigns."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8"), str(path)).body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            found[target.id] = ast.literal_eval(value) if value is not None else None
    return found


@cache
def migration_heads() -> frozenset[str]:
    """Revisions no other migration builds on, read without importing Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(_VERSIONS_DIR.glob("*.py")):
        declared = _declared(path)
        revision = declared.get("revision")
        if not isinstance(revision, str):
            continue
        revisions.add(revision)
        down = declared.get("down_revision")
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, list | tuple):
            parents.update(str(item) for item in down)
    return frozenset(revisions - parents)


def current_revisions(engine: Engine) -> set[str]:
    """The revisions recorded in the database (empty when it has no version table)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(_VERSION_TABLE):
            return set()
        return set(connection.scalars(_version_table.select()).all())


def _create_and_stamp(engine: Engine) -> None:
    """Build a new database from the models and record the heads, in one transaction."""
    with engine.begin() as connection:
        Base.metadata.create_all(connection)
        _version_table.create(connection)
        connection.execute(
            _version_table.insert(), [{"version_num": head} for head in sorted(migration_heads())]
        )


def ensure_schema(engine: Engine) -> None:
    """Create or upgrade the schema of ``engine``'s database to the newest revision."""
    if current_revisions(engine) == migration_heads():
        return
    if not inspect(engine).get_table_names():
        _create_and_stamp(engine)
        return
    from alembic import command

    command.upgrade(alembic_config(engine), "heads")
