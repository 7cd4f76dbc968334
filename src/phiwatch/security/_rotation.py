"""Field-key rotation: a new active data key, then every encrypted value rewritten under it.

Rotation never stops the service. It first makes a new key active (servers
pick it up within 30 seconds, or at once when they meet its id), then walks
every ``EncryptedText`` column of every table in small batches, each its own
transaction, rewriting values made with older keys. Old keys stay in the
table so a value written by a server that had not yet seen the new key is
still readable; ``phiwatch keys status`` counts what each key still protects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Column, MetaData, Table, Text, select, tuple_, type_coerce, update

from phiwatch.config import Settings
from phiwatch.errors import ConfigurationError
from phiwatch.security._fields import (
    HASH_KID,
    EncryptedText,
    FieldCipher,
    enable_field_encryption,
    kid_of,
    new_data_key,
    unwrap_with,
    wrap_with,
)
from phiwatch.security._keys import derive_key, derive_key_from
from phiwatch.store import Base, Store
from phiwatch.store.models.security import FieldKey


@dataclass(frozen=True)
class RotationReport:
    new_kid: str
    retired_kids: tuple[str, ...]
    values_rewritten: int


def encrypted_columns(
    extra: Sequence[MetaData] = (),
) -> list[tuple[Table, list[Column[str]]]]:
    """Every table with ``EncryptedText`` columns, and those columns (any capability's).

    ``extra`` adds schemas kept outside phiwatch's own ``Base`` (tests, plugins).
    """
    found: list[tuple[Table, list[Column[str]]]] = []
    tables = [t for metadata in (Base.metadata, *extra) for t in metadata.sorted_tables]
    for table in tables:
        columns = [c for c in table.columns if isinstance(c.type, EncryptedText)]
        if columns:
            found.append((table, columns))
    return found


def key_status(
    store: Store, settings: Settings, *, extra: Sequence[MetaData] = ()
) -> list[dict[str, object]]:
    """Each data key, whether it is active, and how many stored values it protects."""
    enable_field_encryption(store, settings)
    counts: Counter[str] = Counter()
    with store.reader() as session:
        for _table, columns in encrypted_columns(extra):
            for column in columns:
                raw = type_coerce(column, Text)
                for (value,) in session.execute(select(raw).where(column.is_not(None))):
                    counts[kid_of(value)] += 1
        keys = session.scalars(select(FieldKey).order_by(FieldKey.created_at)).all()
    return [
        {"kid": k.kid, "active": k.active, "created_at": k.created_at, "values": counts[k.kid]}
        for k in keys
        if k.kid != HASH_KID
    ]


def rotate_field_keys(
    store: Store,
    settings: Settings,
    *,
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
    extra: Sequence[MetaData] = (),
) -> RotationReport:
    """Activate a new data key and re-encrypt every value made with an older one."""
    cipher = enable_field_encryption(store, settings)
    kid, wrapped = new_data_key(cipher)
    with store.transaction() as session:
        retired = tuple(session.scalars(select(FieldKey.kid).where(FieldKey.active)).all())
        session.execute(update(FieldKey).values(active=False))
        session.add(FieldKey(kid=kid, wrapped=wrapped, active=True))
    cipher.reload()
    rewritten = 0
    for table, columns in encrypted_columns(extra):
        rewritten += _rewrite_table(store, table, columns, cipher, kid, batch_size, progress)
    return RotationReport(new_kid=kid, retired_kids=retired, values_rewritten=rewritten)


def _rewrite_table(
    store: Store,
    table: Table,
    columns: list[Column[str]],
    cipher: FieldCipher,
    active: str,
    batch_size: int,
    progress: Callable[[int], None] | None,
) -> int:
    pk = list(table.primary_key.columns)
    raw_columns = [type_coerce(c, Text).label(c.name) for c in columns]
    rewritten = 0
    last: tuple[object, ...] | None = None
    while True:
        query = select(*pk, *raw_columns).order_by(*pk).limit(batch_size)
        if last is not None:
            query = query.where(tuple_(*pk) > tuple_(*last))
        with store.transaction() as session:
            rows = session.execute(query).all()
            for row in rows:
                changes: dict[str, str] = {}
                for column in columns:
                    value = getattr(row, column.name)
                    if value is not None and kid_of(value) != active:
                        changes[column.name] = cipher.encrypt(cipher.decrypt(value))
                if changes:
                    condition = [c == getattr(row, c.name) for c in pk]
                    raw_values = {name: type_coerce(v, Text) for name, v in changes.items()}
                    session.execute(update(table).where(*condition).values(raw_values))
                    rewritten += len(changes)
        if progress is not None:
            progress(len(rows))
        if len(rows) < batch_size:
            return rewritten
        last = tuple(getattr(row, c.name) for c in pk)


def rewrap_keys(store: Store, settings: Settings, old_secret: bytes) -> int:
    """After a new master secret: re-wrap every stored key under it; returns how many.

    ``settings`` carry the new secret. Values and keyed hashes are untouched
    (the keys themselves do not change). Running servers keep the keys they
    have unwrapped; restart them with the new secret. Safe to repeat: a key
    already under the new secret is left alone.
    """
    old = AESGCM(derive_key_from(old_secret, "field-encryption"))
    new = AESGCM(derive_key(settings, "field-encryption"))
    rewrapped = 0
    with store.transaction() as session:
        for key in session.scalars(select(FieldKey)):
            try:
                raw = unwrap_with(old, key.kid, key.wrapped)
            except InvalidTag:
                try:
                    unwrap_with(new, key.kid, key.wrapped)
                except InvalidTag:
                    raise ConfigurationError(
                        f"key {key.kid} opens with neither the old nor the current master secret"
                    ) from None
                continue
            key.wrapped = wrap_with(new, key.kid, raw)
            rewrapped += 1
    return rewrapped
