"""monitor_0004 and respond_0004: the columns notices in the recipient's language need, up and down."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Engine, inspect, text

from phiwatch.store._engine import create_store_engine
from phiwatch.store._schema import alembic_config


def _columns(engine: Engine, table: str) -> set[str]:
    with engine.connect() as connection:
        return {c["name"] for c in inspect(connection).get_columns(table)}


SPANISH_FACTS = {"what_happened_es", "org_actions_es", "individual_steps_es"}


def test_language_columns_up_down_and_up_again(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'm.db'}")
    config = alembic_config(engine)
    command.upgrade(config, "heads")
    assert "language" in _columns(engine, "monitor_patient")
    assert _columns(engine, "respond_incident") >= SPANISH_FACTS
    with engine.begin() as connection:  # a row written before the downgrade survives it
        connection.execute(
            text(
                "INSERT INTO monitor_context_version (id, loaded_at, source, patients, workforce,"
                " relationships) VALUES (1, '2026-03-02', 'x', 1, 0, 0)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO monitor_patient (version_id, pseudonym, vip, deceased, language)"
                " VALUES (1, 'abc', false, false, 'es')"
            )
        )
    command.downgrade(config, "monitor_0003")
    command.downgrade(config, "respond_0003")
    assert "language" not in _columns(engine, "monitor_patient")
    assert not SPANISH_FACTS & _columns(engine, "respond_incident")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT pseudonym FROM monitor_patient")).scalar() == "abc"
    command.upgrade(config, "heads")
    assert "language" in _columns(engine, "monitor_patient")
    with engine.connect() as connection:  # a patient loaded before: no preference stated
        assert connection.execute(text("SELECT language FROM monitor_patient")).scalar() is None
    engine.dispose()
