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
