"""Keys: one master secret, and a separate key derived from it for each purpose.

Deriving (HKDF-SHA256) rather than reusing one key means a key that leaks
from one use (say, the lake's pseudonyms) does not open another (field
encryption). The master secret comes from ``PHIWATCH_SECRET_KEY`` or a key
file; when neither exists, a random one is written to
``<data_dir>/secret.key`` with mode 0600 on first use, like an SSH host key.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from phiwatch.config import Settings, private_dir
from phiwatch.errors import ConfigurationError

_MIN_SECRET_LENGTH = 32
_PLACEHOLDERS = frozenset({"changethis", "changeme", "secret", "password"})


def _key_file(settings: Settings) -> Path:
    return settings.secret_key_file or settings.data_dir / "secret.key"


def read_secret_file(path: Path) -> str:
    """A secret from a file other users cannot read (the old master secret, for rotation)."""
    return _read_key_file(path)


def _read_key_file(path: Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigurationError(
            f"{path} is readable by other users (mode {mode:o}); run: chmod 600 {path}"
        )
    return path.read_text(encoding="utf-8").strip()


def _create_key_file(path: Path) -> str:
    private_dir(path.parent)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    return secret


def master_secret(settings: Settings) -> bytes:
    """The master secret, refusing placeholders and short values."""
    if settings.secret_key is not None:
        secret = settings.secret_key.get_secret_value()
    else:
        path = _key_file(settings)
        try:
            secret = _read_key_file(path)
        except FileNotFoundError:
            if settings.secret_key_file is not None:
                raise ConfigurationError(f"secret key file {path} does not exist") from None
            try:
                secret = _create_key_file(path)
            except FileExistsError:  # another process created it first
                secret = _read_key_file(path)
    if secret.lower() in _PLACEHOLDERS or len(secret) < _MIN_SECRET_LENGTH:
        raise ConfigurationError(
            f"the secret key must be at least {_MIN_SECRET_LENGTH} random characters "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    return secret.encode("utf-8")


def derive_key(settings: Settings, purpose: str, *, length: int = 32) -> bytes:
    """A key for one ``purpose`` (e.g. ``"lake-pseudonym"``, ``"field-encryption"``)."""
    return derive_key_from(master_secret(settings), purpose, length=length)


def derive_key_from(secret: bytes, purpose: str, *, length: int = 32) -> bytes:
    """``derive_key`` for a given master secret (key rotation needs the old one's keys too)."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=length,
        salt=b"phiwatch-v1",
        info=purpose.encode("utf-8"),
    ).derive(secret)
