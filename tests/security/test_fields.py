"""PHI columns: encrypted at rest, searchable by keyed hash, re-encrypted by key rotation."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Integer, MetaData, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from phiwatch.config import load_settings
from phiwatch.errors import ConfigurationError
from phiwatch.security import (
    EncryptedText,
    KeyedHash,
    Role,
    add_user,
    enable_field_encryption,
    key_status,
    keyed_hash,
    rotate_field_keys,
)
from phiwatch.security._rotation import encrypted_columns
from phiwatch.store import open_store
from tests.security.conftest import PASSWORD

NAME = "Theodora Quackenbush"
EMAIL = "theodora.quackenbush@example.org"
SSN = "123-45-6789"


class _TestBase(DeclarativeBase):
    metadata = MetaData()


class PatientRow(_TestBase):
    """A stand-in for another capability's PHI table (kept off phiwatch's own schema)."""

    __tablename__ = "test_patient"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(EncryptedText())
    email: Mapped[str | None] = mapped_column(EncryptedText())
    ssn: Mapped[str] = mapped_column(EncryptedText())
    name_hash: Mapped[str] = mapped_column(KeyedHash())


def _patient_store(store):
    _TestBase.metadata.create_all(store.engine)
    return store


def test_values_round_trip_and_are_ciphertext_in_the_table(secure_store) -> None:
    store = _patient_store(secure_store)
    with store.transaction() as session:
        session.add(PatientRow(id=1, name=NAME, email=EMAIL, ssn=SSN, name_hash=NAME))
    with store.reader() as session:
        row = session.get(PatientRow, 1)
        assert (row.name, row.email, row.ssn) == (NAME, EMAIL, SSN)
        raw = session.execute(text("select name, email, ssn, name_hash from test_patient")).one()
    assert all(v.startswith("phw1.") for v in raw[:3])
    assert NAME not in " ".join(raw) and SSN not in " ".join(raw)
    assert len(raw[3]) == 64


def test_keyed_hash_search_finds_the_row_without_plaintext(secure_store) -> None:
    store = _patient_store(secure_store)
    with store.transaction() as session:
        session.add(PatientRow(id=1, name=NAME, ssn=SSN, name_hash=NAME))
        session.add(
            PatientRow(id=2, name="Someone Else", ssn="987-65-4321", name_hash="Someone Else")
        )
    with store.reader() as session:
        found = session.scalars(
            select(PatientRow.id).where(PatientRow.name_hash == "  theodora   QUACKENBUSH ")
        ).all()
    assert found == [1]


def test_same_value_encrypts_differently_each_time(secure_store) -> None:
    store = _patient_store(secure_store)
    with store.transaction() as session:
        session.add_all([PatientRow(id=i, name=NAME, ssn=SSN, name_hash=NAME) for i in (1, 2)])
    with store.reader() as session:
        names = [r[0] for r in session.execute(text("select name from test_patient"))]
    assert names[0] != names[1]


def test_rotation_re_encrypts_everything_and_old_rows_stay_readable(store, store_settings) -> None:
    enable_field_encryption(store, store_settings)
    _patient_store(store)
    add_user(
        store,
        store_settings,
        "alice",
        Role.admin,
        password=PASSWORD,
        display_name=NAME,
        email=EMAIL,
    )
    with store.transaction() as session:
        session.add_all(
            [PatientRow(id=i, name=f"{NAME} {i}", ssn=SSN, name_hash=NAME) for i in range(1, 8)]
        )
    before = {
        row["kid"]: row for row in key_status(store, store_settings, extra=[_TestBase.metadata])
    }
    assert len(before) == 1
    old_kid = next(iter(before))
    report = rotate_field_keys(store, store_settings, batch_size=3, extra=[_TestBase.metadata])
    assert report.retired_kids == (old_kid,)
    assert report.values_rewritten == 7 * 2 + 2  # name+ssn per patient, alice's name+email
    after = {
        row["kid"]: row for row in key_status(store, store_settings, extra=[_TestBase.metadata])
    }
    assert after[old_kid]["values"] == 0 and not after[old_kid]["active"]
    assert after[report.new_kid]["values"] == 16 and after[report.new_kid]["active"]
    with store.reader() as session:
        assert session.get(PatientRow, 5).name == f"{NAME} 5"
    # A second process that still has the old keyring reads the rewritten rows (reloads on a new kid).
    other = open_store(store_settings)
    try:
        enable_field_encryption(other, store_settings)
        _TestBase.metadata.create_all(other.engine)
        with other.reader() as session:
            row = session.get(PatientRow, 3)
            assert row is not None and row.ssn == SSN
    finally:
        other.close()


def test_encrypted_columns_are_found_across_the_schema() -> None:
    names = {(t.name, c.name) for t, cols in encrypted_columns() for c in cols}
    assert {("security_user", "display_name"), ("security_user", "email")} <= names


def test_wrong_master_secret_is_a_clear_error(tmp_path: Path) -> None:
    settings = load_settings(environ={}, data_dir=str(tmp_path / "d"), secret_key="a" * 40)
    store = open_store(settings)
    enable_field_encryption(store, settings)
    add_user(store, settings, "alice", Role.admin, password=PASSWORD, display_name=NAME)
    store.close()
    wrong = load_settings(environ={}, data_dir=str(tmp_path / "d"), secret_key="b" * 40)
    other = open_store(wrong)
    with pytest.raises(ConfigurationError, match="master secret"):
        enable_field_encryption(other, wrong)
    other.close()


def test_encrypted_column_without_keyring_refuses_to_write_plaintext(tmp_path: Path) -> None:
    settings = load_settings(environ={}, data_dir=str(tmp_path / "d"))
    store = open_store(settings)
    _TestBase.metadata.create_all(store.engine)
    with (
        pytest.raises(Exception, match="field encryption is not enabled"),
        store.transaction() as session,
    ):
        session.add(PatientRow(id=1, name=NAME, ssn=SSN, name_hash=NAME))
    store.close()


def test_keyed_hash_depends_on_the_secret(tmp_path: Path) -> None:
    one = load_settings(environ={}, data_dir=str(tmp_path), secret_key="a" * 40)
    two = load_settings(environ={}, data_dir=str(tmp_path), secret_key="b" * 40)
    assert keyed_hash(one, NAME, purpose="t") == keyed_hash(one, NAME.upper(), purpose="t")
    assert keyed_hash(one, NAME, purpose="t") != keyed_hash(two, NAME, purpose="t")
    assert keyed_hash(one, NAME, purpose="t") != keyed_hash(one, NAME, purpose="u")


def test_copied_sqlite_file_does_not_give_up_phi(tmp_path: Path) -> None:
    """Copy the database (and its WAL) as a thief would, and search the bytes for PHI."""
    settings = load_settings(environ={}, data_dir=str(tmp_path / "data"))
    store = open_store(settings)
    enable_field_encryption(store, settings)
    _TestBase.metadata.create_all(store.engine)
    add_user(
        store, settings, "tquack", Role.reviewer, password=PASSWORD, display_name=NAME, email=EMAIL
    )
    with store.transaction() as session:
        session.add(PatientRow(id=1, name=NAME, email=EMAIL, ssn=SSN, name_hash=NAME))
    with store.reader() as session:
        row = session.get(PatientRow, 1)
        assert row is not None and row.email == EMAIL  # the data really is there
    stolen = tmp_path / "stolen"
    stolen.mkdir()
    for path in (tmp_path / "data").glob("phiwatch.db*"):
        shutil.copy(path, stolen / path.name)
    store.close()
    # Also a checkpointed copy, so nothing hides only in the WAL.
    checkpointed = sqlite3.connect(stolen / "phiwatch.db")
    checkpointed.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    checkpointed.close()
    blobs = b"".join(p.read_bytes() for p in stolen.iterdir())
    assert len(blobs) > 10_000
    for needle in (NAME, EMAIL, SSN, "Quackenbush", "123456789"):
        assert needle.encode() not in blobs, f"{needle!r} found in clear in the copied database"
        assert needle.lower().encode() not in blobs.lower()


def test_new_master_secret_rewraps_keys_and_keeps_hashes(tmp_path: Path) -> None:
    from phiwatch.security import rewrap_keys

    old = load_settings(environ={}, data_dir=str(tmp_path / "d"), secret_key="o" * 40)
    store = open_store(old)
    enable_field_encryption(store, old)
    _TestBase.metadata.create_all(store.engine)
    with store.transaction() as session:
        session.add(PatientRow(id=1, name=NAME, ssn=SSN, name_hash=NAME))
    with store.reader() as session:
        stored_hash = session.execute(text("select name_hash from test_patient")).scalar()
    store.close()

    new = load_settings(environ={}, data_dir=str(tmp_path / "d"), secret_key="n" * 40)
    store = open_store(new)
    assert rewrap_keys(store, new, b"o" * 40) == 2  # the data key and the keyed-hash key
    assert rewrap_keys(store, new, b"o" * 40) == 0  # repeating it is harmless
    enable_field_encryption(store, new)
    with store.reader() as session:
        row = session.scalars(select(PatientRow).where(PatientRow.name_hash == NAME)).one()
        assert row.ssn == SSN and row.name_hash == stored_hash
    wrong = load_settings(environ={}, data_dir=str(tmp_path / "d"), secret_key="z" * 40)
    with pytest.raises(ConfigurationError, match="neither"):
        rewrap_keys(store, wrong, b"x" * 40)
    store.close()
    stale = open_store(old)
    with pytest.raises(ConfigurationError, match="master secret"):
        enable_field_encryption(stale, old)
    stale.close()
