"""API tokens: shown once, stored hashed, scoped to the owner's role, revocable, expiring."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from phiwatch.errors import InputError, NotFoundError
from phiwatch.security import (
    Role,
    add_user,
    authenticate_token,
    create_token,
    list_tokens,
    revoke_token,
    set_disabled,
    set_role,
)
from tests.security.conftest import PASSWORD


@pytest.fixture
def alice(store, store_settings):
    return add_user(store, store_settings, "alice", Role.auditor, password=PASSWORD)


def test_token_authenticates_with_the_owners_role(store, store_settings, alice) -> None:
    info, token = create_token(store, store_settings, "alice", "nightly export", read_only=True)
    assert token.startswith("phw_")
    principal = authenticate_token(store, store_settings, token)
    assert principal is not None
    assert (principal.username, principal.role, principal.read_only, principal.via) == (
        "alice",
        Role.auditor,
        True,
        "token",
    )
    assert list_tokens(store, "alice")[0].last_used_at is not None
    assert info.role is Role.auditor


def test_token_is_stored_hashed(store, store_settings, alice) -> None:
    _, token = create_token(store, store_settings, "alice", "script")
    secret = token.split("_", 2)[2]
    with store.reader() as session:
        rows = session.execute(text("select * from security_api_token")).all()
    assert secret not in " ".join(str(v) for row in rows for v in row)


def test_forged_tokens_fail(store, store_settings, alice) -> None:
    info, _ = create_token(store, store_settings, "alice", "script")
    for forged in ["phw_", "phw_nope_nope", "Bearer", "", f"phw_{info.prefix}_wrongsecret"]:
        assert authenticate_token(store, store_settings, forged) is None, forged


def test_revoked_expired_disabled_and_role_changed_tokens_stop_working(
    store, store_settings, alice
) -> None:
    revoked, t1 = create_token(store, store_settings, "alice", "one")
    revoke_token(store, revoked.id)
    assert authenticate_token(store, store_settings, t1) is None

    _, t2 = create_token(store, store_settings, "alice", "two", expires_in=timedelta(seconds=-1))
    assert authenticate_token(store, store_settings, t2) is None

    _, t3 = create_token(store, store_settings, "alice", "three")
    set_disabled(store, store_settings, "alice", True)
    assert authenticate_token(store, store_settings, t3) is None
    set_disabled(store, store_settings, "alice", False)
    assert authenticate_token(store, store_settings, t3) is not None
    set_role(store, store_settings, "alice", Role.privacy_officer)
    assert authenticate_token(store, store_settings, t3) is None


def test_revoke_respects_owner_and_unknown_ids(store, store_settings, alice) -> None:
    add_user(store, store_settings, "bob", Role.auditor, password=PASSWORD)
    info, _ = create_token(store, store_settings, "alice", "one")
    bob = next(
        u
        for u in __import__("phiwatch.security", fromlist=["list_users"]).list_users(
            store, store_settings
        )
        if u.username == "bob"
    )
    with pytest.raises(NotFoundError):
        revoke_token(store, info.id, owner_id=bob.id)
    with pytest.raises(NotFoundError):
        revoke_token(store, 9999)
    with pytest.raises(InputError):
        create_token(store, store_settings, "alice", "   ")


# --- lifetime cap, minting by tokens (issue 21, finding 1) -----------------------------------


def _settings_with(store_settings, **changes):
    return store_settings.model_copy(update=changes)


def _close_to(moment, expected, slack=timedelta(minutes=1)) -> bool:
    return bool(abs(moment - expected) < slack)


def test_every_token_expires_by_token_max_days(store, store_settings, alice) -> None:
    from datetime import UTC, datetime

    info, _ = create_token(store, store_settings, "alice", "no expiry asked")
    assert _close_to(info.expires_at, datetime.now(UTC) + timedelta(days=90))
    week = _settings_with(store_settings, token_max_days=7)
    info, _ = create_token(store, week, "alice", "short policy")
    assert _close_to(info.expires_at, datetime.now(UTC) + timedelta(days=7))
    with pytest.raises(InputError, match="at most 7 days"):
        create_token(store, week, "alice", "too long", expires_in=timedelta(days=8))


def test_a_token_stored_without_expiry_stops_at_the_cap_and_is_reported(
    store, store_settings, alice
) -> None:
    """Tokens made before the cap existed had no expiry: they are limited on use."""
    old_info, old = create_token(store, store_settings, "alice", "old")
    recent_info, recent = create_token(store, store_settings, "alice", "recent")
    with store.transaction() as session:
        session.execute(
            text(
                "update security_api_token set expires_at = null, created_at = :at where id = :id"
            ),
            [
                {"at": _days_ago(91), "id": old_info.id},
                {"at": _days_ago(10), "id": recent_info.id},
            ],
        )
    assert authenticate_token(store, store_settings, old) is None
    assert authenticate_token(store, store_settings, recent) is not None
    listed = {t.id: t for t in list_tokens(store, "alice", settings=store_settings)}
    assert listed[old_info.id].limited and listed[recent_info.id].limited
    assert _close_to(listed[recent_info.id].expires_at, _days_ago(10) + timedelta(days=90))
    # a stricter policy applies to tokens already made, too
    assert (
        authenticate_token(store, _settings_with(store_settings, token_max_days=5), recent) is None
    )


def _days_ago(days: int):
    from datetime import UTC, datetime

    return datetime.now(UTC) - timedelta(days=days)


def _as_principal(store, store_settings, token: str):
    principal = authenticate_token(store, store_settings, token)
    assert principal is not None
    return principal


def test_a_token_makes_tokens_only_when_allowed_to(store, store_settings) -> None:
    from phiwatch.security import TokenRefused

    add_user(store, store_settings, "rita", Role.reviewer, password=PASSWORD)
    _, plain = create_token(store, store_settings, "rita", "plain", expires_in=timedelta(days=1))
    with pytest.raises(TokenRefused, match="may not create tokens"):
        create_token(
            store,
            store_settings,
            "rita",
            "child",
            minted_by=_as_principal(store, store_settings, plain),
        )
    assert [t.name for t in list_tokens(store, "rita")] == ["plain"]


def test_a_minted_token_never_outlives_or_outranks_its_parent(store, store_settings) -> None:
    add_user(store, store_settings, "rita", Role.reviewer, password=PASSWORD)
    parent_info, parent = create_token(
        store,
        store_settings,
        "rita",
        "ci",
        expires_in=timedelta(days=1),
        may_create_tokens=True,
    )
    caller = _as_principal(store, store_settings, parent)
    child, child_text = create_token(store, store_settings, "rita", "child", minted_by=caller)
    assert child.expires_at <= parent_info.expires_at  # not 90 days: the parent's day
    assert child.role is parent_info.role and child.parent_id == parent_info.id
    assert not child.may_create_tokens  # not inherited unless asked for
    with pytest.raises(InputError, match="cannot outlive"):
        create_token(
            store, store_settings, "rita", "long", expires_in=timedelta(days=30), minted_by=caller
        )
    # a read-only parent (reachable from Python, not over HTTP) makes read-only tokens only
    ro_info, ro = create_token(
        store, store_settings, "rita", "ro", read_only=True, may_create_tokens=True
    )
    assert not ro_info.may_create_tokens  # a read-only token cannot post, so it is not given it
    with store.transaction() as session:
        session.execute(
            text("update security_api_token set may_create_tokens = true where id = :id"),
            {"id": ro_info.id},
        )
    made, _ = create_token(
        store, store_settings, "rita", "from ro", minted_by=_as_principal(store, store_settings, ro)
    )
    assert made.read_only
    # revoking the parent revokes what it made, and what that made
    _, gp_text = create_token(
        store, store_settings, "rita", "mid", may_create_tokens=True, minted_by=caller
    )
    _, grandchild = create_token(
        store,
        store_settings,
        "rita",
        "leaf",
        minted_by=_as_principal(store, store_settings, gp_text),
    )
    revoke_token(store, parent_info.id)
    for text_ in (parent, child_text, gp_text, grandchild):
        assert authenticate_token(store, store_settings, text_) is None
    assert authenticate_token(store, store_settings, ro) is not None  # not of that lineage


def test_auditors_tokens_are_read_only(store, store_settings, alice) -> None:
    info, token = create_token(store, store_settings, "alice", "asks for write")
    assert info.read_only
    assert _as_principal(store, store_settings, token).read_only
