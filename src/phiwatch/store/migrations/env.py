"""Alembic environment: runs migrations on the engine phiwatch hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, create_engine

from phiwatch.store.models import Base

config = context.config
target_metadata = Base.metadata


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if isinstance(engine, Engine):
        return engine
    # `alembic` run by hand: take the URL from phiwatch's settings.
    from phiwatch.config import load_settings

    return create_engine(load_settings().resolved_database_url)


def run_migrations_online() -> None:
    with _engine().connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
