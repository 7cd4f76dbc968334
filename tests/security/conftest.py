"""Fixtures for phiwatch.security tests: a store with field encryption on."""

from __future__ import annotations

import pytest

from phiwatch.config import Settings
from phiwatch.security import enable_field_encryption
from phiwatch.store import Store

PASSWORD = "correct horse battery staple"


@pytest.fixture
def secure_store(store: Store, tmp_path) -> Store:
    """The parametrised store (SQLite and PostgreSQL) with its keyring attached."""
    enable_field_encryption(store, settings_for(store, tmp_path))
    return store


def settings_for(store: Store, tmp_path) -> Settings:
    from phiwatch.config import load_settings

    return load_settings(
        environ={},
        data_dir=str(tmp_path / "data"),
        database_url=store.engine.url.render_as_string(hide_password=False),
    )


@pytest.fixture
def store_settings(store: Store, tmp_path) -> Settings:
    """Settings matching ``store`` (same data dir, so the same master secret)."""
    return settings_for(store, tmp_path)


@pytest.fixture(autouse=True)
def fast_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with small parameters, so tests about accounts are not tests of patience.

    The production parameters are exercised in test_passwords.py, which opts out.
    """
    if getattr(request.module, "REAL_ARGON2", False):
        return
    from argon2 import PasswordHasher

    from phiwatch.security import _passwords

    monkeypatch.setattr(
        _passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
