"""Browser sessions: a random token in the cookie, its SHA-256 in the store.

A session ends when the person signs out (on the server, so a copied cookie
is dead too), after ``idle`` without a request, or ``absolute`` after sign-in
whatever the activity. A new session is made at every sign-in (the old one,
if the browser had one, is ended), so a session id planted before sign-in is
worthless after it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, select, update

from phiwatch.config import Settings
from phiwatch.security._fields import enable_field_encryption
from phiwatch.security._principal import Principal
from phiwatch.security._roles import Role
from phiwatch.store import Store
from phiwatch.store.models.security import User, UserSession

# Writing last_seen on every request would make every page view a write; a minute is
# fine-grained enough for a 30-minute idle timeout.
_TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)

    @property
    def touch_every(self) -> timedelta:
        return min(_TOUCH_EVERY, self.idle / 4)


def session_id_of(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def start_session(
    store: Store, user_id: int, *, address: str | None, replaces: str | None = None
) -> str:
    """A new session for ``user_id``; returns the token for the cookie (shown nowhere else)."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with store.transaction() as session:
        if replaces:
            session.execute(
                update(UserSession)
                .where(UserSession.id == session_id_of(replaces))
                .values(ended_at=now)
            )
        session.add(
            UserSession(
                id=session_id_of(token),
                user_id=user_id,
                created_at=now,
                last_seen_at=now,
                address=address[:64] if address else None,
            )
        )
    return token


_SESSION_LOOKUP = (
    select(
        UserSession.ended_at,
        UserSession.last_seen_at,
        UserSession.created_at,
        User.id.label("user_id"),
        User.username,
        User.role,
        User.display_name,
        User.disabled,
    )
    .join(User, User.id == UserSession.user_id)
    .where(UserSession.id == bindparam("sid"))
)


def resolve_session(
    store: Store, settings: Settings, token: str, policy: SessionPolicy
) -> Principal | None:
    """The principal of a live session, or None (unknown, ended, idle, too old, disabled)."""
    enable_field_encryption(store, settings)
    now = datetime.now(UTC)
    sid = session_id_of(token)
    # Core and a prebuilt query, not ORM objects: every page a browser loads passes here.
    with store.engine.connect() as connection:
        row = connection.execute(_SESSION_LOOKUP, {"sid": sid}).one_or_none()
    if row is None:
        return None
    if row.ended_at is not None or row.disabled:
        return None
    last_seen = _as_utc(row.last_seen_at)
    expired = now - last_seen > policy.idle or now - _as_utc(row.created_at) > policy.absolute
    if expired:
        end_session(store, token)
        return None
    if now - last_seen > policy.touch_every:
        with store.transaction() as session:
            session.execute(
                update(UserSession).where(UserSession.id == sid).values(last_seen_at=now)
            )
    return Principal(
        user_id=row.user_id,
        username=row.username,
        role=Role(row.role),
        via="session",
        display_name=row.display_name,
        session_id=sid,
    )


def end_session(store: Store, token: str) -> None:
    """End the session on the server; the cookie is worthless afterwards."""
    with store.transaction() as session:
        session.execute(
            update(UserSession)
            .where(UserSession.id == session_id_of(token), UserSession.ended_at.is_(None))
            .values(ended_at=datetime.now(UTC))
        )
