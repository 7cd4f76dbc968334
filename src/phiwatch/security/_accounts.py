"""Accounts: create, list, change role, disable, passwords, TOTP, and password sign-in.

There is no default account and no default password: the first
administrator is made on the machine with ``phiwatch users add NAME --role
admin``. ``UserInfo`` is the public view of an account; hashes and secrets
never leave this module.
"""

from __future__ import annotations

import hmac
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pyotp
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from phiwatch.config import Settings
from phiwatch.errors import ConflictError, InputError, NotFoundError
from phiwatch.security._fields import enable_field_encryption
from phiwatch.security._passwords import hash_password, needs_rehash, verify_password
from phiwatch.security._roles import Role
from phiwatch.security._throttle import (
    ThrottlePolicy,
    check_throttle,
    clear_failures,
    record_failure,
)
from phiwatch.store import Store
from phiwatch.store.models.security import User, UserSession

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")


class SignInFailed(InputError):
    """Wrong name, password or code, or a disabled account: deliberately one message."""

    def __init__(self) -> None:
        super().__init__("the name, password or one-time code is not right")


@dataclass(frozen=True)
class UserInfo:
    """What may be shown about an account (never its hashes or secrets)."""

    id: int
    username: str
    role: Role
    display_name: str | None
    email: str | None
    disabled: bool
    totp: bool
    oidc_subject: str | None
    created_at: datetime
    last_sign_in_at: datetime | None

    @classmethod
    def of(cls, user: User) -> UserInfo:
        return cls(
            id=user.id,
            username=user.username,
            role=Role(user.role),
            display_name=user.display_name,
            email=user.email,
            disabled=user.disabled,
            totp=user.totp_secret is not None,
            oidc_subject=user.oidc_subject,
            created_at=user.created_at,
            last_sign_in_at=user.last_sign_in_at,
        )


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not _USERNAME.match(name):
        raise InputError(
            "a user name is 2-64 characters: lower-case letters, digits and . _ @ -, "
            "starting with a letter or digit"
        )
    return name


def _get(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFoundError(f"no user named {username!r}")
    return user


def add_user(
    store: Store,
    settings: Settings,
    username: str,
    role: Role,
    *,
    password: str | None = None,
    display_name: str | None = None,
    email: str | None = None,
    oidc_subject: str | None = None,
) -> UserInfo:
    """Create an account; it needs a password, an OIDC subject, or both."""
    enable_field_encryption(store, settings)
    name = check_username(username)
    if password is None and oidc_subject is None:
        raise InputError("a new account needs a password or an OIDC subject to sign in with")
    password_hash = hash_password(password) if password is not None else None
    with store.transaction() as session:
        if session.scalar(select(User.id).where(User.username == name)) is not None:
            raise ConflictError(f"a user named {name!r} already exists")
        if oidc_subject and session.scalar(
            select(User.id).where(User.oidc_subject == oidc_subject)
        ):
            raise ConflictError("that OIDC subject already belongs to another account")
        user = User(
            username=name,
            role=role.value,
            display_name=display_name,
            email=email,
            password_hash=password_hash,
            oidc_subject=oidc_subject,
            disabled=False,
            created_at=datetime.now(UTC),
        )
        session.add(user)
        session.flush()
        return UserInfo.of(user)


def list_users(store: Store, settings: Settings) -> list[UserInfo]:
    enable_field_encryption(store, settings)
    with store.reader() as session:
        return [UserInfo.of(u) for u in session.scalars(select(User).order_by(User.username))]


def get_user(store: Store, settings: Settings, username: str) -> UserInfo:
    enable_field_encryption(store, settings)
    with store.reader() as session:
        return UserInfo.of(_get(session, username))


def _end_sessions(session: Session, user_id: int) -> None:
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=datetime.now(UTC))
    )


def set_role(store: Store, settings: Settings, username: str, role: Role) -> UserInfo:
    """Change the role; open sessions end so the new role applies at once."""
    enable_field_encryption(store, settings)
    with store.transaction() as session:
        user = _get(session, username)
        user.role = role.value
        _end_sessions(session, user.id)
        return UserInfo.of(user)


def set_disabled(store: Store, settings: Settings, username: str, disabled: bool) -> UserInfo:
    """Disable (ending every session; tokens stop working) or re-enable an account."""
    enable_field_encryption(store, settings)
    with store.transaction() as session:
        user = _get(session, username)
        user.disabled = disabled
        if disabled:
            _end_sessions(session, user.id)
        return UserInfo.of(user)


def set_password(store: Store, settings: Settings, username: str, password: str) -> None:
    enable_field_encryption(store, settings)
    password_hash = hash_password(password)
    with store.transaction() as session:
        user = _get(session, username)
        user.password_hash = password_hash
        _end_sessions(session, user.id)


def enable_totp(store: Store, settings: Settings, username: str) -> str:
    """Give the account a new TOTP secret; returns the otpauth:// URI to show once."""
    enable_field_encryption(store, settings)
    secret = pyotp.random_base32()
    with store.transaction() as session:
        user = _get(session, username)
        user.totp_secret = secret
        user.totp_last_step = None
        return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="phiwatch")


def disable_totp(store: Store, settings: Settings, username: str) -> None:
    enable_field_encryption(store, settings)
    with store.transaction() as session:
        _get(session, username).totp_secret = None


def _totp_step(secret: str, code: str | None, *, after: int | None) -> int | None:
    """The time step ``code`` belongs to (now, or one step either side), if not used before."""
    if not code or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // totp.interval
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.at(step * totp.interval), code) and (
            after is None or step > after
        ):
            return step
    return None


def authenticate_password(
    store: Store,
    settings: Settings,
    username: str,
    password: str,
    *,
    code: str | None = None,
    address: str,
    policy: ThrottlePolicy | None = None,
) -> UserInfo:
    """Check a sign-in; raises ``SignInThrottled`` or ``SignInFailed`` (one message for all).

    The throttle is checked before the password, and a failure is recorded
    whatever the reason, so wrong names and wrong passwords look alike.
    """
    enable_field_encryption(store, settings)
    limits = policy or ThrottlePolicy()
    name = username.strip().lower()[:64]
    check_throttle(store, settings, name, address, limits)
    with store.reader() as session:
        user = session.scalar(select(User).where(User.username == name))
        stored_hash = user.password_hash if user is not None else None
        ok = verify_password(stored_hash, password)
        step: int | None = None
        if ok and user is not None and user.totp_secret is not None:
            step = _totp_step(user.totp_secret, code, after=user.totp_last_step)
            ok = step is not None
        if user is None or user.disabled:
            ok = False
    if not ok or user is None:
        record_failure(store, settings, name, address)
        raise SignInFailed()
    clear_failures(store, settings, name, address)
    with store.transaction() as session:
        fresh = session.get(User, user.id)
        assert fresh is not None
        fresh.last_sign_in_at = datetime.now(UTC)
        if step is not None:
            fresh.totp_last_step = step
        if stored_hash is not None and needs_rehash(stored_hash):
            fresh.password_hash = hash_password(password)
        return UserInfo.of(fresh)


def user_for_oidc(store: Store, settings: Settings, subject: str) -> UserInfo:
    """The enabled account linked to an OIDC ``issuer|sub``; no account is made on the fly."""
    enable_field_encryption(store, settings)
    with store.transaction() as session:
        user = session.scalar(select(User).where(User.oidc_subject == subject))
        if user is None or user.disabled:
            raise NotFoundError("no enabled phiwatch account is linked to this sign-in identity")
        user.last_sign_in_at = datetime.now(UTC)
        return UserInfo.of(user)
