"""API tokens for scripts: ``phw_<prefix>_<secret>``, shown once, stored as a SHA-256 digest.

A token acts with one role, the owner's role when it was made. It stops
working when it is revoked, when it expires, when the owner is disabled, or
when the owner's role changes (a token never outlives the trust it was made
with). A read-only token may only make GET requests. The prefix is public (it
names the token in lists); the secret part has 256 bits of entropy, so a
fast hash is enough, and comparison is by digest lookup.

Every token expires: at most ``token_max_days`` (setting, 90 by default) after
it was made. A token stored without an expiry, or with a longer one (made
before the setting, or under a larger value), stops working at that limit
all the same; ``tokens list`` says which. A token makes another token only
when it was given ``may_create_tokens``, and what it makes never outranks
or outlives it: the same account and role, read-only if it is, expiring no
later than it does; revoking it revokes what it made. Without that rule a
one-day token leaked from a CI log could be traded for a permanent one.
Auditors' tokens are always read-only, as the role is.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from phiwatch.config import Settings
from phiwatch.errors import InputError, NotFoundError, PhiwatchError
from phiwatch.security._fields import enable_field_encryption
from phiwatch.security._principal import Principal
from phiwatch.security._roles import Role
from phiwatch.store import Store
from phiwatch.store.models.security import ApiToken, User

TOKEN_PREFIX = "phw_"  # noqa: S105  (a public marker, not a secret)


class TokenRefused(PhiwatchError):
    """A token asked to make a token it may not make (the web answers 403)."""


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token after it was made (never the secret).

    ``expires_at`` is when it stops working; ``limited`` says the lifetime cap
    (``token_max_days``) cut it short of what was stored (no expiry, or a later one).
    """

    id: int
    username: str
    name: str
    prefix: str
    role: Role
    read_only: bool
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    may_create_tokens: bool = False
    parent_id: int | None = None
    limited: bool = False


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_DEFAULT_MAX_DAYS: int = Settings.model_fields["token_max_days"].default


def max_lifetime(settings: Settings | None) -> timedelta:
    """``token_max_days``; without settings (a caller that only lists or revokes), the default."""
    return timedelta(days=settings.token_max_days if settings else _DEFAULT_MAX_DAYS)


def effective_expiry(
    created_at: datetime, expires_at: datetime | None, settings: Settings | None
) -> tuple[datetime, bool]:
    """When a token stops working, and whether the lifetime cap decided it."""
    cap = _as_utc(created_at) + max_lifetime(settings)
    if expires_at is None or _as_utc(expires_at) > cap:
        return cap, True
    return _as_utc(expires_at), False


def _info(token: ApiToken, username: str, settings: Settings | None) -> TokenInfo:
    expires, limited = effective_expiry(token.created_at, token.expires_at, settings)
    return TokenInfo(
        id=token.id,
        username=username,
        name=token.name,
        prefix=token.prefix,
        role=Role(token.role),
        read_only=token.read_only,
        created_at=token.created_at,
        expires_at=expires,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
        may_create_tokens=token.may_create_tokens,
        parent_id=token.parent_id,
        limited=limited,
    )


def _lifetime(settings: Settings, expires_in: timedelta | None) -> timedelta:
    cap = max_lifetime(settings)
    if expires_in is None:
        return cap
    if expires_in > cap:
        raise InputError(
            f"a token lives at most {settings.token_max_days} days "
            "(setting token_max_days); ask for fewer",
            column="expires_days",
        )
    return expires_in


def _parent_token(
    session: Session, settings: Settings, minted_by: Principal, user: User, now: datetime
) -> ApiToken:
    """The token making a token, checked: it may make tokens, and is still good."""
    parent = session.get(ApiToken, minted_by.token_id) if minted_by.token_id else None
    if parent is None or parent.user_id != user.id or parent.revoked_at is not None:
        raise TokenRefused("this API token is no longer valid")
    if not parent.may_create_tokens:
        raise TokenRefused(
            "this API token may not create tokens; make one with 'may create tokens' "
            "on your account page, or sign in"
        )
    if effective_expiry(parent.created_at, parent.expires_at, settings)[0] <= now:
        raise TokenRefused("this API token has expired")
    return parent


def create_token(
    store: Store,
    settings: Settings,
    username: str,
    name: str,
    *,
    read_only: bool = False,
    expires_in: timedelta | None = None,
    may_create_tokens: bool = False,
    minted_by: Principal | None = None,
) -> tuple[TokenInfo, str]:
    """Make a token for ``username``; returns its info and the token text (show it once).

    ``expires_in`` defaults to the longest allowed (``token_max_days``); longer is
    refused. ``minted_by`` is the caller when a token asks (the web API): the new
    token is then bounded by that one (see the module docstring) and records it
    as its parent. A person signed in, or the CLI, passes a session principal or
    nothing.
    """
    enable_field_encryption(store, settings)
    label = name.strip()
    if not label or len(label) > 100:
        raise InputError("a token name is 1-100 characters, e.g. 'nightly export'")
    lifetime = _lifetime(settings, expires_in)
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    expires_at = now + lifetime
    with store.transaction() as session:
        user = session.scalar(select(User).where(User.username == username.strip().lower()))
        if user is None:
            raise NotFoundError(f"no user named {username!r}")
        if user.disabled:
            raise InputError(f"user {user.username!r} is disabled")
        read_only = read_only or Role(user.role) is Role.auditor
        parent_id: int | None = None
        if minted_by is not None and minted_by.via == "token":
            parent = _parent_token(session, settings, minted_by, user, now)
            parent_expires, _ = effective_expiry(parent.created_at, parent.expires_at, settings)
            if expires_in is not None and now + expires_in > parent_expires:
                raise InputError(
                    "a token cannot outlive the token that makes it "
                    f"(that one expires {parent_expires:%Y-%m-%d %H:%M} UTC)",
                    column="expires_days",
                )
            expires_at = min(expires_at, parent_expires)
            read_only = read_only or parent.read_only
            parent_id = parent.id
        token = ApiToken(
            user_id=user.id,
            name=label,
            prefix=prefix,
            token_hash=_digest(secret),
            role=user.role,
            read_only=read_only,
            may_create_tokens=may_create_tokens and not read_only,
            parent_id=parent_id,
            created_at=now,
            expires_at=expires_at,
        )
        session.add(token)
        session.flush()
        return _info(token, user.username, settings), f"{TOKEN_PREFIX}{prefix}_{secret}"


def list_tokens(
    store: Store, username: str | None = None, *, settings: Settings | None = None
) -> list[TokenInfo]:
    """Tokens (never their secrets); ``settings`` gives the lifetime cap shown in ``expires_at``."""
    with store.reader() as session:
        query = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
        if username is not None:
            query = query.where(User.username == username.strip().lower())
        rows = session.execute(query.order_by(ApiToken.id)).all()
        return [_info(token, name, settings) for token, name in rows]


def revoke_token(
    store: Store, token_id: int, *, owner_id: int | None = None, settings: Settings | None = None
) -> TokenInfo:
    """Revoke a token and every token it made, at any depth (idempotent).

    ``owner_id`` limits it to that user's tokens.
    """
    with store.transaction() as session:
        row = session.execute(
            select(ApiToken, User.username)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.id == token_id)
        ).one_or_none()
        if row is None or (owner_id is not None and row[0].user_id != owner_id):
            raise NotFoundError(f"no API token with id {token_id}")
        token, name = row
        now = datetime.now(UTC)
        pending = [token]
        while pending:
            current = pending.pop()
            if current.revoked_at is None:
                current.revoked_at = now
            made = select(ApiToken).where(ApiToken.parent_id == current.id)
            pending.extend(session.scalars(made))
        return _info(token, name, settings)


_TOKEN_LOOKUP = (
    select(
        ApiToken.id,
        ApiToken.token_hash,
        ApiToken.revoked_at,
        ApiToken.role,
        ApiToken.expires_at,
        ApiToken.created_at,
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
    if effective_expiry(row.created_at, row.expires_at, settings)[0] <= now:
        return None  # expired, or older than token_max_days allows (tokens made without expiry)
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
