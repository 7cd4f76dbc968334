"""Accounts, roles and password sign-in with its rate limits, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, text

from phiwatch.errors import ConflictError, InputError, NotFoundError
from phiwatch.security import (
    Role,
    SignInFailed,
    SignInThrottled,
    ThrottlePolicy,
    add_user,
    authenticate_password,
    enable_totp,
    list_users,
    parse_role,
    set_disabled,
    set_password,
    set_role,
)
from phiwatch.store.models.security import SignInAttempt
from tests.security.conftest import PASSWORD


def test_add_and_list_users(store, store_settings) -> None:
    add_user(store, store_settings, "Alice", Role.admin, password=PASSWORD, display_name="Alice Ng")
    add_user(store, store_settings, "bob", Role.analyst, password=PASSWORD)
    users = list_users(store, store_settings)
    assert [(u.username, u.role) for u in users] == [("alice", Role.admin), ("bob", Role.analyst)]
    assert users[0].display_name == "Alice Ng"


def test_duplicate_and_bad_names_are_refused(sqlite_store, settings) -> None:
    add_user(sqlite_store, settings, "alice", Role.admin, password=PASSWORD)
    with pytest.raises(ConflictError, match="already exists"):
        add_user(sqlite_store, settings, "ALICE", Role.auditor, password=PASSWORD)
    with pytest.raises(InputError, match="user name"):
        add_user(sqlite_store, settings, "a b", Role.auditor, password=PASSWORD)
    with pytest.raises(InputError, match="password or an OIDC subject"):
        add_user(sqlite_store, settings, "carol", Role.auditor)


def test_parse_role_accepts_spellings_and_refuses_unknown() -> None:
    assert parse_role("Privacy-Officer") is Role.privacy_officer
    with pytest.raises(InputError, match="expected one of"):
        parse_role("root")


def test_password_sign_in(store, store_settings) -> None:
    add_user(store, store_settings, "alice", Role.reviewer, password=PASSWORD)
    info = authenticate_password(store, store_settings, "alice", PASSWORD, address="10.0.0.1")
    assert info.username == "alice"
    assert info.last_sign_in_at is not None
    with pytest.raises(SignInFailed):
        authenticate_password(store, store_settings, "alice", "wrong password!", address="10.0.0.1")
    with pytest.raises(SignInFailed):
        authenticate_password(store, store_settings, "nobody", PASSWORD, address="10.0.0.1")


def test_unknown_name_and_wrong_password_give_the_same_message(sqlite_store, settings) -> None:
    add_user(sqlite_store, settings, "alice", Role.reviewer, password=PASSWORD)
    messages = set()
    for name, password in [("alice", "wrong password!"), ("nobody", PASSWORD)]:
        with pytest.raises(SignInFailed) as caught:
            authenticate_password(sqlite_store, settings, name, password, address="10.0.0.1")
        messages.add(str(caught.value))
    assert len(messages) == 1


def test_disabled_account_cannot_sign_in_and_role_change_applies(store, store_settings) -> None:
    add_user(store, store_settings, "alice", Role.reviewer, password=PASSWORD)
    set_disabled(store, store_settings, "alice", True)
    with pytest.raises(SignInFailed):
        authenticate_password(store, store_settings, "alice", PASSWORD, address="10.0.0.1")
    set_disabled(store, store_settings, "alice", False)
    assert set_role(store, store_settings, "alice", Role.auditor).role is Role.auditor
    with pytest.raises(NotFoundError):
        set_role(store, store_settings, "zed", Role.auditor)


def test_new_password_replaces_old(sqlite_store, settings) -> None:
    add_user(sqlite_store, settings, "alice", Role.reviewer, password=PASSWORD)
    set_password(sqlite_store, settings, "alice", "another long passphrase")
    with pytest.raises(SignInFailed):
        authenticate_password(sqlite_store, settings, "alice", PASSWORD, address="10.0.0.9")
    authenticate_password(
        sqlite_store, settings, "alice", "another long passphrase", address="10.0.0.9"
    )


def test_totp_is_required_once_enabled(sqlite_store, settings) -> None:
    add_user(sqlite_store, settings, "alice", Role.reviewer, password=PASSWORD)
    uri = enable_totp(sqlite_store, settings, "alice")
    totp = pyotp.TOTP(pyotp.parse_uri(uri).secret)
    with pytest.raises(SignInFailed):
        authenticate_password(sqlite_store, settings, "alice", PASSWORD, address="10.0.0.1")
    with pytest.raises(SignInFailed):
        authenticate_password(
            sqlite_store,
            settings,
            "alice",
            PASSWORD,
            code="000000" if totp.now() != "000000" else "111111",
            address="10.0.0.1",
        )
    code = totp.now()
    info = authenticate_password(
        sqlite_store, settings, "alice", PASSWORD, code=code, address="10.0.0.1"
    )
    assert info.totp
    with pytest.raises(SignInFailed):  # the same code a second time: a replay
        authenticate_password(
            sqlite_store, settings, "alice", PASSWORD, code=code, address="10.0.0.1"
        )


def test_throttle_per_account_and_address(store, store_settings) -> None:
    add_user(store, store_settings, "alice", Role.reviewer, password=PASSWORD)
    policy = ThrottlePolicy(window=timedelta(minutes=15), per_account_address=3, per_address=10)
    for _ in range(3):
        with pytest.raises(SignInFailed):
            authenticate_password(
                store,
                store_settings,
                "alice",
                "wrong password!",
                address="203.0.113.9",
                policy=policy,
            )
    # The right password no longer helps from that address...
    with pytest.raises(SignInThrottled) as caught:
        authenticate_password(
            store, store_settings, "alice", PASSWORD, address="203.0.113.9", policy=policy
        )
    assert 0 < caught.value.retry_after <= 15 * 60
    # ...but the attacker has not locked Alice out from her own machine.
    assert (
        authenticate_password(
            store, store_settings, "alice", PASSWORD, address="10.1.1.1", policy=policy
        ).username
        == "alice"
    )


def test_guessing_names_locks_only_the_guessers_address(sqlite_store, settings) -> None:
    for name in ("alice", "bob"):
        add_user(sqlite_store, settings, name, Role.reviewer, password=PASSWORD)
    policy = ThrottlePolicy(per_account_address=3, per_address=5)
    attacker = "198.51.100.7"
    for guess in ["admin", "root", "alice", "bob", "carol"]:
        with pytest.raises(SignInFailed):
            authenticate_password(
                sqlite_store, settings, guess, "guess guess guess", address=attacker, policy=policy
            )
    with pytest.raises(SignInThrottled):
        authenticate_password(
            sqlite_store, settings, "dave", "guess guess guess", address=attacker, policy=policy
        )
    for name in ("alice", "bob"):
        assert authenticate_password(
            sqlite_store, settings, name, PASSWORD, address="10.2.2.2", policy=policy
        )


def test_attempt_table_holds_no_user_names(sqlite_store, settings) -> None:
    with pytest.raises(SignInFailed):
        authenticate_password(
            sqlite_store, settings, "mistyped-secret-name", "x" * 12, address="10.0.0.1"
        )
    with sqlite_store.reader() as session:
        accounts = session.scalars(select(SignInAttempt.account)).all()
        dump = " ".join(
            str(v)
            for row in session.execute(text("select * from security_sign_in_attempt"))
            for v in row
        )
    assert len(accounts) == 1
    assert "mistyped" not in dump


def test_old_attempts_are_dropped(sqlite_store, settings) -> None:
    from datetime import UTC, datetime

    from phiwatch.security._throttle import record_failure

    with sqlite_store.transaction() as session:
        session.add(
            SignInAttempt(
                account="x" * 64, address="10.9.9.9", at=datetime.now(UTC) - timedelta(days=2)
            )
        )
    record_failure(sqlite_store, settings, "alice", "10.0.0.1")
    with sqlite_store.reader() as session:
        assert session.scalars(select(SignInAttempt.address)).all() == ["10.0.0.1"]
