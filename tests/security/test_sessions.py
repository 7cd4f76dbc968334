"""Sessions: a token in the cookie, a digest in the store; idle, absolute and sign-out ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text, update

from phiwatch.security import (
    Role,
    SessionPolicy,
    add_user,
    end_session,
    resolve_session,
    start_session,
)
from phiwatch.security._sessions import session_id_of
from phiwatch.store.models.security import UserSession
from tests.security.conftest import PASSWORD


def _user(store, settings):
    return add_user(store, settings, "alice", Role.reviewer, password=PASSWORD)


def _age(store, token, *, created=timedelta(0), seen=timedelta(0)):
    now = datetime.now(UTC)
    with store.transaction() as session:
        session.execute(
            update(UserSession)
            .where(UserSession.id == session_id_of(token))
            .values(created_at=now - created, last_seen_at=now - seen)
        )


def test_session_resolves_and_ends_on_the_server(store, store_settings) -> None:
    user = _user(store, store_settings)
    token = start_session(store, user.id, address="127.0.0.1")
    principal = resolve_session(store, store_settings, token, SessionPolicy())
    assert principal is not None and principal.username == "alice" and principal.via == "session"
    with store.reader() as session:
        ids = [row[0] for row in session.execute(text("select id from security_session"))]
    assert token not in ids and session_id_of(token) in ids
    end_session(store, token)
    assert resolve_session(store, store_settings, token, SessionPolicy()) is None


def test_idle_and_absolute_timeouts(store, store_settings) -> None:
    user = _user(store, store_settings)
    policy = SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=12))
    idle = start_session(store, user.id, address=None)
    _age(store, idle, created=timedelta(minutes=31), seen=timedelta(minutes=31))
    assert resolve_session(store, store_settings, idle, policy) is None
    old = start_session(store, user.id, address=None)
    _age(store, old, created=timedelta(hours=13), seen=timedelta(minutes=1))
    assert resolve_session(store, store_settings, old, policy) is None
    fresh = start_session(store, user.id, address=None)
    _age(store, fresh, created=timedelta(hours=11), seen=timedelta(minutes=29))
    assert resolve_session(store, store_settings, fresh, policy) is not None


def test_new_session_replaces_the_old_one(store, store_settings) -> None:
    user = _user(store, store_settings)
    first = start_session(store, user.id, address=None)
    second = start_session(store, user.id, address=None, replaces=first)
    assert resolve_session(store, store_settings, first, SessionPolicy()) is None
    assert resolve_session(store, store_settings, second, SessionPolicy()) is not None


def test_unknown_token_resolves_to_nobody(store, store_settings) -> None:
    assert resolve_session(store, store_settings, "made-up", SessionPolicy()) is None
