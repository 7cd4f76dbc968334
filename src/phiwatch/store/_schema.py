"""Schema management: every database reaches the newest migration before use.

A brand-new database is built in one step from the models and stamped with
the current heads (much faster than replaying every migration, and the
migrations are tested to produce the same schema). An existing database is
upgraded with Alembic. Each capability has its own branch of migrations
(branch label = capability), so capabilities can add tables independently;
``heads`` is the target.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from phiwatch.store.models import Base

_VERSION_TABLE = "alembic_version"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config pointing at our migrations and bound to ``engine``."""
    config = Config()
    config.set_main_option("script_location", "phiwatch.store:migrations")
    config.attributes["engine"] = engine
    return config


def _script_heads(config: Config) -> set[str]:
    return set(ScriptDirectory.from_config(config).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def ensure_schema(engine: Engine) -> None:
    """Create or upgrade the schema of ``engine``'s database to the newest revision."""
    config = alembic_config(engine)
    heads = _script_heads(config)
    existing_tables = set(inspect(engine).get_table_names())
    if not existing_tables:
        Base.metadata.create_all(engine)
        command.stamp(config, "heads")
        return
    if current_revisions(engine) != heads:
        command.upgrade(config, "heads")
