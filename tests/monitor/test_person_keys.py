"""What the context's keyed hashes are computed from: equal spellings give equal keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

from phiwatch.monitor._person_keys import address_key, birth_key, house_number, street_key
from phiwatch.store._engine import create_store_engine
from phiwatch.store._schema import alembic_config


@pytest.mark.parametrize(
    ("one", "other", "equal"),
    [
        ("12 Main St.", "12  main st", True),  # punctuation, case, spacing
        ("12 Main St., Apt #4", "12 Main St Apt 4", True),
        ("O\u2019Neil Ave", "O'Neil Ave", True),  # typographic apostrophe
        ("\uff11\uff12 Elm", "12 Elm", True),  # full-width digits (NFKC)
        ("12 Main St", "13 Main St", False),
        ("Springfield", "Springfeld", False),
    ],
)
def test_address_keys(one: str, other: str, equal: bool) -> None:
    assert (address_key(one) == address_key(other)) is equal


@pytest.mark.parametrize(
    ("line", "number", "street"),
    [
        ("12 Elm Street", 12, "elm street"),
        ("  7  Elm Street.", 7, "elm street"),
        ("Elm Street", None, "elm street"),  # no house number: never "nearby"
        ("12", 12, None),  # nothing but a number: no street
        ("12-14 Elm", 12, "14 elm"),
    ],
)
def test_house_number_and_street(line: str, number: int | None, street: str | None) -> None:
    assert house_number(line) == number
    assert street_key(line) == street


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("1970-01-02", "1970-01-02"),
        ("1970-01-02T00:00:00Z", "1970-01-02"),
        (" 1970 ", "1970"),  # a partial FHIR date stays as written
        ("", None),
        (None, None),
    ],
)
def test_birth_keys(value: str | None, key: str | None) -> None:
    assert birth_key(value) == key


def test_blank_address_parts_have_no_key() -> None:
    assert address_key("  ") is None
    assert address_key("...") is None


def test_upgrade_deletes_clear_context_rows_and_adds_hash_columns(tmp_path: Path) -> None:
    """monitor_0003 holds no key, so the clear rows go (the context is loaded again)."""
    engine = create_store_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config(engine)
    command.upgrade(config, "monitor_0002")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO monitor_context_version (id, loaded_at, source, patients, "
                "workforce, relationships) VALUES (1, '2026-01-01', 'x', 1, 0, 0)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO monitor_person (version_id, kind, pseudonym, identifier, family) "
                "VALUES (1, 'patient', 'abc', 'MRN-7731', 'Quackenbush')"
            )
        )
    command.upgrade(config, "monitor_0003")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM monitor_person")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM monitor_context_version")).scalar()
        columns = {c["name"] for c in inspect(connection).get_columns("monitor_person")}
    engine.dispose()
    assert {"family_hash", "birth_date_hash", "address_hash", "street_hash"} <= columns
    assert b"Quackenbush" not in (tmp_path / "old.db").read_bytes()
