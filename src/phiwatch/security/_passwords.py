"""Passwords: Argon2id hashes (argon2-cffi), a minimum length, and constant-ish timing.

Verifying against a dummy hash when the account does not exist keeps the
time of a failed sign-in the same whether or not the name is real, so the
sign-in form does not tell an attacker which accounts exist.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from phiwatch.errors import InputError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024

# argon2-cffi's defaults are the RFC 9106 "low memory" profile of Argon2id.
_hasher = PasswordHasher()
_dummy_hashes: dict[str, str] = {}


def _dummy_hash() -> str:
    """A real hash made with today's parameters (made on first use: it costs ~0.1 s)."""
    key = repr((_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism))
    if key not in _dummy_hashes:
        _dummy_hashes[key] = _hasher.hash("phiwatch-dummy-password-for-timing")
    return _dummy_hashes[key]


def check_password_policy(password: str) -> None:
    """Refuse short, over-long or blank passwords (length matters more than character classes)."""
    if len(password.strip()) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"the password must be at least {MIN_PASSWORD_LENGTH} characters, not counting "
            "spaces at either end"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InputError(f"the password must be at most {MAX_PASSWORD_LENGTH} characters")
    if not password.strip():
        raise InputError("the password must not be blank")


def hash_password(password: str) -> str:
    check_password_policy(password)
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; a missing hash costs the same time and fails."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored_hash)
