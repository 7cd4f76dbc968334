"""API tokens for scripts: ``phw_<prefix>_<secret>``, shown once, stored as a SHA-256 digest.

A token acts with one role, the owner's role when it was made. It stops
working when it is revoked, when it expires, when the owner is disabled, or
when the owner's role changes (a token never outlives the trust it was made
with). A read-only token may only make GET requests. The prefix is public (it
names the token in lists); the secret part has 256 bits of entropy, so a
fast hash is enough, and comparison is by digest lookup.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, select

from phiwatch.config import Settings
from phiwatch.errors import InputError, NotFoundError
from phiwatch.security._fields import enable_field_encryption
from phiwatch.security._principal import Principal
from phiwatch.security._roles import Role
from phiwatch.store import Store
from phiwatch.store.models.security import ApiToken, User

TOKEN_PREFIX = "phw_"  # noqa: S105  (a public marker, not a secret)


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token after it was made (never the secret)."""

    id: int
    username: str
    name: str
    prefix: str
    role: Role
    read_only: bool
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _info(token: ApiToken, username: str) -> TokenInfo:
    return TokenInfo(
        id=token.id,
        username=username,
        name=token.name,
        prefix=token.prefix,
        role=Role(token.role),
        read_only=token.read_only,
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
    )


def create_token(
    store: Store,
    settings: Settings,
    username: str,
    name: str,
    *,
    read_only: bool = False,
    expires_in: timedelta | None = None,
) -> tuple[TokenInfo, str]:
    """Make a token for ``username``; returns its info and the token text (show it once)."""
    enable_field_encryption(store, settings)
    label = name.strip()
    if not label or len(label) > 100:
        raise InputError("a token name is 1-100 characters, e.g. 'nightly export'")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with store.transaction() as session:
        user = session.scalar(select(User).where(User.username == username.strip().lower()))
        if user is None:
            raise NotFoundError(f"no user named {username!r}")
        if user.disabled:
            raise InputError(f"user {user.username!r} is disabled")
        token = ApiToken(
            user_id=user.id,
            name=label,
            prefix=prefix,
            token_hash=_digest(secret),
            role=user.role,
            read_only=read_only,
            created_at=now,
            expires_at=now + expires_in if expires_in else None,
        )
        session.add(token)
        session.flush()
        return _info(token, user.username), f"{TOKEN_PREFIX}{prefix}_{secret}"


def list_tokens(store: Store, username: str | None = None) -> list[TokenInfo]:
    with store.reader() as session:
        query = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
        if username is not None:
            query = query.where(User.username == username.strip().lower())
        rows = session.execute(query.order_by(ApiToken.id)).all()
        return [_info(token, name) for token, name in rows]


def revoke_token(store: Store, token_id: int, *, owner_id: int | None = None) -> TokenInfo:
    """Revoke a token (idempotent). ``owner_id`` limits it to that user's tokens."""
    with store.transaction() as session:
        row = session.execute(
            select(ApiToken, User.username)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.id == token_id)
        ).one_or_none()
        if row is None or (owner_id is not None and row[0].user_id != owner_id):
            raise NotFoundError(f"no API token with id {token_id}")
        token, name = row
        if token.revoked_at is None:
            token.revoked_at = datetime.now(UTC)
        return _info(token, name)


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_TOKEN_LOOKUP = (
    select(
        ApiToken.id,
        ApiToken.token_hash,
        ApiToken.revoked_at,
        ApiToken.role,
        ApiToken.expires_at,
        ApiToken.last_used_at,
        ApiToken.read_only,
        User.id.label("user_id"),
        User.username,
        User.disabled,
        User.role.label("user_role"),
        User.display_name,
    )
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.prefix == bindparam("prefix"))
)


def authenticate_token(store: Store, settings: Settings, text: str) -> Principal | None:
    """The principal a bearer token stands for, or None when it is not (or no longer) valid."""
    if not text.startswith(TOKEN_PREFIX) or text.count("_") < 2:
        return None
    prefix, _, secret = text[len(TOKEN_PREFIX) :].partition("_")
    enable_field_encryption(store, settings)
    now = datetime.now(UTC)
    # Core, not ORM objects: every API request passes here, and loading two mapped objects
    # cost more than the rest of a cached page.
    with store.engine.connect() as connection:
        row = connection.execute(_TOKEN_LOOKUP, {"prefix": prefix}).one_or_none()
    if row is None:
        return None
    if not hmac.compare_digest(row.token_hash, _digest(secret)):
        return None
    if row.revoked_at is not None or row.disabled or row.role != row.user_role:
        return None
    if row.expires_at is not None and _as_utc(row.expires_at) <= now:
        return None
    last_used = row.last_used_at
    if last_used is None or now - _as_utc(last_used) > timedelta(minutes=1):
        with store.transaction() as session:
            fresh = session.get(ApiToken, row.id)
            if fresh is not None:
                fresh.last_used_at = now
    return Principal(
        user_id=row.user_id,
        username=row.username,
        role=Role(row.role),
        via="token",
        display_name=row.display_name,
        read_only=row.read_only,
        token_id=row.id,
    )
