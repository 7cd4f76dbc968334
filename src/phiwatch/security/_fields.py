"""PHI columns encrypted at rest (AES-GCM) and searchable through keyed hashes.

Declare a PHI column with ``EncryptedText()``; values are encrypted when
written and decrypted when read, so model code handles plain strings. A
column that must be searched by equality gets a companion ``KeyedHash()``
column: the value's HMAC-SHA256 under a random key kept, wrapped, in the key
table, so ``where(Patient.surname_hash == "Smith")`` hashes the literal too
and finds the row without the name ever being stored in clear.

Envelope encryption: the data that is encrypted uses random *data keys*
(table ``security_field_key``), each stored wrapped under
``derive_key(settings, "field-encryption")``. Every ciphertext names the
key that made it (``phw1.<kid>.<base64>``), so ``phiwatch keys rotate`` can
add a new active key and re-encrypt rows in small batches while the server
keeps running: old rows stay readable under their old key until rewritten.

A new master secret only re-wraps the stored keys (``phiwatch keys rewrap``):
no value is re-encrypted and no keyed hash changes.

The cipher is attached to the engine's dialect by
``enable_field_encryption(store, settings)``; a column used before that
raises a ``ConfigurationError`` instead of writing plaintext.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
import unicodedata
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from phiwatch.config import Settings
from phiwatch.errors import ConfigurationError
from phiwatch.security._keys import derive_key

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from phiwatch.store import Store

_PREFIX = "phw1"
_NONCE_BYTES = 12
_RELOAD_SECONDS = 30.0
_DIALECT_ATTRIBUTE = "_phiwatch_field_cipher"
# The key table also holds the (random, wrapped) key of keyed hashes under this id, so a
# new master secret only re-wraps keys: stored hashes stay valid.
HASH_KID = "keyed-hash"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode("ascii"))


def normalise_for_hash(value: str) -> str:
    """Case, accents-as-composed and spacing do not change a keyed hash."""
    text = unicodedata.normalize("NFKC", value).casefold()
    return " ".join(text.split())


class FieldCipher:
    """The keyring for one store: data keys by id, the active one, and the hash key.

    It re-reads the key table when it meets an unknown key id, and at most
    every 30 seconds for the active key, so a rotation made by another
    process is picked up without a restart.
    """

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._wrapping = AESGCM(derive_key(settings, "field-encryption"))
        self._hash_key: bytes | None = None
        self._keys: dict[str, AESGCM] = {}
        self._active: str | None = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    # -- key table -------------------------------------------------------
    def _unwrap(self, kid: str, wrapped: str) -> bytes:
        try:
            return unwrap_with(self._wrapping, kid, wrapped)
        except InvalidTag:
            raise ConfigurationError(
                f"field-encryption key {kid} cannot be unwrapped: the master secret is not the "
                "one this database was encrypted with"
            ) from None

    def wrap(self, kid: str, key: bytes) -> str:
        return wrap_with(self._wrapping, kid, key)

    def reload(self) -> None:
        from sqlalchemy import select

        from phiwatch.store.models.security import FieldKey

        with self._engine.connect() as connection:
            rows = connection.execute(select(FieldKey.kid, FieldKey.wrapped, FieldKey.active)).all()
        keys = {
            row.kid: self._keys.get(row.kid) or AESGCM(self._unwrap(row.kid, row.wrapped))
            for row in rows
            if row.kid != HASH_KID
        }
        hash_rows = [row for row in rows if row.kid == HASH_KID]
        hash_key = self._hash_key
        if hash_key is None and hash_rows:
            hash_key = self._unwrap(HASH_KID, hash_rows[0].wrapped)
        active = [row.kid for row in rows if row.active]
        with self._lock:
            self._hash_key = hash_key
            self._keys = keys
            self._active = active[0] if active else None
            self._loaded_at = time.monotonic()

    def _fresh(self) -> None:
        if time.monotonic() - self._loaded_at > _RELOAD_SECONDS:
            self.reload()

    @property
    def active_kid(self) -> str:
        self._fresh()
        if self._active is None:
            raise ConfigurationError("no active field-encryption key; run: phiwatch keys rotate")
        return self._active

    def known_kids(self) -> set[str]:
        return set(self._keys)

    # -- values ----------------------------------------------------------
    def encrypt(self, plaintext: str) -> str:
        kid = self.active_kid
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = self._keys[kid].encrypt(nonce, plaintext.encode("utf-8"), kid.encode())
        return f"{_PREFIX}.{kid}.{_b64(nonce + sealed)}"

    def decrypt(self, stored: str) -> str:
        kid = kid_of(stored)
        if kid not in self._keys:
            self.reload()
        if kid not in self._keys:
            raise ConfigurationError(f"field-encryption key {kid} is not in the key table")
        raw = _unb64(stored.split(".", 2)[2])
        try:
            plain = self._keys[kid].decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], kid.encode())
        except InvalidTag:
            raise ConfigurationError(
                f"an encrypted value under key {kid} failed its integrity check"
            ) from None
        return plain.decode("utf-8")

    @property
    def hash_key(self) -> bytes:
        if self._hash_key is None:
            self.reload()
        if self._hash_key is None:
            raise ConfigurationError("the keyed-hash key is missing from the key table")
        return self._hash_key

    def keyed_hash(self, value: str) -> str:
        digest = hmac.new(self.hash_key, normalise_for_hash(value).encode("utf-8"), hashlib.sha256)
        return digest.hexdigest()


def unwrap_with(wrapping: AESGCM, kid: str, wrapped: str) -> bytes:
    """A stored key unwrapped with ``wrapping`` (raises ``InvalidTag`` for the wrong one)."""
    raw = _unb64(wrapped)
    return wrapping.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], kid.encode())


def wrap_with(wrapping: AESGCM, kid: str, key: bytes) -> str:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return _b64(nonce + wrapping.encrypt(nonce, key, kid.encode()))


def kid_of(stored: str) -> str:
    """The key id a stored ciphertext was made with."""
    parts = stored.split(".", 2)
    if len(parts) != 3 or parts[0] != _PREFIX:
        raise ConfigurationError("a value in an encrypted column is not a phiwatch ciphertext")
    return parts[1]


def cipher_for(dialect: Dialect) -> FieldCipher:
    cipher = getattr(dialect, _DIALECT_ATTRIBUTE, None)
    if cipher is None:
        raise ConfigurationError(
            "field encryption is not enabled on this store; call "
            "phiwatch.security.enable_field_encryption(store, settings) after open_store"
        )
    return cipher  # type: ignore[no-any-return]


def new_data_key(cipher: FieldCipher) -> tuple[str, str]:
    """A fresh data key: its id and its wrapped form, ready for the key table."""
    kid = secrets.token_hex(4)
    return kid, cipher.wrap(kid, AESGCM.generate_key(bit_length=256))


def enable_field_encryption(store: Store, settings: Settings) -> FieldCipher:
    """Attach the keyring to ``store`` (creating the first data key if there is none).

    Idempotent: a store that already has a cipher keeps it.
    """
    from sqlalchemy import select

    from phiwatch.store.models.security import FieldKey

    existing = getattr(store.engine.dialect, _DIALECT_ATTRIBUTE, None)
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    cipher = FieldCipher(store.engine, settings)
    with store.transaction() as session:
        kids = set(session.scalars(select(FieldKey.kid)))
        if not kids - {HASH_KID}:
            kid, wrapped = new_data_key(cipher)
            session.add(FieldKey(kid=kid, wrapped=wrapped, active=True))
        if HASH_KID not in kids:
            session.add(
                FieldKey(kid=HASH_KID, wrapped=cipher.wrap(HASH_KID, secrets.token_bytes(32)))
            )
    cipher.reload()
    setattr(store.engine.dialect, _DIALECT_ATTRIBUTE, cipher)
    return cipher


class EncryptedText(TypeDecorator[str]):
    """A text column whose values are stored AES-GCM encrypted (``None`` stays NULL)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return cipher_for(dialect).encrypt(value)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return cipher_for(dialect).decrypt(str(value))


class KeyedHash(TypeDecorator[str]):
    """A column holding HMAC-SHA256 of a normalised value: equality search without plaintext.

    Assign the plain value and compare with the plain value; both are hashed.
    Reading the column gives the hex digest, never the value.
    """

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return cipher_for(dialect).keyed_hash(value)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)


def keyed_hash(settings: Settings, value: str, *, purpose: str) -> str:
    """A keyed hash outside the database, under the key derived for ``purpose``.

    For values that need not survive a new master secret (rate-limit counters);
    ``KeyedHash`` columns use the stored key instead.
    """
    key = derive_key(settings, purpose)
    return hmac.new(key, normalise_for_hash(value).encode("utf-8"), hashlib.sha256).hexdigest()
