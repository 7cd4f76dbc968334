"""Keyed pseudonyms for the identifiers that enter the lake.

A user or patient identifier is replaced by HMAC-SHA256(key, identifier),
hex, truncated to 128 bits, where the key is derived for the purpose
``lake-pseudonym``. Without the key nobody can test a guessed identifier
against the lake, so a copy of the lake gives up no identifier; with the key
(phiwatch itself) the clear identifier of a context record maps to the same
pseudonym, which is how detections join events to context.

The same function exists twice, once as a DuckDB SQL expression (ingest
hashes each distinct identifier once, vectorised) and once in Python (for
context rows and lookups); a test checks that they agree.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from phiwatch.config import Settings
from phiwatch.security import derive_key

PSEUDONYM_PURPOSE = "lake-pseudonym"
PSEUDONYM_HEX_LENGTH = 32
_BLOCK = 64


def pseudonym_key(settings: Settings) -> bytes:
    """The installation's key for lake pseudonyms."""
    return derive_key(settings, PSEUDONYM_PURPOSE)


def pseudonymise(key: bytes, identifier: str) -> str:
    """The pseudonym of one identifier (Python twin of :func:`pseudonym_sql`)."""
    digest = hmac.new(key, identifier.encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_HEX_LENGTH]


def _pads(key: bytes) -> tuple[str, str]:
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    padded = key.ljust(_BLOCK, b"\0")
    inner = bytes(b ^ 0x36 for b in padded).hex()
    outer = bytes(b ^ 0x5C for b in padded).hex()
    return inner, outer


def pseudonym_sql(key: bytes, column: str) -> str:
    """A DuckDB expression computing the HMAC pseudonym of ``column`` (NULL stays NULL).

    HMAC is spelled out from two SHA-256 calls because DuckDB has no HMAC
    function; the key only ever appears inside this in-process query.
    """
    inner, outer = _pads(key)
    return (
        f"left(sha256(unhex('{outer}') || unhex(sha256(unhex('{inner}') || encode({column})))), "
        f"{PSEUDONYM_HEX_LENGTH})"
    )


def row_id_sql(key: bytes, columns: list[tuple[str, str]]) -> str:
    """A keyed MD5 over a row's fields: the identity of a CSV record.

    ``columns`` are (quoted column, DuckDB type) pairs in file order. Keyed,
    so that the id cannot be used to confirm a guessed (user, patient, time)
    combination; MD5 because it is the fastest hash DuckDB has that nobody can
    invert or bias without the key. One ``concat`` call (NULL written as
    chr(0), so fields keep their positions) is twice as fast as chaining
    ``||``; times enter as epoch microseconds, whatever their text looked like.
    """
    salt = hashlib.sha256(b"row-id" + key).hexdigest()[:32]
    parts = []
    for column, kind in columns:
        if kind.startswith("TIMESTAMP"):
            parts.append(f"coalesce(CAST(epoch_us({column}) AS VARCHAR), chr(0))")
        elif kind == "VARCHAR":
            parts.append(f"coalesce({column}, chr(0))")
        else:
            parts.append(f"coalesce(CAST({column} AS VARCHAR), chr(0))")
    # The unit separator is written between fields, a fifth cheaper than concat_ws
    # (the bytes hashed are the same: no part is ever NULL).
    return f"md5(concat('{salt}', {', '.join('chr(31), ' + part for part in parts)}))"


def source_id_sql(key: bytes, source_id: str, patient: str) -> str:
    """A keyed MD5 of a CSV record's own id and its patient: the record's identity.

    Where an export numbers its accesses, the id says which access a row is
    (a search over many patients is one id on several rows, hence the
    patient). Hashing these two fields is about a third of the cost of
    hashing the whole row: with a 22-character key they fit one MD5 block.
    Keyed for the same reason as :func:`row_id_sql`; ``patient`` NULL is
    hashed as chr(0), so that it differs from an empty one.
    """
    salt = base64.urlsafe_b64encode(hashlib.sha256(b"source-id" + key).digest()[:16])
    return (
        f"md5(concat('{salt.decode().rstrip('=')}', chr(31), {source_id}, chr(31), "
        f"coalesce({patient}, chr(0))))"
    )
