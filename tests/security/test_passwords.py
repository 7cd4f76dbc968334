"""Passwords are Argon2id hashes; the policy refuses short ones; timing does not reveal names."""

from __future__ import annotations

import pytest

from phiwatch.errors import InputError
from phiwatch.security._passwords import hash_password, needs_rehash, verify_password

REAL_ARGON2 = True  # the production parameters, not the tests' fast ones


def test_hash_is_argon2id_and_verifies() -> None:
    stored = hash_password("a long enough passphrase")
    assert stored.startswith("$argon2id$")
    assert "a long enough passphrase" not in stored
    assert verify_password(stored, "a long enough passphrase")
    assert not verify_password(stored, "a long enough passphrasE")
    assert not needs_rehash(stored)


def test_same_password_hashes_differently() -> None:
    assert hash_password("a long enough passphrase") != hash_password("a long enough passphrase")


@pytest.mark.parametrize("password", ["short", "           x", " " * 20])
def test_policy_refuses_weak_passwords(password: str) -> None:
    with pytest.raises(InputError):
        hash_password(password)


def test_missing_hash_never_verifies() -> None:
    assert not verify_password(None, "phiwatch-dummy-password-for-timing")
    assert not verify_password("not a hash", "whatever")
